"""Practice dates: a plan may be dated when it was agreed, and nothing in it is dated before
what it depends on (sub-goals before the plan, endings and closure before the last entry,
feedback before the closure); each refusal names its field and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from goals.domain.closure import ClosingReview, Support, SustainabilityPlan
from goals.domain.errors import InvalidPracticeDate
from goals.domain.feedback import FamilyFeedback
from goals.domain.plan import FamilyPlan, SubGoal

NOW = datetime(2025, 3, 3, 10, tzinfo=UTC)


def review(on: date) -> ClosingReview:
    return ClosingReview(
        held_on=on,
        sustainability_plan=SustainabilityPlan(
            worked_on="Routines",
            achieved="At school every day",
            how_family_continues="The chart on the fridge",
            supports=(Support("School mentor", "Weekly check-in", "School office"),),
            look_out_for="Late nights",
        ),
    )


def test_a_plan_is_dated_the_day_it_was_agreed_and_never_in_the_future() -> None:
    agreed = date(2018, 1, 15)
    plan = FamilyPlan.open(
        family_id=uuid.uuid4(),
        formulation_id=uuid.uuid4(),
        overall_goal="Safe",
        now=NOW,
        opened_on=agreed,
    )
    assert (plan.practice_opened_on, plan.events[0].opened_on) == (agreed, agreed)
    with pytest.raises(InvalidPracticeDate) as refused:
        FamilyPlan.open(
            family_id=uuid.uuid4(),
            formulation_id=uuid.uuid4(),
            overall_goal="Safe",
            now=NOW,
            opened_on=NOW.date() + timedelta(days=1),
        )
    assert [e.field for e in refused.value.errors] == ["opened_on"]


def test_a_sub_goal_is_not_set_before_the_plan_opened(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    with pytest.raises(InvalidPracticeDate) as refused:
        set_goal(on=plan.practice_opened_on - timedelta(days=1))
    assert [e.field for e in refused.value.errors] == ["on"]
    assert plan.sub_goals == []


def test_a_sub_goal_does_not_end_and_a_plan_does_not_close_before_the_last_entry(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum
) -> None:
    goal = started_goal()
    later = goal.set_on + timedelta(days=14)
    plan.record_score(goal.id, score=6, on=later, given_by=mum)
    with pytest.raises(InvalidPracticeDate) as refused:
        plan.end_sub_goal(goal.id, "achieved", on=later - timedelta(days=1))
    assert [e.field for e in refused.value.errors] == ["on"]
    assert goal.is_active
    with pytest.raises(InvalidPracticeDate) as refused:
        plan.close(
            review=review(later - timedelta(days=1)),
            reason="family_no_longer_wanted_support",
            closed_on=later - timedelta(days=1),
            now=NOW + timedelta(days=60),
        )
    assert [e.field for e in refused.value.errors] == ["closed_on"]
    assert plan.is_open


def test_feedback_is_not_dated_before_the_plan_closed(plan: FamilyPlan) -> None:
    closed = plan.practice_opened_on + timedelta(days=30)
    plan.close(
        review=review(closed),
        reason="family_no_longer_wanted_support",
        closed_on=closed,
        now=NOW + timedelta(days=60),
    )
    feedback = FamilyFeedback(True, True, 8, 9, 9)
    with pytest.raises(InvalidPracticeDate) as refused:
        plan.record_feedback(feedback, now=NOW + timedelta(days=60), on=closed - timedelta(1))
    assert [e.field for e in refused.value.errors] == ["on"]
    assert plan.feedback is None
    plan.record_feedback(feedback, now=NOW + timedelta(days=60), on=closed)
    assert plan.events[-1].received_on == closed
