"""The OpenAPI 3.1 document of a service, completed from the code that enforces what it says.

FastAPI describes routes, parameters and bodies. The rest is read from the platform's own
machinery, so the document cannot drift from it:
- security: the service's declared `Policy` (roles and partner scopes per operation);
- error responses: the checks every request passes (token, policy, rate, body size, media type,
  validation, Idempotency-Key on POST, If-Match where the handler calls `require_if_match`), each
  as `application/problem+json` with an example per problem type of the service's registry;
- `ETag` on the responses of handlers that call `set_etag`;
- an example on every request body (the model's own, else one built from its schema);
- the characters no request text may hold (`runtime.jsonbody`), as a `pattern` on its strings.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from copy import deepcopy
from types import CodeType
from typing import Any

from contracts.plausibility import TEXT_PATTERN
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from runtime.idempotency import MAX_KEY_LENGTH
from runtime.identity import PARTNER_SCOPES, STAFF_ROLES
from runtime.policy import PUBLIC_PATHS, Policy, Rule
from runtime.problems import PROBLEM_JSON, ProblemRegistry, ProblemType

STAFF = "staffToken"
PARTNER = "partnerToken"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. `type` resolves to a page (`GET /problems/{code}`) "
    "saying what went wrong and how to fix it.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "examples": ["/problems/not-found"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One entry per field, parameter or header that is not valid.",
            "items": {"$ref": "#/components/schemas/FieldProblem"},
        },
    },
    "additionalProperties": True,
}

FIELD_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "FieldProblem",
    "type": "object",
    "required": ["field", "message"],
    "properties": {
        "field": {
            "type": "string",
            "description": "A dotted path into the body (`caller.role`), a parameter or a header "
            "(`If-Match`, `Content-Type`), or `body` for the body as a whole.",
        },
        "message": {"type": "string"},
    },
}

IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the same key and body within 24 hours replay the first "
    "response (with `Idempotent-Replayed: true`); the same key with another body answers 422.",
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "example": "7f0c1a52-9d7e-4b7b-a0f5-3d9b8c1e2f44",
}

IF_MATCH: dict[str, Any] = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The `ETag` you last read of the record. Required: without it the update "
    "answers 428, with another version 412 (the record changed since you read it).",
    "schema": {"type": "string", "minLength": 1},
    "example": '"3"',
}

ETAG_HEADER: dict[str, Any] = {
    "description": "The record's version; send it back as `If-Match` to update the record.",
    "schema": {"type": "string", "examples": ['"3"']},
}


def install_openapi(app: FastAPI, policy: Policy, problems: ProblemRegistry) -> None:
    """Replace `app.openapi` with the completed document (built once, on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            complete(document, _routes(app), policy, problems)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    """Every API route by (method, full path), through the included routers."""
    found: dict[tuple[str, str], APIRoute] = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path:
            for method in context.methods or ():
                found[(method.lower(), context.path)] = route
    return found


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/problems")


def complete(
    document: dict[str, Any],
    routes: dict[tuple[str, str], APIRoute],
    policy: Policy,
    problems: ProblemRegistry,
) -> None:
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["FieldProblem"] = FIELD_PROBLEM_SCHEMA
    components["securitySchemes"] = _security_schemes(policy)
    for path, method, operation in operations(document):
        route = routes.get((method, path))
        _complete_operation(path, method, operation, route, policy.lookup(method, path), problems)
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            if "json" in media and "example" not in content and "examples" not in content:
                content["example"] = example_for(content.get("schema", {}), schemas)
    # FastAPI's own validation schemas are replaced by Problem everywhere.
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    _state_allowed_text(document, schemas)


def _state_allowed_text(document: dict[str, Any], schemas: dict[str, Any]) -> None:
    """Every string a request body may hold says which characters it may not (the text rule
    of `runtime.jsonbody`, refused before any handler): `pattern` on the strings, and on the
    keys of free-form objects."""
    seen: set[int] = set()

    def visit(schema: Any) -> None:
        if not isinstance(schema, dict) or id(schema) in seen:
            return
        seen.add(id(schema))
        if "$ref" in schema:
            visit(schemas.get(schema["$ref"].rsplit("/", 1)[-1]))
        kinds = schema.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds]
        free_text = not any(k in schema for k in ("pattern", "format", "enum", "const"))
        if "string" in kinds and free_text:
            schema["pattern"] = TEXT_PATTERN
        extra = schema.get("additionalProperties")
        if "object" in kinds and extra not in (None, False):
            schema.setdefault("propertyNames", {"pattern": TEXT_PATTERN})
        for key in ("items", "additionalProperties", "not"):
            visit(schema.get(key))
        for key in ("properties", "patternProperties", "$defs"):
            for sub in (schema.get(key) or {}).values():
                visit(sub)
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for sub in schema.get(key) or []:
                visit(sub)

    for _path, _method, operation in operations(document):
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            if "json" in media:
                visit(content.get("schema"))


