"""RFC 9457 problem details for every error, mapped once for every service.

`type` is a relative URI `/problems/<code>`; each service serves a description of every code
at that path, so a client can follow it.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from runtime.db import database_unavailable
from runtime.domain import DomainError, FieldError
from runtime.fields import rule_of
from runtime.problems import PROBLEM_JSON, STANDARD, ProblemRegistry
from runtime.refusals import note_refusal

log = logging.getLogger(__name__)

_PATH_SAFE = "/:@!$&'()*+,;=-._~"

# A database restart takes seconds; a client that waits this long finds it back, or asks again.
DATABASE_RETRY_AFTER_SECONDS = 2

# One registry of problem types (runtime.problems); each app serves its own (STANDARD plus the
# service's domain rules) as `app.state.problems`.
__all__ = [
    "DATABASE_RETRY_AFTER_SECONDS",
    "PROBLEM_JSON",
    "ProblemError",
    "install_problem_handlers",
    "problem_response",
]


class ProblemError(Exception):
    """An HTTP error outside the domain (auth, preconditions, limits)."""

    def __init__(
        self,
        status: int,
        detail: str = "",
        *,
        code: str | None = None,
        title: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        generic = STANDARD.for_status(status)
        self.status = status
        self.code = code or generic.code
        known = STANDARD.get(self.code)
        self.title = title or (known.title if known else generic.title)
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(detail or self.title)


def registry_of(request: Request) -> ProblemRegistry:
    registry: ProblemRegistry = getattr(request.app.state, "problems", STANDARD)
    return registry


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str | None = None,
    detail: str = "",
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    if title is None:
        known = registry_of(request).get(code)
        title = known.title if known else registry_of(request).for_status(status).title
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        # As sent (percent-encoded): a decoded path need not be a valid URI reference.
        "instance": quote(request.url.path, safe=_PATH_SAFE),
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = [{"field": e.field, "message": e.message} for e in errors]
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def database_unavailable_response(request: Request) -> JSONResponse:
    """503 with Retry-After: the database is briefly away, the request changed nothing."""
    return problem_response(
        request,
        503,
        "database-unavailable",
        "The database is briefly unavailable",
        "nothing was stored; retry after Retry-After seconds (with the same Idempotency-Key)",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        if len(parts) == 1:
            return parts[0]  # the body as a whole: missing, or not an object
        if parts[0] == "header":
            return parts[1].replace("_", "-").title()
        parts = parts[1:]
    return ".".join(parts)


def _position(body: bytes, offset: int) -> str:
    before = body[:offset].decode("utf-8", "replace")
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    return f"line {line}, column {column} (character {offset + 1})"


def _templates_matching(request: Request) -> dict[str, set[str]]:
    """The methods of each path template that matches the request's path."""
    path = request.scope.get("path", "")
    found: dict[str, set[str]] = {}
    for context in iter_route_contexts(request.app.router.routes):
        regex = getattr(context, "path_regex", None)
        if regex is not None and context.path and regex.match(path):
            found.setdefault(context.path, set()).update(context.methods or ())
    return found


def _with_head(methods: set[str]) -> list[str]:
    if "GET" in methods:
        methods = methods | {"HEAD"}
    return sorted(methods)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the path has, over all its routes (Starlette names only the first route's).
    A literal path (`/v1/people/matches`) is its own resource, as OpenAPI reads it, not also
    a value of a neighbour's parameter (`/v1/people/{person_id}`)."""
    templates = _templates_matching(request)
    literal = {t: m for t, m in templates.items() if "{" not in t}
    return _with_head(set().union(*(literal or templates).values()))


def _methods_of_other_paths(request: Request) -> list[str]:
    """The methods of the routes matching the request's path under another path template than
    the route that took the request (the one with its method)."""
    others = [m for m in _templates_matching(request).values() if request.method not in m]
    return _with_head(set().union(*others))


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        await note_refusal(request, exc.status, exc.detail or exc.title)
        return problem_response(
            request, exc.status, exc.code, exc.title, exc.detail, exc.errors, extra=exc.extra
        )

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        await note_refusal(request, exc.status, exc.detail or exc.title)
        return problem_response(
            request,
            exc.status,
            exc.code,
            exc.title,
            exc.detail,
            exc.errors,
            exc.headers,
            exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        raw = exc.errors()
        broken = [e for e in raw if e.get("type") == "json_invalid"]
        if broken:
            # FastAPI reports the character offset as the field ("29"): say where, in words.
            offset = next((p for p in broken[0]["loc"] if isinstance(p, int)), 0)
            reason = (broken[0].get("ctx") or {}).get("error") or "JSON decode error"
            where = _position(await request.body(), offset)
            return problem_response(
                request,
                400,
                "malformed-json",
                detail=f"the body is not valid JSON: {reason} at {where}",
                errors=[FieldError("body", f"{reason} at {where}")],
            )
        if any(e["loc"][:1] == ("path",) for e in raw):
            # A literal path (`/v1/people/matches`) read as another route's parameter: the
            # path is the literal route's, which does not have this method.
            allowed = _methods_of_other_paths(request)
            if allowed:
                return problem_response(
                    request, 405, "method-not-allowed", headers={"Allow": ", ".join(allowed)}
                )
        errors = [FieldError(_field_of(tuple(e["loc"])), e["msg"]) for e in raw]
        rules = {rule_of(e) for e in raw}
        if len(rules) == 1 and None not in rules:
            # Well-formed, but against a rule the schema cannot state (a date after today).
            code = rules.pop()
            assert code is not None
            await note_refusal(request, 422, errors[0].message)
            return problem_response(request, 422, code, detail=errors[0].message, errors=errors)
        return problem_response(
            request,
            422,
            "validation-error",
            detail=f"{len(errors)} field(s) are not valid",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        generic = registry_of(request).for_status(exc.status_code)
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != generic.title else ""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(
            request, exc.status_code, generic.code, generic.title, detail, headers=headers
        )

    @app.exception_handler(SQLAlchemyError)
    @app.exception_handler(ConnectionError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
            return database_unavailable_response(request)
        return await _unexpected(request, exc)

    # Also reached by errors raised in middleware (e.g. the idempotency claim), which the
    # handlers above, inside the middleware stack, never see.
    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
            return database_unavailable_response(request)
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "internal-error")
