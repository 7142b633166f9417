"""Goal movement: how a sub-goal's latest score compares with its baseline (section 3.3)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.outcomes.v1 import GoalMovement
from contracts.reference import codes
from contracts.reference.codes import ChildrenAndFamiliesCode

from outcomes.domain.errors import InvalidScore, UnknownGoalCode
from outcomes.domain.records import SubGoalRecord
from outcomes.domain.shares import Share

MIN_SCORE = 0
MAX_SCORE = 10


def ensure_score_is_valid(score: int | None, field: str = "score") -> None:
    if score is None:
        return
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidScore(detail=f"{field} must be a whole number from 0 to 10, got {score!r}")


def classify_movement(baseline: int | None, latest: int | None) -> GoalMovement:
    """Improved, unchanged or deteriorated from baseline; no score without both scores."""
    ensure_score_is_valid(baseline, "baseline")
    ensure_score_is_valid(latest, "latest_score")
    if baseline is None or latest is None:
        return GoalMovement.NO_SCORE
    if latest > baseline:
        return GoalMovement.IMPROVED
    if latest < baseline:
        return GoalMovement.DETERIORATED
    return GoalMovement.UNCHANGED


def movement_of(goal: SubGoalRecord) -> GoalMovement:
    return classify_movement(goal.baseline, goal.latest_score)


def code_row(goal: SubGoalRecord) -> ChildrenAndFamiliesCode:
    try:
        return codes.lookup(goal.code, goal.edition)
    except codes.UnknownCode as exc:
        raise UnknownGoalCode(detail=str(exc)) from None


@dataclass(frozen=True)
class MovementSummary:
    """Counts of goals by movement. Shares are of goals with a score: the evaluation's 84/10/6
    of 1,445 goals add to 100 although Table 4 shows goals with no score."""

    improved: int
    unchanged: int
    deteriorated: int
    no_score: int

    @property
    def total(self) -> int:
        return self.improved + self.unchanged + self.deteriorated + self.no_score

    @property
    def scored(self) -> int:
        return self.improved + self.unchanged + self.deteriorated

    def share(self, movement: GoalMovement) -> Share:
        """Share of scored goals; for NO_SCORE, the share of all goals."""
        if movement is GoalMovement.NO_SCORE:
            return Share(self.no_score, self.total)
        return Share(self.count(movement), self.scored)

    def count(self, movement: GoalMovement) -> int:
        return {
            GoalMovement.IMPROVED: self.improved,
            GoalMovement.UNCHANGED: self.unchanged,
            GoalMovement.DETERIORATED: self.deteriorated,
            GoalMovement.NO_SCORE: self.no_score,
        }[movement]


def summarise_movement(goals: Iterable[SubGoalRecord]) -> MovementSummary:
    counts = Counter(movement_of(goal) for goal in goals)
    return MovementSummary(
        improved=counts[GoalMovement.IMPROVED],
        unchanged=counts[GoalMovement.UNCHANGED],
        deteriorated=counts[GoalMovement.DETERIORATED],
        no_score=counts[GoalMovement.NO_SCORE],
    )
