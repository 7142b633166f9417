"""A sub-goal ends as achieved, replaced or withdrawn, carrying its movement (step 13)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from contracts.goals import v1 as events
from contracts.reference.goals import Movement, SubGoalEndState, SubGoalStatus
from goals.domain.errors import (
    InvalidSubGoal,
    SubGoalAlreadyEnded,
    SubGoalNotActive,
    SubGoalNotFound,
)
from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.scores import Scorer


@pytest.mark.parametrize("state", list(SubGoalEndState))
def test_an_active_sub_goal_ends_in_one_of_three_states(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], state: SubGoalEndState
) -> None:
    sub_goal = started_goal()
    end_on = sub_goal.set_on + timedelta(days=30)

    plan.end_sub_goal(sub_goal.id, state, on=end_on)

    assert sub_goal.status is SubGoalStatus(state.value)
    assert sub_goal.ended_on == end_on
    assert sub_goal.has_ended


def test_the_ended_event_carries_baseline_latest_score_and_movement(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    sub_goal = started_goal(baseline=3)
    scored_on = sub_goal.set_on + timedelta(days=21)
    plan.record_score(sub_goal.id, score=8, on=scored_on, given_by=mum)

    plan.end_sub_goal(sub_goal.id, SubGoalEndState.ACHIEVED, on=scored_on)

    event = plan.events[-1]
    assert isinstance(event, events.SubGoalEnded)
    assert (event.baseline, event.latest_score, event.latest_scored_on) == (3, 8, scored_on)
    assert event.movement is Movement.IMPROVED
    assert event.end_state is SubGoalEndState.ACHIEVED
    assert event.was_active is True and event.ended_with_plan is False


def test_an_ended_sub_goal_cannot_end_again_or_be_scored(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    sub_goal = started_goal()
    plan.end_sub_goal(sub_goal.id, "achieved", on=sub_goal.set_on)

    with pytest.raises(SubGoalAlreadyEnded) as refused:
        plan.end_sub_goal(sub_goal.id, "withdrawn", on=sub_goal.set_on)
    assert refused.value.status == 409
    with pytest.raises(SubGoalNotActive):
        plan.record_score(sub_goal.id, score=9, on=sub_goal.set_on, given_by=mum)
    assert sub_goal.status is SubGoalStatus.ACHIEVED


def test_an_unknown_end_state_is_refused(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    with pytest.raises(InvalidSubGoal):
        plan.end_sub_goal(sub_goal.id, "abandoned", on=sub_goal.set_on)
    assert sub_goal.is_active


def test_ending_an_unknown_sub_goal_is_not_found(plan: FamilyPlan) -> None:
    with pytest.raises(SubGoalNotFound) as refused:
        plan.end_sub_goal(uuid.uuid4(), "achieved", on=plan.opened_at.date())
    assert refused.value.status == 404


def test_movement_counts_cover_sub_goals_that_were_worked_on(
    plan: FamilyPlan,
    started_goal: Callable[..., SubGoal],
    set_goal: Callable[..., SubGoal],
    mum: Scorer,
) -> None:
    up, down = started_goal("S1", baseline=2), started_goal("E5", baseline=6)
    started_goal("F2", baseline=5)
    set_goal("H1", queue=True)
    later = up.set_on + timedelta(days=7)
    plan.record_score(up.id, score=5, on=later, given_by=mum)
    plan.record_score(down.id, score=4, on=later, given_by=mum)

    counts = plan.movement_counts()

    assert counts == {
        Movement.IMPROVED: 1,
        Movement.UNCHANGED: 0,
        Movement.DETERIORATED: 1,
        Movement.NO_SCORE: 1,
    }
