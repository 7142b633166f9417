"""The goals request bodies' schemas say what their validators accept: who gave a score, and
scores as JSON integers (7.0 included)."""

from __future__ import annotations

import uuid
from typing import Any

import jsonschema
import pytest
from goals.entrypoints.api.plans import ScoreRequest, ScorerRequest
from pydantic import BaseModel, ValidationError

PERSON = str(uuid.uuid4())


def agree(model: type[BaseModel], body: dict[str, Any]) -> tuple[bool, bool]:
    schema = model.model_json_schema(ref_template="#/$defs/{model}")
    by_schema = jsonschema.Draft202012Validator(schema).is_valid(body)
    try:
        model.model_validate(body)
        by_model = True
    except ValidationError:
        by_model = False
    return by_schema, by_model


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "family", "person_id": PERSON},
        {"kind": "family"},
        {"kind": "family", "person_id": None},
        {"kind": "worker"},
        {"kind": "worker", "person_id": None},
        {"kind": "worker", "person_id": PERSON},
    ],
)
def test_who_gave_a_score_is_stated_in_the_schema(body: dict[str, Any]) -> None:
    by_schema, by_model = agree(ScorerRequest, body)
    assert by_schema is by_model


@pytest.mark.parametrize("score", [0, 7, 7.0, 10, 7.5, "7", True, 11, -1])
def test_a_score_is_a_whole_number_from_0_to_10_in_schema_and_server(score: Any) -> None:
    body = {"score": score, "on": "2026-01-15", "given_by": {"kind": "worker"}}
    by_schema, by_model = agree(ScoreRequest, body)
    assert by_schema is by_model
