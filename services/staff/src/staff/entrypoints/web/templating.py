"""Jinja templates (autoescaped) with the GOV.UK Frontend macros, and the page renderer.

Templates live in `staff/templates/`; the GOV.UK macros are imported as
`{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from staff.entrypoints.web.forms import FormErrors
from staff.entrypoints.web.labels import JINJA_FILTERS, JINJA_GLOBALS
from staff.entrypoints.web.navigation import ROLE_NAMES, navigation
from staff.entrypoints.web.session import CSRF_FIELD, Session

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _context(request: Request) -> dict[str, Any]:
    session: Session | None = getattr(request.state, "session", None)
    user = session.user if session else None
    return {
        "user": user,
        "role_name": ROLE_NAMES.get(user.role, user.role) if user else None,
        "nav": navigation(user.role, request.url.path) if user else [],
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf_token if session else "",
    }


def url_with(request: Request, **changes: Any) -> str:
    """This page's address with some query parameters changed (None removes one): for the
    next page of a cursor-paginated list, or a filter link."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    query = urlencode(params)
    return f"{request.url.path}?{query}" if query else request.url.path


def build_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(str(TEMPLATES)),
                jinja2.PrefixLoader(
                    {"govuk_frontend_jinja": jinja2.PackageLoader("govuk_frontend_jinja")}
                ),
            ]
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["url_with"] = url_with
    env.globals.update(JINJA_GLOBALS)
    env.filters.update(JINJA_FILTERS)
    return Jinja2Templates(env=env, context_processors=[_context])


class Values(dict[str, Any]):
    """The person's input: a field never entered reads as empty, never as "None"."""

    def get(self, key: str, default: Any = "") -> Any:
        return super().get(key, default)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Render a page. `errors` and `values` (the person's input) are there for every form."""
    templates: Jinja2Templates = request.app.state.templates
    ctx = {"errors": errors or FormErrors(), "values": Values(values or {}), **(context or {})}
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    # Pages carry personal data: never cached by the browser or anything between.
    response.headers["Cache-Control"] = "no-store"
    return response
