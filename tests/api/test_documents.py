"""The OpenAPI documents say what partners need: who may call each operation, problem+json for
every refusal, an example on every request body; and the statuses the suite observes are
documented (checked at the end of every run by runtime.testing, unit-tested here)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from runtime.observed_statuses import undocumented
from runtime.openapi import is_public, operations
from runtime.services import DATA_SERVICES
from runtime.testing import openapi_document

DOCUMENTS = {name: openapi_document(name) for name in DATA_SERVICES}
OPERATIONS = [
    pytest.param(name, path, method, operation, id=f"{name} {method.upper()} {path}")
    for name, document in DOCUMENTS.items()
    for path, method, operation in operations(document)
]


@pytest.mark.parametrize(("name", "path", "method", "operation"), OPERATIONS)
def test_every_operation_says_who_may_call_it_and_how_it_refuses(
    name: str, path: str, method: str, operation: dict[str, Any]
) -> None:
    document = DOCUMENTS[name]
    schemes = document["components"]["securitySchemes"]
    security = operation.get("security")
    assert security is not None, "no security requirement"
    if is_public(path):
        assert security == [{}]
    else:
        assert security and all(set(req) <= set(schemes) for req in security)
        # Roles or partner scopes named: an empty list would mean no rule was declared.
        assert any(scopes for req in security for scopes in req.values())
        for status in ("401", "403", "429"):
            assert status in operation["responses"]
    for status, response in operation["responses"].items():
        if status.startswith(("4", "5")):
            content = response.get("content", {})
            assert list(content) == ["application/problem+json"], status
            assert content["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
            for example in content["application/problem+json"]["examples"].values():
                assert example["value"]["status"] == int(status)


@pytest.mark.parametrize(("name", "path", "method", "operation"), OPERATIONS)
def test_every_request_body_has_an_example_its_schema_accepts(
    name: str, path: str, method: str, operation: dict[str, Any]
) -> None:
    body = operation.get("requestBody")
    if body is None:
        return
    for media, content in body["content"].items():
        assert "example" in content or "examples" in content, media
        example = content.get("example")
        if example is None:
            example = next(iter(content["examples"].values()))["value"]
        root = {**content["schema"], "components": DOCUMENTS[name]["components"]}
        jsonschema.Draft202012Validator(root).validate(example)


@pytest.mark.parametrize("name", sorted(DATA_SERVICES))
def test_writes_declare_their_headers(name: str) -> None:
    document = DOCUMENTS[name]
    conditional = False
    for path, method, operation in operations(document):
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        if method == "post" and not is_public(path):
            assert "Idempotency-Key" in headers, path
        if "If-Match" in headers:
            conditional = True
            assert {"412", "428"} <= set(operation["responses"]), path
    etags = [
        op
        for _, _, op in operations(document)
        for r in op["responses"].values()
        if "ETag" in r.get("headers", {})
    ]
    assert bool(etags) == conditional, f"{name}: If-Match needs an ETag to send"


def test_a_status_observed_but_not_documented_is_reported() -> None:
    document = DOCUMENTS["referrals"]
    seen = {
        ("referrals", "get", "/v1/contacts/{contact_id}", 200),
        ("referrals", "get", "/v1/contacts/{contact_id}", 404),
        ("referrals", "get", "/v1/contacts/{contact_id}", 418),
        ("referrals", "get", "/docs", 200),
    }
    assert undocumented(seen, {"referrals": document}) == [
        "referrals: GET /v1/contacts/{contact_id} answered 418, undocumented"
    ]
