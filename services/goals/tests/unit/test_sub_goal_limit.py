"""At most three active sub-goals; more wait in a queue (Appendix 5 steps 6 and 13)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from contracts.goals import v1 as events
from contracts.reference.goals import SubGoalEndState, SubGoalStatus
from goals.domain.errors import GoalLimitReached, SubGoalNotActive, SubGoalNotQueued
from goals.domain.plan import FamilyPlan, SubGoal

LATER = date(2025, 4, 1)


def test_three_sub_goals_can_be_active_at_once(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    for code in ("S1", "E5", "F2"):
        set_goal(code)
    assert [sg.code for sg in plan.active_sub_goals] == ["S1", "E5", "F2"]


def test_a_fourth_active_goal_is_refused(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    for code in ("S1", "E5", "F2"):
        set_goal(code)
    events_before = len(plan.events)

    with pytest.raises(GoalLimitReached) as refused:
        set_goal("H1")

    assert refused.value.status == 409
    assert refused.value.code == "goal-limit-reached"
    assert len(plan.sub_goals) == 3
    assert len(plan.events) == events_before


def test_a_fourth_sub_goal_can_wait_in_the_queue(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    for code in ("S1", "E5", "F2"):
        set_goal(code)
    queued = set_goal("H1", queue=True)

    assert queued.status is SubGoalStatus.QUEUED
    assert queued.activated_on is None
    assert plan.queued_sub_goals == [queued]
    assert len(plan.active_sub_goals) == 3
    last = plan.events[-1]
    assert isinstance(last, events.SubGoalSet)
    assert last.status is SubGoalStatus.QUEUED


def test_a_queued_sub_goal_cannot_be_started_while_three_are_active(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    for code in ("S1", "E5", "F2"):
        set_goal(code)
    queued = set_goal("H1", queue=True)

    with pytest.raises(GoalLimitReached):
        plan.start_sub_goal(queued.id, on=LATER)
    assert queued.is_queued


def test_a_queued_sub_goal_can_be_started_when_there_is_room(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    set_goal("S1")
    queued = set_goal("H1", queue=True)

    plan.start_sub_goal(queued.id, on=LATER)

    assert queued.is_active
    assert queued.activated_on == LATER
    last = plan.events[-1]
    assert isinstance(last, events.SubGoalActivated)
    assert last.automatic is False


def test_only_a_queued_sub_goal_can_be_started(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    active = set_goal("S1")
    with pytest.raises(SubGoalNotQueued):
        plan.start_sub_goal(active.id, on=LATER)


def test_ending_an_active_goal_promotes_the_next_queued_one(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    first, _, _ = (set_goal(code) for code in ("S1", "E5", "F2"))
    next_up = set_goal("H1", queue=True)
    after = set_goal("C2", queue=True)

    promoted = plan.end_sub_goal(first.id, SubGoalEndState.ACHIEVED, on=LATER)

    assert promoted is next_up
    assert next_up.is_active and next_up.activated_on == LATER
    assert after.is_queued
    assert len(plan.active_sub_goals) == 3
    ended, activated = plan.events[-2:]
    assert isinstance(ended, events.SubGoalEnded) and ended.sub_goal_id == first.id
    assert isinstance(activated, events.SubGoalActivated)
    assert activated.sub_goal_id == next_up.id and activated.automatic is True


def test_ending_can_promote_a_chosen_queued_goal(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    first = set_goal("S1")
    skipped = set_goal("H1", queue=True)
    chosen = set_goal("C2", queue=True)

    promoted = plan.end_sub_goal(first.id, "replaced", on=LATER, promote=chosen.id)

    assert promoted is chosen
    assert chosen.is_active and skipped.is_queued
    last = plan.events[-1]
    assert isinstance(last, events.SubGoalActivated) and last.automatic is False


def test_ending_can_keep_the_place_free_for_a_replacement(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    goals = [set_goal(code) for code in ("S1", "E5", "F2")]
    waiting = set_goal("H1", queue=True)

    promoted = plan.end_sub_goal(goals[0].id, "replaced", on=LATER, promote_next=False)
    replacement = set_goal("S2", on=LATER)

    assert promoted is None
    assert waiting.is_queued
    assert replacement.is_active and len(plan.active_sub_goals) == 3


def test_a_queued_goal_can_be_withdrawn_but_not_achieved(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    set_goal("S1")
    queued = set_goal("H1", queue=True)

    with pytest.raises(SubGoalNotActive):
        plan.end_sub_goal(queued.id, SubGoalEndState.ACHIEVED, on=LATER)
    promoted = plan.end_sub_goal(queued.id, SubGoalEndState.WITHDRAWN, on=LATER)

    assert promoted is None
    assert queued.status is SubGoalStatus.WITHDRAWN
    ended = plan.events[-1]
    assert isinstance(ended, events.SubGoalEnded) and ended.was_active is False
