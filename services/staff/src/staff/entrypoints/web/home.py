"""The start page after sign-in: what this person's role can do, and health checks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from staff.entrypoints.web.deps import current_session
from staff.entrypoints.web.navigation import sections_for
from staff.entrypoints.web.templating import render

router = APIRouter()


@router.get("/")
async def home(request: Request) -> Response:
    session = current_session(request)
    return render(request, "home.html", {"sections": sections_for(session.user.role)})


@router.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/health/ready")
async def ready(request: Request) -> Any:
    # No database or broker here; without the GOV.UK assets (`make install`) pages are unstyled.
    assets = request.app.state.settings.assets_dir
    ok = (assets / "govuk-frontend.min.css").is_file()
    body = {
        "status": "ready" if ok else "not-ready",
        "checks": {"assets": "ok" if ok else "missing: run make install"},
    }
    return JSONResponse(body, status_code=200 if ok else 503)