def _security_schemes(policy: Policy) -> dict[str, Any]:
    roles = ", ".join(f"`{r.value}`" for r in sorted(STAFF_ROLES))
    scopes = sorted(PARTNER_SCOPES | {s for r in policy.rules for s in r.scopes})
    return {
        STAFF: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A staff member's token from the council's identity provider. Its "
            f"`role` claim is one of {roles}; each operation lists the roles it allows "
            "(RES staff also carry `team_id`).",
        },
        PARTNER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A partner agency system's client-credentials token: role `partner`, "
            "its `agency` claim, and partner scopes in `scope` ("
            + ", ".join(f"`{s}`" for s in scopes)
            + "). Each operation lists the scopes that grant it; a partner sees only records "
            "its own agency made.",
        },
    }


def _security(rule: Rule | None) -> list[dict[str, list[str]]]:
    if rule is None:
        return [{STAFF: []}]  # no rule: refused to everyone (fail closed)
    requirements: list[dict[str, list[str]]] = []
    if rule.roles:
        requirements.append({STAFF: sorted(r.value for r in rule.roles)})
    if rule.scopes:
        requirements.append({PARTNER: sorted(rule.scopes)})
    return requirements or [{STAFF: []}]


def _who(rule: Rule | None) -> str:
    if rule is None:
        return "No access rule is declared: refused to everyone."
    parts = []
    if rule.roles:
        parts.append("roles " + ", ".join(f"`{r.value}`" for r in sorted(rule.roles)))
    if rule.scopes:
        parts.append("partner scopes " + ", ".join(f"`{s}`" for s in sorted(rule.scopes)))
    text = "**Who may call:** " + (" or ".join(parts) or "nobody") + f"; records: `{rule.objects}`."
    if rule.summary:
        text += f" ({rule.summary})"
    return text


