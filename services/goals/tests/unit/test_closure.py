"""Closing review, sustainability plan and closure reason (steps 15-16), or back to formulation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from contracts.goals import v1 as events
from contracts.reference.goals import (
    ClosureReason,
    Movement,
    PlanStatus,
    ReturnToFormulationReason,
    SubGoalEndState,
    SubGoalStatus,
)
from goals.domain.closure import ClosingReview, Support, SustainabilityPlan
from goals.domain.errors import (
    ClosureReasonDisagreesWithGoals,
    IncompleteSustainabilityPlan,
    InvalidClosure,
    InvalidPlan,
    PlanAlreadyClosed,
    PlanNotOpen,
)
from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.scores import Scorer

CLOSED_ON = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 16, 0, tzinfo=UTC)


def _sustainability_plan(**overrides: Any) -> SustainabilityPlan:
    fields: dict[str, Any] = {
        "worked_on": "Morning routines and getting to school",
        "achieved": "Attendance up from 60% to 95%",
        "how_family_continues": "Keep the morning chart; Sunday planning together",
        "supports": (
            Support(
                who="School learning mentor",
                keeps_doing="Weekly check-in",
                contact="0113 000 0000",
            ),
        ),
        "look_out_for": "Mornings slipping after holidays",
    }
    fields.update(overrides)
    return SustainabilityPlan(**fields)


def _review(held_on: date = CLOSED_ON) -> ClosingReview:
    return ClosingReview(held_on=held_on, sustainability_plan=_sustainability_plan())


def _close(plan: FamilyPlan, reason: object = ClosureReason.ALL_GOALS_ACHIEVED) -> None:
    plan.close(review=_review(), reason=reason, closed_on=CLOSED_ON, now=NOW)  # type: ignore[arg-type]


def test_a_plan_closes_with_a_reason_a_date_and_a_sustainability_plan(plan: FamilyPlan) -> None:
    _close(plan, "family_no_longer_wanted_support")

    assert plan.status is PlanStatus.CLOSED
    assert plan.closure is not None
    assert plan.closure.reason is ClosureReason.FAMILY_NO_LONGER_WANTED_SUPPORT
    assert plan.closure.closed_on == CLOSED_ON
    closed = plan.events[-1]
    assert isinstance(closed, events.PlanClosed)
    assert closed.closure_reason is ClosureReason.FAMILY_NO_LONGER_WANTED_SUPPORT
    assert (closed.closed_on, closed.closed_at) == (CLOSED_ON, NOW)
    assert (closed.team_id, closed.cluster_id) == ("res-east", "cluster-7")


@pytest.mark.parametrize("reason", [None, "", "moved_away", 3])
def test_closing_requires_a_reason_from_the_list(plan: FamilyPlan, reason: object) -> None:
    with pytest.raises(InvalidClosure) as refused:
        _close(plan, reason)
    assert refused.value.status == 422
    assert plan.status is PlanStatus.OPEN
    assert not any(isinstance(e, events.PlanClosed) for e in plan.events)


def test_closing_requires_a_closing_review(plan: FamilyPlan) -> None:
    with pytest.raises(IncompleteSustainabilityPlan):
        plan.close(review=None, reason="all_goals_achieved", closed_on=CLOSED_ON, now=NOW)
    assert plan.is_open


@pytest.mark.parametrize(
    "missing", ["worked_on", "achieved", "how_family_continues", "look_out_for"]
)
def test_every_part_of_the_sustainability_plan_is_required(missing: str) -> None:
    with pytest.raises(IncompleteSustainabilityPlan) as refused:
        _sustainability_plan(**{missing: "  "})
    assert [e.field for e in refused.value.errors] == [missing]
    assert refused.value.status == 422


def test_the_sustainability_plan_names_supports_with_contact_details() -> None:
    with pytest.raises(IncompleteSustainabilityPlan) as no_supports:
        _sustainability_plan(supports=())
    assert [e.field for e in no_supports.value.errors] == ["supports"]

    with pytest.raises(IncompleteSustainabilityPlan) as no_contact:
        _sustainability_plan(
            supports=(Support(who="Nan", keeps_doing="School run on Fridays", contact=""),)
        )
    assert [e.field for e in no_contact.value.errors] == ["supports[0].contact"]


def test_a_plan_does_not_close_before_its_closing_review(plan: FamilyPlan) -> None:
    with pytest.raises(InvalidClosure):
        plan.close(
            review=_review(held_on=CLOSED_ON + timedelta(days=1)),
            reason="all_goals_achieved",
            closed_on=CLOSED_ON,
            now=NOW,
        )


def test_closing_twice_is_refused(plan: FamilyPlan) -> None:
    _close(plan)
    events_after_first = len(plan.events)

    with pytest.raises(PlanAlreadyClosed) as refused:
        _close(plan, "support_from_another_service")

    assert refused.value.status == 409
    assert plan.closure is not None
    assert plan.closure.reason is ClosureReason.ALL_GOALS_ACHIEVED
    assert len(plan.events) == events_after_first


def test_closing_with_all_goals_achieved_ends_the_scored_active_goals_as_achieved(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    active = started_goal("S1")
    plan.record_score(active.id, score=8, on=CLOSED_ON - timedelta(days=7), given_by=mum)

    _close(plan, ClosureReason.ALL_GOALS_ACHIEVED)

    assert active.status is SubGoalStatus.ACHIEVED
    assert active.ended_on == CLOSED_ON
    ended = [e for e in plan.events if isinstance(e, events.SubGoalEnded)]
    assert [(e.sub_goal_id, e.end_state, e.ended_with_plan) for e in ended] == [
        (active.id, SubGoalEndState.ACHIEVED, True),
    ]
    closed = plan.events[-1]
    assert isinstance(closed, events.PlanClosed)
    assert (closed.sub_goals_improved, closed.sub_goals_no_score) == (1, 0)


def test_all_goals_achieved_is_refused_while_a_goal_is_unscored_queued_or_worse(
    plan: FamilyPlan,
    started_goal: Callable[..., SubGoal],
    set_goal: Callable[..., SubGoal],
    mum: Scorer,
) -> None:
    scored = started_goal("S1")
    plan.record_score(scored.id, score=8, on=CLOSED_ON - timedelta(days=7), given_by=mum)
    unscored = started_goal("H1")
    worse = started_goal("E1", baseline=6)
    plan.record_score(worse.id, score=2, on=CLOSED_ON - timedelta(days=7), given_by=mum)
    queued = set_goal("A1", queue=True)
    events_before = len(plan.events)

    with pytest.raises(ClosureReasonDisagreesWithGoals) as refused:
        _close(plan, ClosureReason.ALL_GOALS_ACHIEVED)

    assert refused.value.status == 422
    named = [e.field for e in refused.value.errors]
    assert named == [
        "reason",
        f"sub_goals.{unscored.id}",
        f"sub_goals.{worse.id}",
        f"sub_goals.{queued.id}",
    ]
    # Nothing changed: no goal ended, the plan is open, no event.
    assert plan.is_open and len(plan.events) == events_before
    assert [sg.status for sg in (scored, unscored, worse)] == [SubGoalStatus.ACTIVE] * 3

    # Ending each open goal with its own end state first makes the reason true.
    plan.end_sub_goal(unscored.id, SubGoalEndState.WITHDRAWN, on=CLOSED_ON, promote_next=False)
    plan.end_sub_goal(worse.id, SubGoalEndState.REPLACED, on=CLOSED_ON, promote_next=False)
    plan.end_sub_goal(queued.id, SubGoalEndState.WITHDRAWN, on=CLOSED_ON, promote_next=False)
    _close(plan, ClosureReason.ALL_GOALS_ACHIEVED)
    assert scored.status is SubGoalStatus.ACHIEVED
    assert unscored.status is SubGoalStatus.WITHDRAWN


def test_another_reason_closes_whatever_state_the_goals_are_in(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], set_goal: Callable[..., SubGoal]
) -> None:
    unscored = started_goal("S1")
    queued = set_goal("H1", queue=True)
    _close(plan, ClosureReason.FAMILY_NO_LONGER_WANTED_SUPPORT)
    assert unscored.status is queued.status is SubGoalStatus.WITHDRAWN


def test_closing_for_any_other_reason_withdraws_active_goals(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    active = started_goal("S1")
    _close(plan, ClosureReason.ESCALATION_TO_AREA_SOCIAL_WORK)
    assert active.status is SubGoalStatus.WITHDRAWN


def test_goals_already_ended_keep_their_end_state_at_closure(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    replaced = started_goal("S1")
    plan.end_sub_goal(replaced.id, "replaced", on=date(2025, 4, 1))
    _close(plan)
    assert replaced.status is SubGoalStatus.REPLACED
    assert replaced.ended_on == date(2025, 4, 1)


def test_plan_closed_counts_sub_goals_by_movement(
    plan: FamilyPlan,
    started_goal: Callable[..., SubGoal],
    set_goal: Callable[..., SubGoal],
    mum: Scorer,
) -> None:
    improved = started_goal("S1", baseline=2)
    same = started_goal("E5", baseline=5)
    started_goal("F2", baseline=6)
    set_goal("H1", queue=True)
    later = improved.set_on + timedelta(days=7)
    plan.record_score(improved.id, score=7, on=later, given_by=mum)
    plan.record_score(same.id, score=5, on=later, given_by=mum)

    _close(plan, ClosureReason.SUPPORT_FROM_ANOTHER_SERVICE)

    closed = plan.events[-1]
    assert isinstance(closed, events.PlanClosed)
    assert (
        closed.sub_goals_improved,
        closed.sub_goals_unchanged,
        closed.sub_goals_deteriorated,
        closed.sub_goals_no_score,
        closed.sub_goals_never_started,
    ) == (1, 1, 0, 1, 1)
    assert plan.movement_counts()[Movement.IMPROVED] == 1


def test_a_plan_that_did_not_progress_goes_back_to_formulation(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], set_goal: Callable[..., SubGoal]
) -> None:
    active = started_goal("S1")
    queued = set_goal("H1", queue=True)

    record = plan.return_to_formulation(
        reason="no_progress_on_overall_goal",
        rationale="Six weeks without movement; re-formulate with school present",
        on=date(2025, 5, 1),
        now=NOW,
    )

    assert plan.status is PlanStatus.RETURNED_TO_FORMULATION
    assert plan.formulation_return == record
    assert record.reason is ReturnToFormulationReason.NO_PROGRESS_ON_OVERALL_GOAL
    assert active.status is SubGoalStatus.REPLACED
    assert queued.status is SubGoalStatus.REPLACED
    returned = plan.events[-1]
    assert isinstance(returned, events.ReturnedToFormulation)
    assert returned.formulation_id == plan.formulation_id
    assert returned.reason is ReturnToFormulationReason.NO_PROGRESS_ON_OVERALL_GOAL


def test_going_back_to_formulation_needs_a_reason_and_a_rationale(plan: FamilyPlan) -> None:
    with pytest.raises(InvalidPlan):
        plan.return_to_formulation(reason="bored", rationale="x", on=CLOSED_ON, now=NOW)
    with pytest.raises(InvalidPlan):
        plan.return_to_formulation(reason="goals_not_right", rationale=" ", on=CLOSED_ON, now=NOW)
    assert plan.is_open


def test_a_plan_sent_back_to_formulation_cannot_then_close(plan: FamilyPlan) -> None:
    plan.return_to_formulation(
        reason="new_information", rationale="New concerns from school", on=CLOSED_ON, now=NOW
    )
    with pytest.raises(PlanNotOpen):
        _close(plan)


def test_a_closed_plan_cannot_go_back_to_formulation(plan: FamilyPlan) -> None:
    _close(plan)
    with pytest.raises(PlanNotOpen):
        plan.return_to_formulation(
            reason="new_information", rationale="Too late", on=CLOSED_ON, now=NOW
        )
