"""Section 3.3 measures: closure reasons of completed plans, improvement by reporting category,
and Table 4 (actions against the progress of the goals they supported)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.outcomes.v1 import ClosureReason, GoalMovement
from contracts.reference.codes import ReportingCategory

from outcomes.domain.movement import MovementSummary, code_row, movement_of, summarise_movement
from outcomes.domain.records import ActionRecord, PlanRecord, SubGoalRecord
from outcomes.domain.shares import Share


def is_completed(plan: PlanRecord) -> bool:
    """A completed plan has closed with a reason; open ("live") plans are not completed."""
    return plan.closed_at is not None and plan.closure_reason is not None


@dataclass(frozen=True)
class ClosureSummary:
    completed: int
    by_reason: dict[ClosureReason, int]

    def share(self, reason: ClosureReason) -> Share:
        return Share(self.by_reason.get(reason, 0), self.completed)


def summarise_closures(plans: Iterable[PlanRecord]) -> ClosureSummary:
    reasons = Counter(plan.closure_reason for plan in plans if is_completed(plan))
    by_reason = {reason: reasons[reason] for reason in ClosureReason}
    return ClosureSummary(completed=sum(by_reason.values()), by_reason=by_reason)


@dataclass(frozen=True)
class CategoryImprovement:
    """A reporting category's goals (n, all of them) and the share of scored ones improved."""

    category: ReportingCategory
    movement: MovementSummary

    @property
    def goals(self) -> int:
        return self.movement.total

    @property
    def improved(self) -> Share:
        return self.movement.share(GoalMovement.IMPROVED)


def improvement_by_category(goals: Iterable[SubGoalRecord]) -> tuple[CategoryImprovement, ...]:
    """Per reporting category, most goals first (the order the evaluation lists them in)."""
    grouped: dict[ReportingCategory, list[SubGoalRecord]] = defaultdict(list)
    for goal in goals:
        grouped[code_row(goal).category].append(goal)
    rows = [
        CategoryImprovement(category, summarise_movement(members))
        for category, members in grouped.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.goals, r.category.value)))


@dataclass(frozen=True)
class ActivityProgressRow:
    """One row of Table 4: actions of a category by the movement of the goal they supported."""

    activity_category: str
    deteriorated: int
    unchanged: int
    improved: int
    no_score: int

    @property
    def total(self) -> int:
        return self.deteriorated + self.unchanged + self.improved + self.no_score

    @property
    def on_improving_goals(self) -> Share:
        """Table 4's last column: actions on improved goals over all actions, no score included."""
        return Share(self.improved, self.total)


def activity_progress(
    actions: Iterable[ActionRecord], goals: Iterable[SubGoalRecord]
) -> tuple[ActivityProgressRow, ...]:
    """Table 4, most actions first. Actions on goals the read model does not hold are left out:
    their goal's progress is unknown, which is not the same as a goal with no score."""
    movement = {goal.sub_goal_id: movement_of(goal) for goal in goals}
    counts: dict[str, Counter[GoalMovement]] = defaultdict(Counter)
    for action in actions:
        goal_movement = movement.get(action.sub_goal_id)
        if goal_movement is not None:
            counts[action.activity_category][goal_movement] += 1
    rows = [
        ActivityProgressRow(
            activity_category=category,
            deteriorated=c[GoalMovement.DETERIORATED],
            unchanged=c[GoalMovement.UNCHANGED],
            improved=c[GoalMovement.IMPROVED],
            no_score=c[GoalMovement.NO_SCORE],
        )
        for category, c in counts.items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.total, r.activity_category)))
