"""Scores on the 0-10 scale (section 3.3): baseline, tracking scores, evaluations, movement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from contracts.reference.goals import (
    SCORE_MAX,
    SCORE_MIN,
    EvaluationDecision,
    Movement,
    ScorerKind,
)

from goals.domain.errors import FieldError, InvalidEvaluation, InvalidScore


def ensure_score_in_range(value: object, field: str = "score") -> int:
    """The score as an int; refuses anything but a whole number from 0 to 10."""
    # bool is an int in Python; True must not pass as a score of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidScore(
            detail=f"{field} must be a whole number from {SCORE_MIN} to {SCORE_MAX}",
            errors=[FieldError(field, "not a whole number")],
        )
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise InvalidScore(
            detail=f"{field} {value} is outside {SCORE_MIN}-{SCORE_MAX}",
            errors=[FieldError(field, f"must be from {SCORE_MIN} to {SCORE_MAX}")],
        )
    return value


def classify_movement(baseline: int | None, latest: int | None) -> Movement:
    """Movement from baseline to the latest score; no_score when either is missing."""
    if baseline is None or latest is None:
        return Movement.NO_SCORE
    if latest > baseline:
        return Movement.IMPROVED
    if latest < baseline:
        return Movement.DETERIORATED
    return Movement.UNCHANGED


@dataclass(frozen=True)
class Scorer:
    """Who gave a score: a family member by person id, or a worker by user id."""

    kind: ScorerKind
    id: str

    @classmethod
    def family(cls, person_id: uuid.UUID) -> Scorer:
        return cls(ScorerKind.FAMILY, str(person_id))

    @classmethod
    def worker(cls, worker_id: str) -> Scorer:
        return cls(ScorerKind.WORKER, worker_id)


@dataclass(frozen=True)
class BaselineScore:
    """Where the family thinks they are before any action (Appendix 5 step 8)."""

    score: int
    on: date
    given_by: Scorer

    def __post_init__(self) -> None:
        ensure_score_in_range(self.score, "baseline")


@dataclass(frozen=True)
class TrackingScore:
    """A dated score at the agreed frequency (Appendix 5 step 11)."""

    score: int
    on: date
    given_by: Scorer
    note: str = ""

    def __post_init__(self) -> None:
        ensure_score_in_range(self.score)


@dataclass(frozen=True)
class Evaluation:
    """Date, score and the rationale to continue or change the actions (Appendix 5 step 12)."""

    score: int
    on: date
    decision: EvaluationDecision
    rationale: str

    def __post_init__(self) -> None:
        ensure_score_in_range(self.score)
        errors: list[FieldError] = []
        if not isinstance(self.decision, EvaluationDecision):
            errors.append(FieldError("decision", "must be continue or change"))
        if not self.rationale.strip():
            errors.append(FieldError("rationale", "say why to continue or change the actions"))
        if errors:
            raise InvalidEvaluation(detail="the evaluation is not complete", errors=errors)


@dataclass(frozen=True)
class ScorePoint:
    """One point of a sub-goal's score history, for charts and reviews."""

    on: date
    score: int
    is_baseline: bool
