"""The one JSON body check of every service: a body not declared as JSON by Content-Type is
refused naming the header (415); a body whose object gives a key twice, or whose text holds a
control or direction-override character, is refused naming the field (422), before any
handler or validator sees it.

The framework's parser keeps the last of two equal keys, so a body can say two things and
be read as one; this reads the same bytes and refuses instead. It runs as an app dependency
after `authorise`, on the body the framework already read (cached on the request).
"""

from __future__ import annotations

import json
from typing import Any

from contracts.plausibility import text_problem
from fastapi import Request
from fastapi.routing import APIRoute

from runtime.domain import FieldError
from runtime.errors import ProblemError

_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as the parser saw it: every key, in order, repeats included."""


def body_problems(raw: bytes) -> list[FieldError]:
    """The fields of a JSON body that must not be stored; [] also when it is not JSON at all
    (the framework's own parser answers that)."""
    try:
        parsed = json.loads(raw, object_pairs_hook=_Pairs)
    except ValueError:
        return []
    errors: list[FieldError] = []
    _walk(parsed, "", errors)
    return errors


def _walk(node: Any, path: str, errors: list[FieldError]) -> None:
    if isinstance(node, _Pairs):
        seen: set[str] = set()
        for key, value in node:
            field = f"{path}.{key}" if path else key
            if key in seen:
                errors.append(FieldError(field, "is given more than once in the same object"))
            seen.add(key)
            problem = text_problem(key)
            if problem:
                errors.append(FieldError(field, f"the field name {problem}"))
            _walk(value, field, errors)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _walk(value, f"{path}.{index}" if path else str(index), errors)
    elif isinstance(node, str):
        problem = text_problem(node)
        if problem:
            errors.append(FieldError(path or "body", problem))


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def _body_required(route: APIRoute) -> bool:
    info = getattr(route.body_field, "field_info", None)
    return bool(info is not None and info.is_required())


async def strict_json_body(request: Request) -> None:
    """App-wide dependency: an operation with a body takes JSON only, declared so (415), with no
    repeated key or forbidden text (422)."""
    if request.method not in _METHODS:
        return
    raw = await request.body()
    content_type = request.headers.get("content-type")
    route = request.scope.get("route")
    takes_body = isinstance(route, APIRoute) and route.body_field is not None
    if takes_body and not _is_json(content_type):
        assert isinstance(route, APIRoute)
        if raw or content_type is not None or _body_required(route):
            got = f"got {content_type!r}" if content_type else "the header is missing"
            raise ProblemError(
                415,
                f"send the body as JSON with Content-Type: application/json ({got})",
                errors=[FieldError("Content-Type", f"must be application/json; {got}")],
            )
    if not raw or not _is_json(content_type):
        return
    errors = body_problems(raw)
    if errors:
        raise ProblemError(
            422,
            f"{len(errors)} field(s) are not valid",
            code="validation-error",
            title="The request is not valid",
            errors=errors,
        )
