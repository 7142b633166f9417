"""Every page needs a session, and every form post its CSRF token: one app-wide dependency,
so a new page is protected without asking. Public paths are listed here and nowhere else.

An access token about to expire is renewed with the session's refresh token before the page
runs, and the renewed session goes back in the cookie (`renew_session_cookie`); when it
cannot be renewed the person signs in again and comes back to the page.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response

from staff.entrypoints.web.api import Api
from staff.entrypoints.web.session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    Session,
    SessionStore,
    csrf_matches,
)

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset(
    {"/sign-in", "/auth/callback", "/signed-out", "/health/live", "/health/ready"}
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(Exception):
    """No valid session: the person is sent to sign in, then back to `next`."""

    def __init__(self, next_path: str, clear_cookie: bool) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.clear_cookie = clear_cookie


class CsrfRefused(Exception):
    """A form post without this session's CSRF token."""


def safe_next(path: str | None) -> str:
    """Only a path on this site: never `//host` or `https://host` (an open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def sign_in_url(next_path: str) -> str:
    return f"/sign-in?next={quote(safe_next(next_path), safe='')}"


async def protect(request: Request) -> None:
    path = request.url.path
    if path in PUBLIC_PATHS:
        return
    store: SessionStore = request.app.state.sessions
    cookie = request.cookies.get(SESSION_COOKIE)
    session = store.read(cookie)
    if session is not None and session.expired():
        session = await _renewed(request, session)
        if session is not None:
            request.state.renewed_session = session
    if session is None:
        back = path if request.method == "GET" else "/"
        if request.method == "GET" and request.url.query:
            back = f"{path}?{request.url.query}"
        raise SignInRequired(back, clear_cookie=cookie is not None)
    request.state.session = session
    if request.method in UNSAFE_METHODS:
        form = await request.form()  # parsed once; the handler's Form() fields reuse it
        if not csrf_matches(session, form.get(CSRF_FIELD)):
            raise CsrfRefused()


async def _renewed(request: Request, session: Session) -> Session | None:
    """The session with a fresh access token from the identity provider, or None."""
    try:
        token = await request.app.state.idp.fetch_access_token(
            grant_type="refresh_token", refresh_token=session.refresh_token
        )
        access = str(token["access_token"])
        expires_in = float(token.get("expires_in") or 0)
    except Exception as exc:  # refused, expired or unreachable: signing in again is the answer
        log.info("session not renewed: %r", exc)
        return None
    if expires_in <= 0:
        return None
    return session.renewed(access, time.time() + expires_in, token.get("refresh_token"))


async def renew_session_cookie(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Any:
    """Middleware: a session renewed while answering this request goes back in its cookie."""
    response = await call_next(request)
    renewed = getattr(request.state, "renewed_session", None)
    written = any(
        h.startswith(f"{SESSION_COOKIE}=") for h in response.headers.getlist("set-cookie")
    )
    if renewed is not None and not written:
        store: SessionStore = request.app.state.sessions
        value, kwargs = store.cookie(renewed)
        response.set_cookie(SESSION_COOKIE, value, **kwargs)
    return response


def current_session(request: Request) -> Session:
    session: Session = request.state.session
    return session


def api(request: Request) -> Api:
    """The API client for this request, with the signed-in person's token."""
    session = current_session(request)
    return Api(
        request.app.state.http, request.app.state.settings.service_urls(), session.access_token
    )