def _complete_operation(
    path: str,
    method: str,
    operation: dict[str, Any],
    route: APIRoute | None,
    rule: Rule | None,
    problems: ProblemRegistry,
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    if not parameters:
        operation.pop("parameters")
    body: dict[str, Any] = operation.get("requestBody") or {}
    json_body = any("json" in media for media in body.get("content", {}))
    conditional = route is not None and calls(route, "require_if_match")
    versioned = route is not None and calls(route, "set_etag")
    writes = method != "get"
    path_params = any(p.get("in") == "path" for p in parameters)
    query_names = {p["name"] for p in parameters if p.get("in") == "query"}

    if is_public(path):
        operation["security"] = [{}]
    else:
        operation["security"] = _security(rule)
        operation["description"] = (operation.get("description", "") + "\n\n" + _who(rule)).strip()
        if rule is not None:
            operation["x-lpm-roles"] = sorted(r.value for r in rule.roles)
            operation["x-lpm-partner-scopes"] = sorted(rule.scopes)
            operation["x-lpm-records"] = str(rule.objects)

    if method == "post" and not is_public(path):
        parameters = operation.setdefault("parameters", [])
        parameters.append(deepcopy(IDEMPOTENCY_KEY))
    if conditional:
        parameters = operation.setdefault("parameters", [])
        parameters.append(deepcopy(IF_MATCH))

    # Which problem types each status can carry on this operation.
    wanted: dict[int, list[str]] = {}

    def may(status: int, *codes: str) -> None:
        wanted.setdefault(status, [])
        wanted[status].extend(c for c in codes if c not in wanted[status])

    if not is_public(path):
        may(401, "unauthorized")
        may(403, "forbidden")
        may(429, "rate-limited")
    if operation.get("parameters") or body:
        may(422, "validation-error")
    if path_params:
        may(404, "not-found")
    if json_body:
        may(400, "malformed-json")
        may(413, "payload-too-large")
        may(415, "unsupported-media-type")
    if method == "post" and not is_public(path):
        may(400, "bad-request")
        may(409, "request-in-progress")
        may(422, "idempotency-key-reused")
    if "cursor" in query_names:
        may(400, "invalid-cursor")
    if conditional:
        may(412, "precondition-failed")
        may(428, "precondition-required")
    domain = [p for p in problems if p.code not in _PLATFORM_CODES]
    if not is_public(path) and (writes or operation.get("parameters")):
        # Domain rules apply to what a request names, in its path, query or body: a record
        # may be unknown (404) or a rule broken (422); a write may meet a state (409).
        may(404, "not-found")
        for problem in domain:
            if problem.status in (404, 422) or (writes and problem.status == 409):
                may(problem.status, problem.code)
    if writes and not is_public(path):
        may(409, "conflict")
    if path == "/health/ready":
        may(503, "not-ready")
    elif not is_public(path):
        may(503, "database-unavailable")
    if path.startswith("/problems"):
        may(404, "not-found")

    # A status a route declares itself (a 404 of a read named by nothing) is a problem too.
    for code in [c for c in responses if c[:1] in ("4", "5") and "content" not in responses[c]]:
        codes = [p.code for p in problems if p.status == int(code)]
        if codes:
            may(int(code), "not-found" if "not-found" in codes else codes[0])
    fastapi_422 = responses.pop("422", None)
    _ = fastapi_422  # FastAPI's HTTPValidationError: replaced by the problem below
    for status in sorted(wanted):
        responses[str(status)] = _problem_response(status, wanted[status], problems)
    if versioned:
        for code, response in responses.items():
            if code.startswith("2"):
                response.setdefault("headers", {})["ETag"] = deepcopy(ETAG_HEADER)
    for code, response in responses.items():
        if code in ("429", "503"):
            response.setdefault("headers", {})["Retry-After"] = {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "minimum": 1},
            }
        if code == "401":
            response.setdefault("headers", {})["WWW-Authenticate"] = {
                "description": "The authentication scheme: `Bearer`.",
                "schema": {"type": "string"},
            }


# Codes the platform raises by itself (the rest of a service's registry are its domain rules).
_PLATFORM_CODES = frozenset(
    {
        "bad-request",
        "malformed-json",
        "invalid-cursor",
        "unauthorized",
        "forbidden",
        "not-found",
        "method-not-allowed",
        "request-in-progress",
        "precondition-failed",
        "payload-too-large",
        "unsupported-media-type",
        "validation-error",
        "idempotency-key-reused",
        "precondition-required",
        "rate-limited",
        "request-header-fields-too-large",
        "internal-error",
        "unavailable",
        "database-unavailable",
        "not-ready",
    }
)


def _problem_response(status: int, codes: list[str], problems: ProblemRegistry) -> dict[str, Any]:
    types = [problems.get(c) or problems.for_status(status) for c in codes]
    examples = {p.code: _example_of(p) for p in types}
    description = "; ".join(f"`{p.code}`: {p.title}" for p in types)
    return {
        "description": description or problems.for_status(status).title,
        "content": {
            PROBLEM_JSON: {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "examples": examples,
            }
        },
    }


