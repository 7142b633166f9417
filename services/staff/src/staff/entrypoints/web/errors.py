"""What a person sees when something goes wrong: GOV.UK error pages, never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from staff.entrypoints.web.api import (
    Api,
    ApiError,
    ForbiddenError,
    NotFoundError,
    SignInAgain,
    StaleRecord,
    Unavailable,
)
from staff.entrypoints.web.deps import CsrfRefused, SignInRequired, sign_in_url
from staff.entrypoints.web.session import SESSION_COOKIE
from staff.entrypoints.web.templating import render

log = logging.getLogger(__name__)


def _scalars(record: Any) -> list[tuple[str, str]]:
    """The current record's top-level facts, for the "someone else changed this" page."""
    if not isinstance(record, dict):
        return []
    rows = []
    for key, value in record.items():
        if isinstance(value, str | int | float | bool) and not key.endswith("_id"):
            rows.append((key.replace("_", " ").capitalize(), str(value)))
    return rows


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        response = RedirectResponse(sign_in_url(exc.next_path), status_code=303)
        if exc.clear_cookie:
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(SignInAgain)
    async def _token_refused(request: Request, exc: SignInAgain) -> Response:
        response = RedirectResponse(sign_in_url(request.url.path), status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return render(request, "errors/csrf.html", status_code=403)

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> Response:
        return render(request, "errors/not-found.html", status_code=404)

    @app.exception_handler(ForbiddenError)
    async def _forbidden(request: Request, exc: ForbiddenError) -> Response:
        return render(request, "errors/forbidden.html", status_code=403)

    @app.exception_handler(Unavailable)
    async def _unavailable(request: Request, exc: Unavailable) -> Response:
        log.warning("%s", exc)
        return render(request, "errors/unavailable.html", status_code=503)

    @app.exception_handler(StaleRecord)
    async def _stale(request: Request, exc: StaleRecord) -> Response:
        current: Any = None
        session = getattr(request.state, "session", None)
        if session is not None:
            client = Api(
                request.app.state.http,
                request.app.state.settings.service_urls(),
                session.access_token,
            )
            try:
                current = (await client.get(exc.service, exc.record_path)).body
            except ApiError:
                current = None
        return render(
            request,
            "errors/stale.html",
            {"current": _scalars(current), "return_to": exc.return_to},
            status_code=409,
        )

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        # A page that expects a problem catches it and shows it on its form; one it did not
        # expect is shown on its own.
        return render(request, "errors/problem.html", {"problem": exc}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return render(request, "errors/not-found.html", status_code=404)
        return render(
            request, "errors/problem.html", {"problem": None}, status_code=exc.status_code
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, "errors/unavailable.html", status_code=500)
