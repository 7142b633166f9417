"""SMART actions per sub-goal, with an activity category, and what was done as it happens."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from contracts.goals import v1 as events
from contracts.reference.goals import ActivityCategory
from goals.domain.errors import ActionNotFound, InvalidAction, SubGoalNotActive
from goals.domain.plan import Action, FamilyPlan, SubGoal

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


def _agree(plan: FamilyPlan, sub_goal: SubGoal, category: str = "parenting_work") -> Action:
    return plan.agree_action(
        sub_goal.id,
        what="Weekly session on morning routines",
        who="Worker with mum",
        by_when=sub_goal.by_when,
        category=category,
        on=sub_goal.set_on,
    )


def test_an_action_is_recorded_with_its_activity_category(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal("E5")

    action = _agree(plan, sub_goal, "engagement_and_alignment_work")

    assert action.category is ActivityCategory.ENGAGEMENT_AND_ALIGNMENT_WORK
    assert sub_goal.actions == [action]
    event = plan.events[-1]
    assert isinstance(event, events.ActionRecorded)
    assert event.action_id == action.id
    assert event.activity_category is ActivityCategory.ENGAGEMENT_AND_ALIGNMENT_WORK
    assert event.code == "E5"


def test_an_action_needs_a_known_activity_category(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    with pytest.raises(InvalidAction) as refused:
        _agree(plan, sub_goal, "tea_and_sympathy")
    assert refused.value.errors[0].field == "category"
    assert sub_goal.actions == []


def test_an_action_that_is_not_smart_is_refused(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    with pytest.raises(InvalidAction) as refused:
        plan.agree_action(
            sub_goal.id,
            what="",
            who=" ",
            by_when=sub_goal.set_on - timedelta(days=1),
            category="relationship_work",
            on=sub_goal.set_on,
        )
    assert {e.field for e in refused.value.errors} == {"what", "who", "by_when"}


def test_what_was_done_is_recorded_against_the_action(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    action = _agree(plan, sub_goal)
    done_on = sub_goal.set_on + timedelta(days=2)

    plan.record_action_progress(
        sub_goal.id, action.id, on=done_on, note="Made a morning chart together", now=NOW
    )

    (entry,) = action.entries
    assert (entry.on, entry.note, entry.recorded_at) == (
        done_on,
        "Made a morning chart together",
        NOW,
    )
    event = plan.events[-1]
    assert isinstance(event, events.ActionProgressRecorded)
    assert (event.action_id, event.done_on) == (action.id, done_on)
    assert event.activity_category is ActivityCategory.PARENTING_WORK


def test_progress_on_an_unknown_action_is_not_found(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    with pytest.raises(ActionNotFound) as refused:
        plan.record_action_progress(
            sub_goal.id, uuid.uuid4(), on=sub_goal.set_on, note="Visit", now=NOW
        )
    assert refused.value.status == 404


def test_no_actions_are_added_to_an_ended_sub_goal(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    plan.end_sub_goal(sub_goal.id, "withdrawn", on=sub_goal.set_on)
    with pytest.raises(SubGoalNotActive):
        _agree(plan, sub_goal)
