"""Next steps and the walk back: each step traces to a prioritised perpetuating factor and a
presenting issue; each priority is addressed by a step.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from contracts.reference.formulation import (
    FormulationSetting,
    ParticipantRole,
    SixP,
    SubjectKind,
)
from formulation.domain.errors import (
    FactorNotInFormulation,
    ParticipantInUse,
    UnknownParticipant,
    WrongKindOfFactor,
)
from formulation.domain.formulation import Formulation, Subject
from formulation.domain.prioritisation import FourPsAssessment
from formulation.domain.walk_back import WalkBackGap, walk_back

ALL_FOUR = FourPsAssessment(
    prerequisite=True, powerful=True, proximal=True, participants_goals=True
)
DUE = date(2025, 3, 17)


def _parts(f: Formulation) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    parent = f.participants[0].id
    presenting = f.factors_under(SixP.PRESENTING)[0].id
    perpetuating = f.factors_under(SixP.PERPETUATING)[0].id
    protective = f.factors_under(SixP.PROTECTIVE)[0].id
    return parent, presenting, perpetuating, protective


def test_a_step_tracing_to_a_priority_and_a_presenting_issue_passes(ready: Formulation) -> None:
    report = ready.walk_back()

    assert report.passed
    assert report.untraced_steps == ()
    assert report.unaddressed_priorities == ()


def test_a_step_with_no_presenting_issue_fails_the_walk_back(ready: Formulation) -> None:
    parent, _, perpetuating, _ = _parts(ready)
    step = ready.add_next_step(
        what="Weekly call with school",
        owner_participant_id=parent,
        due_on=DUE,
        addresses_factor_id=perpetuating,
    )

    report = ready.walk_back()

    assert not report.passed
    assert [(u.step_id, u.gaps) for u in report.untraced_steps] == [
        (step.id, (WalkBackGap.NO_PRESENTING_ISSUE,))
    ]


def test_a_step_addressing_a_perpetuating_factor_that_is_not_a_priority_fails(
    ready: Formulation,
) -> None:
    parent, presenting, _, _ = _parts(ready)
    not_priority = ready.add_factor(SixP.PERPETUATING, "Late nights gaming")
    ready.assess_prioritisation(
        not_priority.id,
        FourPsAssessment(prerequisite=True, powerful=True, proximal=True, participants_goals=False),
    )
    step = ready.add_next_step(
        what="Screens off at nine",
        owner_participant_id=parent,
        due_on=DUE,
        addresses_factor_id=not_priority.id,
        presenting_issue_id=presenting,
    )

    report = ready.walk_back()

    assert [(u.step_id, u.gaps) for u in report.untraced_steps] == [
        (step.id, (WalkBackGap.FACTOR_NOT_PRIORITISED,))
    ]


def test_a_step_addressing_no_factor_at_all_reports_both_gaps(ready: Formulation) -> None:
    parent, _, _, _ = _parts(ready)
    step = ready.add_next_step(what="Meet again", owner_participant_id=parent, due_on=DUE)

    (untraced,) = ready.walk_back().untraced_steps

    assert untraced.step_id == step.id
    assert untraced.gaps == (WalkBackGap.NO_PERPETUATING_FACTOR, WalkBackGap.NO_PRESENTING_ISSUE)


def test_a_priority_no_step_addresses_fails_the_walk_back(ready: Formulation) -> None:
    forgotten = ready.add_factor(SixP.PERPETUATING, "Dad's shifts change weekly")
    ready.assess_prioritisation(forgotten.id, ALL_FOUR)

    report = ready.walk_back()

    assert not report.passed
    assert report.untraced_steps == ()
    assert report.unaddressed_priorities == (forgotten.id,)


def test_a_step_building_on_no_protective_factor_is_advised_but_does_not_fail(
    ready: Formulation,
) -> None:
    parent, presenting, perpetuating, _ = _parts(ready)
    step = ready.add_next_step(
        what="Alarm clock for the young person",
        owner_participant_id=parent,
        due_on=DUE,
        addresses_factor_id=perpetuating,
        presenting_issue_id=presenting,
    )

    report = ready.walk_back()

    assert report.passed
    assert report.steps_not_building_on_protective_factors == (step.id,)


def test_a_step_pointing_at_another_formulations_factor_is_refused(ready: Formulation) -> None:
    other = Formulation.start(
        formulation_id=uuid.uuid4(),
        subject=Subject.of(SubjectKind.FAMILY, uuid.uuid4()),
        setting=FormulationSetting.WITH_FAMILY,
        held_on=date(2025, 3, 1),
        facilitator_id="worker-2",
        now=datetime(2025, 3, 1, tzinfo=UTC),
    )
    elsewhere = other.add_factor(SixP.PERPETUATING, "Someone else's factor")
    other.assess_prioritisation(elsewhere.id, ALL_FOUR)
    parent, presenting, _, _ = _parts(ready)
    steps_before = list(ready.next_steps)

    with pytest.raises(FactorNotInFormulation) as refused:
        ready.add_next_step(
            what="Borrowed step",
            owner_participant_id=parent,
            due_on=DUE,
            addresses_factor_id=elsewhere.id,
            presenting_issue_id=presenting,
        )

    assert refused.value.status == 422
    assert [e.field for e in refused.value.errors] == ["addresses_factor_id"]
    assert ready.next_steps == steps_before


def test_a_step_naming_a_factor_under_the_wrong_p_is_refused(ready: Formulation) -> None:
    parent, presenting, perpetuating, protective = _parts(ready)

    with pytest.raises(WrongKindOfFactor):
        ready.add_next_step(
            what="x",
            owner_participant_id=parent,
            due_on=DUE,
            addresses_factor_id=protective,
            presenting_issue_id=presenting,
        )
    with pytest.raises(WrongKindOfFactor):
        ready.add_next_step(
            what="x",
            owner_participant_id=parent,
            due_on=DUE,
            addresses_factor_id=perpetuating,
            presenting_issue_id=presenting,
            builds_on_factor_ids=[perpetuating],
        )
    assert len(ready.next_steps) == 1


def test_a_step_owned_by_someone_not_taking_part_is_refused(ready: Formulation) -> None:
    with pytest.raises(UnknownParticipant):
        ready.add_next_step(what="x", owner_participant_id=uuid.uuid4(), due_on=DUE)


def test_revising_a_step_to_trace_back_makes_the_walk_back_pass(ready: Formulation) -> None:
    parent, presenting, perpetuating, protective = _parts(ready)
    step = ready.add_next_step(what="Meet again", owner_participant_id=parent, due_on=DUE)
    assert not ready.walk_back().passed

    ready.revise_next_step(
        step.id,
        what="Meet again with school",
        owner_participant_id=parent,
        due_on=DUE,
        addresses_factor_id=perpetuating,
        presenting_issue_id=presenting,
        builds_on_factor_ids=[protective],
    )

    assert ready.walk_back().passed
    assert ready.next_step(step.id).what == "Meet again with school"


def test_walk_back_is_a_pure_function_of_factors_and_steps(ready: Formulation) -> None:
    factors = ready.all_factors()
    steps = list(ready.next_steps)

    assert walk_back(factors, steps) == walk_back(factors, steps) == ready.walk_back()
    assert walk_back(factors, []).unaddressed_priorities == (ready.priorities()[0].id,)


def test_a_participant_owning_a_step_cannot_be_removed(ready: Formulation) -> None:
    parent = ready.participants[0]
    assert parent.role is ParticipantRole.PARENT_CARER

    with pytest.raises(ParticipantInUse) as refused:
        ready.remove_participant(parent.id)

    assert refused.value.status == 409
    assert ready.participant(parent.id) == parent