def _example_of(problem: ProblemType) -> dict[str, Any]:
    value: dict[str, Any] = {
        "type": problem.uri,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.description,
    }
    if problem.code == "validation-error":
        value["errors"] = [{"field": "caller.role", "message": "Field required"}]
    elif problem.code == "malformed-json":
        value["errors"] = [{"field": "body", "message": "Expecting ',' at line 1, column 29"}]
    elif problem.code == "unsupported-media-type":
        value["errors"] = [{"field": "Content-Type", "message": "send application/json"}]
    elif problem.code in ("precondition-required", "precondition-failed"):
        value["errors"] = [{"field": "If-Match", "message": problem.title}]
    return {"summary": problem.title, "value": value}


# -- what a handler does, read from its code ---------------------------------------------------


def calls(route: APIRoute, name: str) -> bool:
    """Whether the route's handler (or a dependency, or a function of its own package that it
    calls) refers to `name`."""
    functions = [route.endpoint, *_dependency_calls(route.dependant)]
    seen: set[Callable[..., Any]] = set()
    return any(_refers_to(f, name, seen) for f in functions)


def _dependency_calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _dependency_calls(dependency)


def _refers_to(function: Callable[..., Any], name: str, seen: set[Callable[..., Any]]) -> bool:
    function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    if code is None or function in seen:
        return False
    seen.add(function)
    package = function.__module__.split(".")[0]
    namespace: dict[str, Any] = getattr(function, "__globals__", {})
    stack: list[CodeType] = [code]
    while stack:
        current = stack.pop()
        if name in current.co_names:
            return True
        stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
        for referred in current.co_names:
            target = namespace.get(referred)
            if (
                inspect.isfunction(target)
                and target.__module__.split(".")[0] == package
                and _refers_to(target, name, seen)
            ):
                return True
    return False


# -- request body examples ---------------------------------------------------------------------


def example_for(schema: dict[str, Any], schemas: dict[str, Any], depth: int = 0) -> Any:
    """A value valid against `schema`: declared examples first, else the simplest valid value."""
    if "$ref" in schema:
        target = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return example_for(target, schemas, depth + 1)
    for key in ("examples",):
        if isinstance(schema.get(key), list) and schema[key]:
            return deepcopy(schema[key][0])
    if "example" in schema:
        return deepcopy(schema["example"])
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return deepcopy(schema["default"])
    for key in ("anyOf", "oneOf"):
        if key in schema and "properties" not in schema:
            options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
            return example_for(options[0], schemas, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example_for(part, schemas, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        for key in ("anyOf", "oneOf"):
            # An object that needs one of several fields: the example gives the first.
            if schema.get(key):
                required |= set(schema[key][0].get("required", []))
        result: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            if name in required or (depth < 3 and _has_example(sub, schemas)):
                result[name] = example_for(sub, schemas, depth + 1)
        return result
    if kind == "array":
        item = example_for(schema.get("items", {}), schemas, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return _number(schema, 1)
    if kind == "number":
        return _number(schema, 1.0)
    if kind == "boolean":
        return True
    if kind == "string":
        return _string(schema)
    return None


def _has_example(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    if "$ref" in schema:
        return True
    return any(k in schema for k in ("examples", "example", "enum", "const"))


def _number(schema: dict[str, Any], fallback: float) -> Any:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value = fallback
    if low is not None and value < low:
        value = low + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
    if high is not None and value > high:
        value = high - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
    return type(fallback)(value)


_STRING_FORMATS = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T10:00:00Z",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "duty.advice@example.org",
    "uri": "https://example.org/",
}


def _string(schema: dict[str, Any]) -> str:
    if schema.get("format") in _STRING_FORMATS:
        return _STRING_FORMATS[schema["format"]]
    text = "example"
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    if len(text) < low:
        text = text + "x" * (low - len(text))
    if high is not None:
        text = text[:high]
    return text
