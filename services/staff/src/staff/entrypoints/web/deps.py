"""Every page needs a session, and every form post its CSRF token: one app-wide dependency,
so a new page is protected without asking. Public paths are listed here and nowhere else."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request

from staff.entrypoints.web.api import Api
from staff.entrypoints.web.session import (
    CSRF_FIELD,
    SESSION_COOKIE,
    Session,
    SessionStore,
    csrf_matches,
)

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


def current_session(request: Request) -> Session:
    session: Session = request.state.session
    return session


def api(request: Request) -> Api:
    """The API client for this request, with the signed-in person's token."""
    session = current_session(request)
    return Api(
        request.app.state.http, request.app.state.settings.service_urls(), session.access_token
    )
