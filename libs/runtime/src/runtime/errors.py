"""RFC 9457 problem details for every error, mapped once for every service.

`type` is a relative URI `/problems/<code>`; each service serves a description of every code
at that path, so a client can follow it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from runtime.db import database_unavailable
from runtime.domain import DomainError, FieldError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# A database restart takes seconds; a client that waits this long finds it back, or asks again.
DATABASE_RETRY_AFTER_SECONDS = 2

_STATUS_CODES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "The record has changed since you read it"),
    413: ("payload-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "The request is not valid"),
    428: ("precondition-required", "If-Match is required for this update"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal-error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


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
        default_code, default_title = _STATUS_CODES.get(status, ("error", "Error"))
        self.status = status
        self.code = code or default_code
        self.title = title or default_title
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra or {}
        super().__init__(detail or self.title)


def problem_response(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str = "",
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "instance": request.url.path,
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
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] if len(parts) > 1 else parts
    return ".".join(parts)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return problem_response(
            request, exc.status, exc.code, exc.title, exc.detail, exc.errors, extra=exc.extra
        )

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
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
        errors = [FieldError(_field_of(tuple(e["loc"])), e["msg"]) for e in exc.errors()]
        return problem_response(
            request,
            422,
            "validation-error",
            "The request is not valid",
            f"{len(errors)} field(s) are not valid",
            errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = _STATUS_CODES.get(exc.status_code, ("error", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else ""
        return problem_response(
            request, exc.status_code, code, title, detail, headers=dict(exc.headers or {})
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
        return problem_response(request, 500, "internal-error", "Internal error")
