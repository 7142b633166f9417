"""Where a plan may start, who sees it, and how it follows the family between teams."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from goals.domain.access import Visibility
from goals.domain.closure import ClosingReview, Support, SustainabilityPlan
from goals.domain.errors import FormulationNotCompleted, FormulationSuperseded, PlanAlreadyOpen
from goals.domain.opening import (
    CompletedFormulation,
    ensure_formulation_is_completed_for_family,
    ensure_no_open_plan,
)
from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.scores import Scorer
from runtime.snapshots import from_snapshot, to_snapshot


def test_a_plan_is_not_opened_from_a_formulation_not_known_to_be_completed() -> None:
    with pytest.raises(FormulationNotCompleted) as refused:
        ensure_formulation_is_completed_for_family(None, uuid.uuid4(), uuid.uuid4())
    assert refused.value.status == 409
    assert refused.value.errors[0].field == "formulation_id"


def test_a_plan_is_not_opened_from_another_familys_formulation() -> None:
    formulation = CompletedFormulation(uuid.uuid4(), family_id=uuid.uuid4())
    with pytest.raises(FormulationNotCompleted):
        ensure_formulation_is_completed_for_family(
            formulation, formulation.formulation_id, uuid.uuid4()
        )


def test_a_completed_formulation_of_the_family_opens_a_plan() -> None:
    family_id = uuid.uuid4()
    formulation = CompletedFormulation(uuid.uuid4(), family_id=family_id)
    ensure_formulation_is_completed_for_family(formulation, formulation.formulation_id, family_id)


def test_a_plan_is_not_opened_from_a_version_formulated_again_since() -> None:
    family_id, newer = uuid.uuid4(), uuid.uuid4()
    formulation = CompletedFormulation(uuid.uuid4(), family_id=family_id, superseded_by=newer)
    with pytest.raises(FormulationSuperseded) as refused:
        ensure_formulation_is_completed_for_family(
            formulation, formulation.formulation_id, family_id
        )
    assert refused.value.status == 409
    assert refused.value.errors[0].field == "formulation_id"
    assert refused.value.extra == {"current_formulation_id": str(newer)}


def test_a_family_has_one_open_plan_at_a_time() -> None:
    ensure_no_open_plan(uuid.uuid4(), [])
    with pytest.raises(PlanAlreadyOpen):
        ensure_no_open_plan(uuid.uuid4(), [uuid.uuid4()])


def test_res_staff_see_only_their_own_teams_families() -> None:
    assert Visibility.team("res-jess").sees("res-jess")
    assert not Visibility.team("res-jess").sees("res-bcm")
    assert not Visibility.team("res-jess").sees(None)
    assert not Visibility.team(None).sees(None)
    assert Visibility.all_families().sees("res-bcm")


def test_an_open_plan_follows_the_family_to_its_new_team(plan: FamilyPlan) -> None:
    assert plan.allocate_to_team("res-bcm", "bcm")
    assert (plan.team_id, plan.cluster_id) == ("res-bcm", "bcm")
    assert not plan.allocate_to_team("res-bcm", "bcm")


def test_a_closed_plan_keeps_the_team_that_did_the_work(plan: FamilyPlan) -> None:
    review = ClosingReview(
        date(2025, 3, 3), SustainabilityPlan("a", "b", "c", (Support("x", "y", "z"),), "e")
    )
    plan.close(
        review=review,
        reason="family_no_longer_wanted_support",
        closed_on=date(2025, 3, 3),
        now=datetime(2025, 3, 3, tzinfo=UTC),
    )
    assert not plan.allocate_to_team("res-bcm", "bcm")
    assert plan.team_id == "res-east"


def test_a_plan_is_stored_and_read_back_whole(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    goal = started_goal("S1")
    plan.record_score(goal.id, score=5, on=date(2025, 3, 10), given_by=mum, note="better")
    plan.agree_action(
        goal.id,
        what="Routine chart",
        who="Mum",
        by_when=date(2025, 4, 1),
        category="parenting_work",
        on=date(2025, 3, 10),
    )
    plan.set_sub_goal(
        what="Queued",
        measure="score",
        by_when=date(2025, 6, 1),
        code="h1",
        person_ids=[uuid.uuid4()],
        factor_ids=[uuid.uuid4()],
        on=date(2025, 3, 10),
        queue=True,
    )
    plan.events.clear()
    copy = from_snapshot(FamilyPlan, to_snapshot(plan))
    assert copy == plan
    assert copy.sub_goals[0].movement == plan.sub_goals[0].movement


def test_news_of_a_newer_formulation_marks_an_open_plan_once_and_survives_a_snapshot(
    plan: FamilyPlan,
) -> None:
    current = uuid.uuid4()
    assert plan.note_formulation_superseded(current) is True
    assert plan.note_formulation_superseded(current) is False  # the same news again
    assert from_snapshot(FamilyPlan, to_snapshot(plan)).formulation_superseded_by == current


def test_a_plan_does_not_open_before_its_formulation_was_held() -> None:
    from goals.domain.errors import InvalidPracticeDate
    from goals.domain.opening import ensure_plan_opens_after_formulation

    formulation = CompletedFormulation(
        uuid.uuid4(), family_id=uuid.uuid4(), held_on=date(2017, 11, 20)
    )
    with pytest.raises(InvalidPracticeDate) as refused:
        ensure_plan_opens_after_formulation(date(2017, 11, 19), formulation)
    assert [e.field for e in refused.value.errors] == ["opened_on"]
    ensure_plan_opens_after_formulation(date(2017, 11, 20), formulation)
    # A formulation known from before its day was kept says nothing against any date.
    ensure_plan_opens_after_formulation(date(2000, 1, 1), CompletedFormulation(uuid.uuid4(), None))
