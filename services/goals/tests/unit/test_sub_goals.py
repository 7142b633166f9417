"""A sub-goal is SMART, about named family members, from the formulation, with one code."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import pytest
from contracts.goals import v1 as events
from contracts.reference.codes import CURRENT_EDITION
from contracts.reference.goals import SubGoalStatus, TrackingFrequency
from goals.domain.errors import InvalidChildrenAndFamiliesCode, InvalidSubGoal, PlanNotOpen
from goals.domain.plan import FamilyPlan, SubGoal


def test_a_sub_goal_records_its_code_and_the_code_table_edition(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = set_goal("E5")

    assert sub_goal.code == "E5"
    assert sub_goal.code_edition == CURRENT_EDITION == "2019"
    event = plan.events[-1]
    assert isinstance(event, events.SubGoalSet)
    assert (event.code, event.code_edition) == ("E5", "2019")


def test_a_code_is_accepted_in_any_case_and_stored_as_the_table_spells_it(
    set_goal: Callable[..., SubGoal],
) -> None:
    assert set_goal(" a5 ").code == "A5"


@pytest.mark.parametrize("code", ["Z9", "S4", "", "   ", "S1,E5", "S1 E5"])
def test_a_sub_goal_without_exactly_one_known_code_is_refused(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal], code: str
) -> None:
    with pytest.raises(InvalidChildrenAndFamiliesCode) as refused:
        set_goal(code)
    assert refused.value.status == 422
    assert refused.value.errors[0].field == "code"
    assert plan.sub_goals == []


def test_a_list_of_codes_is_refused(set_goal: Callable[..., SubGoal]) -> None:
    with pytest.raises(InvalidChildrenAndFamiliesCode):
        set_goal(["S1", "E5"])


def test_a_code_is_checked_against_the_named_edition(set_goal: Callable[..., SubGoal]) -> None:
    with pytest.raises(InvalidChildrenAndFamiliesCode):
        set_goal("S1", code_edition="2031")


def test_a_sub_goal_that_is_not_smart_is_refused_with_every_missing_part(
    set_goal: Callable[..., SubGoal],
) -> None:
    with pytest.raises(InvalidSubGoal) as refused:
        set_goal(what=" ", measure="", by_when=date(2025, 1, 1), person_ids=[], factor_ids=[])
    fields = {error.field for error in refused.value.errors}
    assert fields == {"what", "measure", "by_when", "person_ids", "factor_ids"}


def test_a_sub_goal_keeps_who_it_is_about_and_the_factors_it_addresses(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    child, factor = uuid.uuid4(), uuid.uuid4()
    sub_goal = set_goal(person_ids=[child, child], factor_ids=[factor])

    assert sub_goal.person_ids == (child,)
    assert sub_goal.factor_ids == (factor,)
    event = plan.events[-1]
    assert isinstance(event, events.SubGoalSet)
    assert event.person_ids == (child,) and event.factor_ids == (factor,)


def test_tracking_is_weekly_unless_agreed_otherwise(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    weekly = set_goal("S1")
    monthly = set_goal("E5", tracking_frequency="monthly")

    assert weekly.tracking_frequency is TrackingFrequency.WEEKLY
    assert weekly.tracking_frequency_days == 7
    assert monthly.tracking_frequency_days == 28
    plan.agree_tracking_frequency(weekly.id, TrackingFrequency.FORTNIGHTLY)
    assert weekly.tracking_frequency_days == 14
    event = plan.events[-1]
    assert isinstance(event, events.TrackingFrequencyAgreed)
    assert event.tracking_frequency_days == 14


def test_an_unknown_tracking_frequency_is_refused(set_goal: Callable[..., SubGoal]) -> None:
    with pytest.raises(InvalidSubGoal):
        set_goal(tracking_frequency="daily")


def test_a_new_sub_goal_starts_active(set_goal: Callable[..., SubGoal]) -> None:
    sub_goal = set_goal()
    assert sub_goal.status is SubGoalStatus.ACTIVE
    assert sub_goal.activated_on == sub_goal.set_on


def test_a_plan_needs_an_overall_goal() -> None:
    from datetime import UTC, datetime

    from goals.domain.errors import InvalidPlan

    with pytest.raises(InvalidPlan):
        FamilyPlan.open(
            family_id=uuid.uuid4(),
            formulation_id=uuid.uuid4(),
            overall_goal="  ",
            now=datetime(2025, 3, 3, tzinfo=UTC),
        )


def test_opening_a_plan_records_the_family_and_formulation(plan: FamilyPlan) -> None:
    (opened,) = plan.events
    assert isinstance(opened, events.PlanOpened)
    assert opened.family_id == plan.family_id
    assert opened.formulation_id == plan.formulation_id
    assert (opened.team_id, opened.cluster_id) == ("res-east", "cluster-7")


def test_no_sub_goal_is_set_on_a_plan_that_went_back_to_formulation(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    plan.return_to_formulation(
        reason="no_progress_on_overall_goal",
        rationale="Scores flat for six weeks; the hypothesis needs revisiting",
        on=date(2025, 5, 1),
        now=plan.opened_at,
    )
    with pytest.raises(PlanNotOpen):
        set_goal("S1")
