"""Partner agency users (a school's Targeted Services Leader): make a referral, and see their
own referrals' status and the explanation of each decision (the fair-process view). The
referrals service answers a partner with its own agency's referrals only; another agency's is
not found (404), as if it did not exist."""

from __future__ import annotations

import uuid
from typing import Any

from contracts.reference.referrals import PARTNER_SOURCES
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from staff.entrypoints.web.api import Api, Refused
from staff.entrypoints.web.deps import api
from staff.entrypoints.web.forms import FormErrors, kept
from staff.entrypoints.web.labels import FIELD_LABELS, SOURCES
from staff.entrypoints.web.templating import render

router = APIRouter(prefix="/referrals")

FIELDS = {
    "worry": "worry",
    "source": "source",
    "cluster_id": "cluster",
    "caller.name": "caller-name",
    "caller.role": "caller-role",
    "caller.how_to_reach": "caller-how-to-reach",
}
PARTNER_SOURCE_LABELS = {s.value: SOURCES[s.value] for s in sorted(PARTNER_SOURCES)}


@router.get("")
async def my_referrals(
    request: Request, cursor: str | None = None, client: Api = Depends(api)
) -> Response:
    page = await client.page("referrals", "/v1/contacts", cursor=cursor)
    return render(request, "partner/list.html", {"page": page})


@router.get("/new")
async def new_referral(request: Request) -> Response:
    values = {"form_key": str(uuid.uuid4())}
    return render(request, "partner/new.html", {"sources": PARTNER_SOURCE_LABELS}, values=values)


@router.post("/new")
async def make_referral(request: Request, client: Api = Depends(api)) -> Response:
    form = await request.form()

    def text(name: str) -> str | None:
        value = form.get(name)
        return value.strip() or None if isinstance(value, str) else None

    caller = {
        k: text(f"caller_{k}") for k in ("name", "role", "how_to_reach") if text(f"caller_{k}")
    }
    body: dict[str, Any] = {"source": text("source") or "", "caller": caller}
    for field in ("worry", "cluster_id"):
        if text(field):
            body[field] = text(field)
    errors = FormErrors()
    if not body["source"]:
        errors.add("source", "Choose how your agency is referring")
    if not errors:
        try:
            made = await client.post(
                "referrals", "/v1/contacts", body, idempotency_key=text("form_key")
            )
            return RedirectResponse(f"/referrals/{made.body['contact_id']}?sent=1", status_code=303)
        except Refused as problem:
            errors = FormErrors.from_api(problem, FIELDS, labels=FIELD_LABELS)
    return render(
        request,
        "partner/new.html",
        {"sources": PARTNER_SOURCE_LABELS},
        errors=errors,
        values=kept(form),
        status_code=422,
    )


@router.get("/{contact_id}")
async def referral(
    request: Request, contact_id: uuid.UUID, sent: str = "", client: Api = Depends(api)
) -> Response:
    found = (await client.get("referrals", f"/v1/contacts/{contact_id}")).body
    return render(request, "partner/referral.html", {"referral": found, "sent": bool(sent)})
