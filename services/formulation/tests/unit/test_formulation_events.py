"""What the formulation tells other services: ids, codes, counts and scores, never free text."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from contracts import topics
from contracts.formulation import v1
from contracts.reference.formulation import FormulationSetting, SixP, SubjectKind
from contracts.registry import all_events, payload_class
from formulation.domain.formulation import Formulation, Subject

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def test_starting_a_formulation_emits_started_keyed_by_its_lineage() -> None:
    contact = uuid.uuid4()
    formulation = Formulation.start(
        formulation_id=uuid.uuid4(),
        subject=Subject.of(SubjectKind.REFERRAL, contact),
        setting=FormulationSetting.REFERRAL_STAGE,
        held_on=date(2025, 3, 3),
        facilitator_id="duty-1",
        now=NOW,
    )

    (started,) = formulation.events

    assert isinstance(started, v1.FormulationStarted)
    assert started.topic == topics.FORMULATION_FORMULATION
    assert started.aggregate_id() == str(formulation.lineage_id)
    assert started.contact_id == contact
    assert started.family_id is None
    assert started.setting is FormulationSetting.REFERRAL_STAGE


def test_completing_emits_what_the_outcomes_service_counts(ready: Formulation) -> None:
    ready.add_factor(SixP.PRESENTING, "Angry outbursts at home")
    ready.mark_main_driver(ready.factors_under(SixP.PROTECTIVE)[0].id)

    ready.complete(NOW)

    completed, agreed = ready.events
    assert isinstance(completed, v1.FormulationCompleted)
    assert completed.formulation_id == ready.id
    assert completed.lineage_id == ready.id
    assert completed.version == 1
    assert completed.previous_version_id is None
    assert completed.family_id == ready.subject.family_id
    assert completed.team_id == "res-inner-east"
    assert completed.completed_at == NOW
    assert completed.factor_counts == v1.FactorCounts(
        presenting=2, predisposing=0, precipitating=0, perpetuating=1, protective=1, predicting=0
    )
    assert completed.main_driver_count == 2
    assert completed.priority_count == 1
    assert completed.next_step_count == 1
    assert completed.walk_back_passed is True
    assert completed.walk_back_overridden is False
    assert completed.all_six_ps_considered is False
    assert completed.minimum_participants_present is True

    assert isinstance(agreed, v1.NextStepsAgreed)
    (step,) = agreed.steps
    assert step.step_id == ready.next_steps[0].id
    assert step.addresses_factor_id == ready.priorities()[0].id
    assert step.traces_back is True
    assert step.due_on == ready.next_steps[0].due_on


def test_no_event_carries_the_words_of_a_formulation(ready: Formulation) -> None:
    ready.complete(NOW)
    words = [f.description for f in ready.all_factors()]
    words += [ready.hypothesis or "", ready.next_steps[0].what]
    assert ready.overall_goal is not None
    words.append(ready.overall_goal.description)

    bodies = " ".join(e.model_dump_json() for e in ready.events)

    assert all(w and w not in bodies for w in words)


def test_every_formulation_event_is_registered_on_a_formulation_topic() -> None:
    ours = [e for e in all_events() if e.event_type.startswith("formulation.")]

    assert {e.event_type for e in ours} >= {
        "formulation.formulation.started.v1",
        "formulation.formulation.completed.v1",
        "formulation.formulation.superseded.v1",
        "formulation.formulation.next_steps_agreed.v1",
        "formulation.formulation.supervision_reviewed.v1",
        "formulation.meeting.alignment_measured.v1",
    }
    for e in ours:
        assert payload_class(e.event_type) is e
        assert e.topic in (topics.FORMULATION_FORMULATION, topics.FORMULATION_MEETING)
        assert e.key_field in e.model_fields
