"""Wires the staff front end: settings, sessions, the OIDC client, the API client, pages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from runtime.heap import startup_frozen

from staff.config import Settings
from staff.entrypoints.web import (
    auth,
    dashboard,
    families,
    formulations,
    frontdoor,
    home,
    partner,
    plans,
    supervision,
)
from staff.entrypoints.web.deps import protect, renew_session_cookie
from staff.entrypoints.web.errors import install_error_pages
from staff.entrypoints.web.session import SessionStore
from staff.entrypoints.web.templating import build_templates

STATIC = Path(__file__).resolve().parent / "static"

# Page routers, in the order their paths are matched.
ROUTERS = [
    auth.router,
    home.router,
    families.router,
    formulations.router,
    plans.router,
    supervision.router,
    dashboard.router,
    frontdoor.router,
    partner.router,
]


def create_app(
    settings: Settings | None = None,
    *,
    http_transport: httpx.AsyncBaseTransport | None = None,
    idp_transport: Any = None,
) -> FastAPI:
    """`http_transport`/`idp_transport` let tests route the API and OIDC calls in-process."""
    settings = settings or Settings()
    secret = settings.session_secret.get_secret_value()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(
            timeout=settings.api_timeout_seconds, transport=http_transport
        ) as http:
            app.state.http = http
            with startup_frozen():
                yield

    app = FastAPI(
        title="Leeds Practice Model: staff pages",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(protect)],
    )
    app.state.settings = settings
    app.state.sessions = SessionStore(
        secret, settings.session_max_seconds, settings.secure_cookies()
    )
    app.state.templates = build_templates()
    app.state.idp = auth.identity_provider(settings, idp_transport)
    install_error_pages(app)
    # GOV.UK Frontend's CSS names its fonts and images under /assets.
    app.mount(
        "/assets",
        StaticFiles(directory=settings.assets_dir / "assets", check_dir=False),
        name="assets",
    )
    app.mount("/govuk", StaticFiles(directory=settings.assets_dir, check_dir=False), name="govuk")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    app.middleware("http")(renew_session_cookie)

    @app.middleware("http")
    async def security_headers(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
