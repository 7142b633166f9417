"""The outcome stream's contract: pseudonymised, documented, every field of an allowed kind."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from contracts import topics
from contracts.envelope import Envelope, EventPayload
from contracts.outcomes import v1
from contracts.registry import all_events, parse_payload
from pydantic import ValidationError

FORBIDDEN = (
    "name",
    "birth",
    "dob",
    "address",
    "postcode",
    "nhs",
    "note",
    "text",
    "comment",
    "email",
    "phone",
)


def stream_events() -> list[type[EventPayload]]:
    return [cls for cls in all_events() if cls.topic == topics.OUTCOMES_STREAM]


def outcome_events() -> list[type[EventPayload]]:
    return [cls for cls in all_events() if cls.event_type.startswith("outcomes.")]


def test_the_stream_has_the_three_event_types() -> None:
    assert {cls.event_type for cls in stream_events()} == {
        "outcomes.subgoal.movement_recorded.v1",
        "outcomes.plan.closed.v1",
        "outcomes.service_response.recorded.v1",
    }


@pytest.mark.parametrize("cls", stream_events(), ids=lambda c: c.event_type)
def test_every_stream_field_is_of_an_allowed_kind(cls: type[EventPayload]) -> None:
    for name, info in cls.model_fields.items():
        kind = v1.ALLOWED_FIELD_KINDS.get(name)
        assert kind is not None, f"{cls.event_type}.{name} has no allowed kind"
        schema = cls.model_json_schema()["properties"][name]
        if kind is v1.FieldKind.PSEUDONYM:
            assert schema.get("pattern") == v1.PSEUDONYM_PATTERN, name
        if kind is v1.FieldKind.MONTH:
            assert schema.get("pattern") == v1.MONTH_PATTERN, name
        if kind is v1.FieldKind.DATE:
            assert info.annotation is date, name
        if kind is v1.FieldKind.FLAG:
            assert info.annotation is bool, name


def test_every_allowed_field_is_used_by_some_stream_event() -> None:
    used = {name for cls in stream_events() for name in cls.model_fields}
    assert used == set(v1.ALLOWED_FIELD_KINDS)


@pytest.mark.parametrize("cls", outcome_events(), ids=lambda c: c.event_type)
def test_every_outcomes_field_is_described_and_names_nothing_identifying(
    cls: type[EventPayload],
) -> None:
    for name, info in cls.model_fields.items():
        assert info.description and len(info.description) > 10, f"{cls.event_type}.{name}"
        assert not any(word in name for word in FORBIDDEN), name
    assert cls.event_type.startswith(f"outcomes.{cls.aggregate_type}.")
    assert cls.key_field in cls.model_fields


def test_the_ingest_event_is_internal() -> None:
    assert v1.ServiceResponseIngested.topic == topics.OUTCOMES_RESPONSE


def movement(**changes: Any) -> v1.SubGoalMovementRecorded:
    fields: dict[str, Any] = {
        "subgoal_ref": "p_3f9a0c1b2d",
        "plan_ref": "p_a1b2c3d4e5",
        "family_ref": "p_f0e1d2c3b4",
        "code": "S1",
        "code_edition": "2019",
        "reporting_category": "child_safeguarding",
        "age_band": "5-10",
        "cluster_id": "res-1",
        "set_month": "2019-03",
        "recorded_on": date(2019, 4, 2),
        "baseline_score": 3,
        "latest_score": 7,
        "score_change": 4,
        "movement": "improved",
        "scores_recorded": 4,
    }
    fields.update(changes)
    return v1.SubGoalMovementRecorded(**fields)


def test_a_movement_event_round_trips_through_the_envelope() -> None:
    event = movement()
    envelope = Envelope.wrap(event, source="/services/outcomes")
    assert envelope.subject == "p_3f9a0c1b2d"
    assert (
        parse_payload(Envelope.from_kafka(envelope.kafka_headers(), envelope.kafka_value()))
        == event
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"subgoal_ref": str(uuid.uuid4())},
        {"family_ref": "Jane Smith"},
        {"set_month": "2019-13"},
        {"code": "Z1"},
        {"latest_score": 11},
    ],
)
def test_identifying_or_malformed_values_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        movement(**changes)


def test_an_unknown_field_is_not_carried_onto_the_stream() -> None:
    # Readers are tolerant of fields they do not know, so such a field is dropped, never passed on.
    event = movement(child_name="Sam")
    assert "child_name" not in event.model_dump()
    assert "Sam" not in Envelope.wrap(event, source="/services/outcomes").kafka_value().decode()
