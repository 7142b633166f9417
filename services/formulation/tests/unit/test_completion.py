"""Completing a formulation: hypothesis, overall goal, a walk back that passes or a supervisor's
recorded override; and no edits once completed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from contracts.formulation import v1
from contracts.reference.formulation import ParticipantRole, SixP, WayOfBeing
from formulation.domain.errors import (
    FormulationNotDraft,
    FormulationNotReadyToComplete,
    WalkBackOverrideNeedsReason,
    WalkBackPasses,
)
from formulation.domain.formulation import Formulation, FormulationStatus
from formulation.domain.prioritisation import FourPsAssessment

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
DUE = date(2025, 3, 17)
ALL_FOUR = FourPsAssessment(
    prerequisite=True, powerful=True, proximal=True, participants_goals=True
)


def _untraced_step(f: Formulation) -> uuid.UUID:
    return f.add_next_step(
        what="Meet again", owner_participant_id=f.participants[0].id, due_on=DUE
    ).id


def _unaddressed_priority(f: Formulation) -> uuid.UUID:
    factor = f.add_factor(SixP.PERPETUATING, "Dad's shifts change weekly")
    return f.assess_prioritisation(factor.id, ALL_FOUR).id


def test_a_formulation_meeting_every_rule_completes(ready: Formulation) -> None:
    ready.complete(NOW)

    assert ready.status is FormulationStatus.COMPLETED
    assert ready.completed_at == NOW
    assert not ready.completed_with_override


def test_completion_needs_a_hypothesis_and_an_overall_goal(draft: Formulation) -> None:
    with pytest.raises(FormulationNotReadyToComplete) as refused:
        draft.complete(NOW)

    assert refused.value.status == 409
    assert {e.field for e in refused.value.errors} == {"hypothesis", "overall_goal"}
    assert draft.status is FormulationStatus.DRAFT
    assert draft.events == []


@pytest.mark.parametrize("break_walk_back", [_untraced_step, _unaddressed_priority])
def test_a_failing_walk_back_blocks_completion_in_either_direction(
    ready: Formulation, break_walk_back: Callable[[Formulation], uuid.UUID]
) -> None:
    culprit = break_walk_back(ready)

    with pytest.raises(FormulationNotReadyToComplete) as refused:
        ready.complete(NOW)

    assert [e.field for e in refused.value.errors] in (
        [f"next_steps.{culprit}"],
        [f"factors.{culprit}"],
    )
    assert ready.status is FormulationStatus.DRAFT


@pytest.mark.parametrize("break_walk_back", [_untraced_step, _unaddressed_priority])
def test_a_supervisor_override_with_a_reason_lets_a_failing_walk_back_complete(
    ready: Formulation, break_walk_back: Callable[[Formulation], uuid.UUID]
) -> None:
    break_walk_back(ready)

    override = ready.override_walk_back(
        supervisor_id="manager-7", reason="Agreed in group supervision", now=NOW
    )
    ready.complete(NOW)

    assert ready.status is FormulationStatus.COMPLETED
    assert ready.completed_with_override
    assert ready.walk_back_overrides == [override]
    assert override.supervisor_id == "manager-7"
    assert override.reason == "Agreed in group supervision"
    overridden = [e for e in ready.events if isinstance(e, v1.WalkBackOverridden)]
    assert [e.supervisor_id for e in overridden] == ["manager-7"]
    (completed,) = [e for e in ready.events if isinstance(e, v1.FormulationCompleted)]
    assert completed.walk_back_passed is False
    assert completed.walk_back_overridden is True


def test_an_override_without_a_reason_is_refused(ready: Formulation) -> None:
    _untraced_step(ready)
    with pytest.raises(WalkBackOverrideNeedsReason):
        ready.override_walk_back(supervisor_id="manager-7", reason="  ", now=NOW)
    assert ready.walk_back_overrides == []


def test_there_is_nothing_to_override_when_the_walk_back_passes(ready: Formulation) -> None:
    with pytest.raises(WalkBackPasses):
        ready.override_walk_back(supervisor_id="manager-7", reason="Just in case", now=NOW)


def test_an_override_does_not_cover_failures_that_arise_after_it(ready: Formulation) -> None:
    _untraced_step(ready)
    ready.override_walk_back(supervisor_id="manager-7", reason="Agreed in supervision", now=NOW)
    later = _unaddressed_priority(ready)

    with pytest.raises(FormulationNotReadyToComplete) as refused:
        ready.complete(NOW)

    assert f"factors.{later}" in {e.field for e in refused.value.errors}
    assert len(ready.walk_back_overrides) == 1


def test_completion_reports_whether_all_six_ps_were_considered(ready: Formulation) -> None:
    check = ready.completion_check()
    assert not check.all_six_ps_considered
    assert check.unconsidered_ps == (SixP.PREDISPOSING, SixP.PRECIPITATING, SixP.PREDICTING)
    assert check.can_complete

    for p in check.unconsidered_ps:
        ready.mark_considered_none(p)
    ready.complete(NOW)

    (completed,) = [e for e in ready.events if isinstance(e, v1.FormulationCompleted)]
    assert completed.all_six_ps_considered is True


def test_completion_reports_missing_step_one_participants_without_blocking(
    draft: Formulation,
) -> None:
    draft.add_participant(ParticipantRole.PARENT_CARER)
    assert draft.completion_check().missing_minimum_roles == (
        ParticipantRole.YOUNG_PERSON,
        ParticipantRole.SCHOOL,
    )

    draft.add_participant(ParticipantRole.FAMILY_VOICE)
    draft.add_participant(ParticipantRole.SCHOOL)

    assert draft.completion_check().missing_minimum_roles == ()


EDITS: list[tuple[str, Callable[[Formulation], object]]] = [
    ("add a factor", lambda f: f.add_factor(SixP.PREDICTING, "x")),
    ("revise a factor", lambda f: f.revise_factor(f.all_factors()[0].id, "x")),
    ("remove a factor", lambda f: f.remove_factor(f.factors_under(SixP.PERPETUATING)[0].id)),
    ("reorder", lambda f: f.reorder_factors(SixP.PRESENTING, [f.all_factors()[0].id])),
    ("mark none", lambda f: f.mark_considered_none(SixP.PREDICTING)),
    ("hypothesis", lambda f: f.record_hypothesis("x")),
    ("goal", lambda f: f.set_overall_goal("x", [f.all_factors()[0].id])),
    ("4 Ps", lambda f: f.clear_prioritisation(f.priorities()[0].id)),
    ("add a participant", lambda f: f.add_participant(ParticipantRole.HEALTH)),
    ("remove a step", lambda f: f.remove_next_step(f.next_steps[0].id)),
    ("override", lambda f: f.override_walk_back(supervisor_id="m", reason="r", now=NOW)),
    ("complete again", lambda f: f.complete(NOW)),
]


@pytest.mark.parametrize("edit", [e for _, e in EDITS], ids=[name for name, _ in EDITS])
def test_edits_to_a_completed_version_are_refused(
    ready: Formulation, edit: Callable[[Formulation], object]
) -> None:
    ready.complete(NOW)
    events_before = list(ready.events)
    factors_before = ready.all_factors()

    with pytest.raises(FormulationNotDraft) as refused:
        edit(ready)

    assert refused.value.status == 409
    assert refused.value.code == "formulation-not-draft"
    assert ready.all_factors() == factors_before
    assert ready.events == events_before


def test_a_completed_version_still_takes_a_four_ways_reflection(ready: Formulation) -> None:
    ready.complete(NOW)

    reflection = ready.record_four_ways_reflection(
        practitioner_id="worker-1", way_of_being=WayOfBeing.FOR, notes="Doing too much", now=NOW
    )

    assert ready.reflections == [reflection]
    assert isinstance(ready.events[-1], v1.FourWaysReflectionRecorded)
    assert ready.events[-1].way_of_being is WayOfBeing.FOR


def test_a_refused_completion_lists_the_walk_back_gaps_in_both_directions(
    ready: Formulation,
) -> None:
    step = _untraced_step(ready)
    priority = _unaddressed_priority(ready)

    with pytest.raises(FormulationNotReadyToComplete) as refused:
        ready.complete(NOW)

    assert refused.value.extra == {
        "untraced_steps": [
            {"step_id": str(step), "gaps": ["no_perpetuating_factor", "no_presenting_issue"]}
        ],
        "unaddressed_priorities": [str(priority)],
    }
