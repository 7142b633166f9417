"""The service-response body's schema says what its validators accept: the child named one way
or the other (not null), and one of the known clusters."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from outcomes.entrypoints.api.service_responses import ServiceResponseRequest
from pydantic import ValidationError

BASE = {
    "kind": "cp_plan",
    "cluster_id": "inner-east",
    "occurred_on": "2026-01-15",
    "source_id": "x1",
}


@pytest.mark.parametrize(
    "change",
    [
        {"child_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"},
        {"source_person_id": "mis-42"},
        {},
        {"source_person_id": None},
        {"child_id": None, "source_person_id": None},
        {"source_person_id": "mis-42", "cluster_id": "nowhere"},
    ],
)
def test_the_schema_and_the_validator_agree(change: dict[str, Any]) -> None:
    body = {**BASE, **change}
    schema = ServiceResponseRequest.model_json_schema(ref_template="#/$defs/{model}")
    by_schema = jsonschema.Draft202012Validator(schema).is_valid(body)
    try:
        ServiceResponseRequest.model_validate(body)
        by_model = True
    except ValidationError:
        by_model = False
    assert by_schema is by_model
