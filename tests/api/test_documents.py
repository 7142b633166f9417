"""The OpenAPI documents say what partners need: who may call each operation, problem+json for
every refusal, an example on every request body; and the statuses the suite observes are
documented (checked at the end of every run by runtime.testing, unit-tested here)."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from contracts.plausibility import TEXT_PATTERN, text_problem
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


# Keywords of the framework's own that mean a bound it could not put into the schema: the
# server would apply it, the document would not say it.
LEAKED_BOUNDS = {"ge", "le", "gt", "lt", "min_length", "max_length", "multiple_of", "strict"}


def _schemas_in(node: Any, path: str = "") -> Any:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _schemas_in(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas_in(value, f"{path}/{index}")


@pytest.mark.parametrize("name", sorted(DATA_SERVICES))
def test_every_bound_the_server_applies_is_stated_in_json_schema_terms(name: str) -> None:
    leaked = [
        f"{path}: {key}"
        for path, node in _schemas_in(DOCUMENTS[name])
        if not path.endswith("/properties")
        for key in LEAKED_BOUNDS & set(node)
    ]
    assert leaked == []


@pytest.mark.parametrize("name", sorted(DATA_SERVICES))
def test_every_free_text_a_request_may_send_states_the_characters_it_may_not_hold(
    name: str,
) -> None:
    """The body rule of runtime.jsonbody (no control or direction-override characters) is in
    the schema of every string of every request body, so a schema-valid body passes it."""
    document = DOCUMENTS[name]
    schemas = document["components"]["schemas"]
    seen: set[str] = set()
    strings = 0

    def visit(schema: Any, where: str) -> None:
        nonlocal strings
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            target = schema["$ref"].rsplit("/", 1)[-1]
            if target not in seen:
                seen.add(target)
                visit(schemas[target], target)
            return
        kinds = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
        if "string" in kinds:
            strings += 1
            if not any(k in schema for k in ("format", "enum", "const")):
                assert "pattern" in schema, where
                if schema["pattern"] != TEXT_PATTERN:
                    assert not re.search(schema["pattern"], "\u202e"), where
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for field, sub in value.items():
                    visit(sub, f"{where}.{field}")
            elif key in ("items", "additionalProperties", "not", "propertyNames"):
                visit(value, f"{where}[{key}]")
            elif key in ("anyOf", "oneOf", "allOf"):
                for sub in value:
                    visit(sub, where)

    for path, method, operation in operations(document):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            visit(content["schema"], f"{method.upper()} {path}")
    if any("requestBody" in op for _, _, op in operations(document)):
        assert strings, "no request body holds a string?"


def test_the_text_pattern_is_the_body_rule() -> None:
    for text in ("Attendance has dropped", "line one\nline two\ttabbed", "Zoë Ó Briain"):
        assert re.fullmatch(TEXT_PATTERN, text) and text_problem(text) is None
    for text in ("bell\x07", "Hart\u202egnp.exe", "C1\x85", "nul\x00", "isolate\u2066"):
        assert not re.fullmatch(TEXT_PATTERN, text) and text_problem(text)
