"""Committed event schemas and the AsyncAPI document stay in step with the payload models."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from contracts.envelope import EventPayload
from contracts.registry import all_events
from contracts.schemagen import (
    ASYNCAPI_PATH,
    asyncapi_text,
    event_schema,
    incompatibilities,
    schema_path,
)
from pydantic import Field

EVENTS = list(all_events())


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.event_type)
def test_every_event_keeps_backward_compatibility_with_its_committed_schema(cls):
    path = schema_path(cls.event_type)
    assert path.exists(), f"no committed schema for {cls.event_type}: run `make schemas`"
    problems = incompatibilities(json.loads(path.read_text()), event_schema(cls))
    assert not problems, f"{cls.event_type} changed incompatibly; add a v2 event: {problems}"


@pytest.mark.parametrize("cls", EVENTS, ids=lambda c: c.event_type)
def test_every_committed_schema_matches_its_model(cls):
    committed = json.loads(schema_path(cls.event_type).read_text())
    assert committed == event_schema(cls), f"run `make schemas` to update {cls.event_type}"


def test_the_asyncapi_document_matches_the_contracts():
    assert ASYNCAPI_PATH.read_text() == asyncapi_text(), "run `make schemas`"


def test_every_event_type_names_its_service_aggregate_and_version():
    for cls in EVENTS:
        service, aggregate, _name, version = cls.event_type.split(".")
        assert cls.topic.startswith(service + "."), cls.event_type
        assert version.startswith("v") and version[1:].isdigit()
        assert aggregate


class _Before(EventPayload):
    event_type: ClassVar[str] = "test.thing.happened.v1"
    topic: ClassVar[str] = "test.thing.events"
    aggregate_type: ClassVar[str] = "thing"
    key_field: ClassVar[str] = "thing_id"
    thing_id: str
    score: int
    kind: str = Field("a")


def _schema(cls: type[EventPayload]) -> dict:
    return cls.model_json_schema(mode="serialization")


def test_an_added_optional_field_is_compatible():
    class After(_Before):
        note_count: int | None = None

    assert incompatibilities(_schema(_Before), _schema(After)) == []


def test_a_removed_field_a_changed_type_and_a_new_required_field_are_not():
    class After(EventPayload):
        event_type: ClassVar[str] = "test.thing.happened.v1"
        topic: ClassVar[str] = "test.thing.events"
        aggregate_type: ClassVar[str] = "thing"
        key_field: ClassVar[str] = "thing_id"
        thing_id: str
        score: str
        extra: int

    problems = incompatibilities(_schema(_Before), _schema(After))
    assert any(p.startswith("kind: removed") for p in problems)
    assert any(p.startswith("score: type") for p in problems)
    assert any(p.startswith("extra: became required") for p in problems)
