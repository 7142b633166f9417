"""Duty and Advice at the front door: the queue of contacts, a new contact from what the caller
says, dated conversation entries, finding or registering people (the possible-match screen),
the family, a referral-stage formulation, and the decision with the team's spare capacity.

Every rule lives in the referrals service; these pages show what it says (what a decision still
needs, who has room) and send what the worker enters.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import quote

from contracts.reference.referrals import RES_ACCEPTANCES, ConsentStatus, DecisionType
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from staff.entrypoints.web.api import Api, Refused
from staff.entrypoints.web.deps import api
from staff.entrypoints.web.forms import FormErrors, kept
from staff.entrypoints.web.labels import FIELD_LABELS, LONDON, person_name
from staff.entrypoints.web.templating import render

router = APIRouter(prefix="/front-door")

REFERRALS = "referrals"

CONTACT_FIELDS = {
    "worry": "worry",
    "source": "source",
    "cluster_id": "cluster",
    "caller.name": "caller-name",
    "caller.role": "caller-role",
    "caller.how_to_reach": "caller-how-to-reach",
}
ENTRY_FIELDS = {
    "recorded_at": "recorded-day",
    "summary": "summary",
    "worry": "worry",
    "tried": "tried-what",
    "family_knows": "family-knows",
    "consent.not_needed_reason": "not-needed-reason",
    "consent": "consent-status",
    "urgency": "urgency",
    "cluster_id": "cluster",
    "early_help_offer_in_place": "early-help",
}
PERSON_FIELDS = {
    "kind": "kind",
    "given_name": "given-name",
    "family_name": "family-name",
    "date_of_birth": "dob-day",
    "nhs_number": "nhs-number",
    "postcode": "postcode",
    "school": "school",
    "address_lines": "address",
}
DECISION_FIELDS = {
    "decision_type": "decision-type",
    "rationale": "rationale",
    "explanation_for_referrer": "explanation",
    "lead_worker_id": "lead-worker",
}


def _contact_page(contact_id: str) -> str:
    return f"/front-door/contacts/{contact_id}"


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _redirect(path: str, notice: str | None = None) -> RedirectResponse:
    target = f"{path}?notice={quote(notice)}" if notice else path
    return RedirectResponse(target, status_code=303)


# -- the queue ---------------------------------------------------------------------------------


@router.get("")
async def queue(
    request: Request,
    status: str = "open",
    source: str = "",
    cluster_id: str = "",
    rereferral: str = "",
    cursor: str | None = None,
    client: Api = Depends(api),
) -> Response:
    filters = {
        "status": status if status in ("open", "decided") else None,
        "source": source or None,
        "cluster_id": cluster_id or None,
        "is_rereferral": "true" if rereferral == "yes" else None,
    }
    page = await client.page(REFERRALS, "/v1/contacts", filters, cursor=cursor)
    return render(
        request,
        "frontdoor/queue.html",
        {
            "page": page,
            "filters": {
                "status": status,
                "source": source,
                "cluster_id": cluster_id,
                "rereferral": rereferral,
            },
        },
    )


# -- a new contact -----------------------------------------------------------------------------


@router.get("/contacts/new")
async def new_contact(request: Request) -> Response:
    # The form's own Idempotency-Key: sending it twice opens one contact.
    values = {"source": "duty_and_advice", "form_key": str(uuid.uuid4())}
    return render(request, "frontdoor/new-contact.html", values=values)


@router.post("/contacts/new")
async def open_contact(request: Request, client: Api = Depends(api)) -> Response:
    form = await request.form()
    caller = {
        key: _text(form, f"caller_{key}")
        for key in ("name", "role", "how_to_reach")
        if _text(form, f"caller_{key}")
    }
    body: dict[str, Any] = {"source": _text(form, "source") or "duty_and_advice", "caller": caller}
    if _text(form, "worry"):
        body["worry"] = _text(form, "worry")
    if _text(form, "cluster_id"):
        body["cluster_id"] = _text(form, "cluster_id")
    try:
        made = await client.post(
            REFERRALS, "/v1/contacts", body, idempotency_key=_text(form, "form_key")
        )
    except Refused as problem:
        return render(
            request,
            "frontdoor/new-contact.html",
            errors=FormErrors.from_api(problem, CONTACT_FIELDS, labels=FIELD_LABELS),
            values=kept(form),
            status_code=problem.status,
        )
    return _redirect(_contact_page(made.body["contact_id"]), "Contact opened")


# -- one contact -------------------------------------------------------------------------------


async def _people(client: Api, ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for person_id in ids:
        result = await client.try_get(REFERRALS, f"/v1/people/{person_id}")
        found.append(result.body if result else {"person_id": person_id})
    return found


async def _allocation(client: Api, contact: dict[str, Any]) -> dict[str, Any] | None:
    if not (contact.get("team_id") and contact.get("family_id")):
        return None
    page = await client.page(
        REFERRALS, "/v1/allocations", {"family_id": contact["family_id"]}, limit=5
    )
    if not page.items:
        return None
    allocation = dict(page.items[0])
    workers = await client.get(REFERRALS, f"/v1/teams/{allocation['team_id']}/workers")
    names = {w["worker_id"]: w.get("display_name") for w in workers.body["items"]}
    allocation["lead_worker_name"] = names.get(allocation.get("lead_worker_id")) or allocation.get(
        "lead_worker_id"
    )
    return allocation


@router.get("/contacts/{contact_id}")
async def contact(
    request: Request, contact_id: str, notice: str = "", client: Api = Depends(api)
) -> Response:
    found = (await client.get(REFERRALS, f"/v1/contacts/{contact_id}")).body
    children = await _people(client, found["child_ids"])
    adults = await _people(client, found["adult_ids"])
    return render(
        request,
        "frontdoor/contact.html",
        {
            "contact": found,
            "children": children,
            "adults": adults,
            "allocation": await _allocation(client, found),
            "notice": notice,
        },
    )


# -- conversation entries ----------------------------------------------------------------------


@router.get("/contacts/{contact_id}/conversations/new")
async def new_entry(request: Request, contact_id: str, client: Api = Depends(api)) -> Response:
    found = await client.get(REFERRALS, f"/v1/contacts/{contact_id}")
    return render(
        request,
        "frontdoor/conversation.html",
        {"contact": found.body, "version": found.version},
    )


def _recorded_at(form: FormData, errors: FormErrors) -> str | None:
    day, month, year = (_text(form, f"recorded-{p}") for p in ("day", "month", "year"))
    clock = _text(form, "recorded_time")
    if not any((day, month, year, clock)):
        return None
    try:
        hours, minutes = (int(p) for p in (clock or "09:00").replace(".", ":").split(":"))
        moment = datetime(int(year or ""), int(month or ""), int(day or ""), hours, minutes)
    except ValueError:
        errors.add("recorded-day", "Enter the date as numbers and the time as 14:30")
        return None
    return moment.replace(tzinfo=LONDON).isoformat()


def _entry_body(form: FormData, errors: FormErrors) -> dict[str, Any]:
    body: dict[str, Any] = {}
    recorded = _recorded_at(form, errors)
    if recorded:
        body["recorded_at"] = recorded
    for field in ("summary", "worry", "family_knows", "urgency", "cluster_id"):
        if _text(form, field):
            body[field] = _text(form, field)
    if _text(form, "tried_what"):
        body["tried"] = [{"what": _text(form, "tried_what"), "by_whom": _text(form, "tried_by")}]
    status = _text(form, "consent_status")
    if status:
        body["consent"] = {
            "status": status,
            "includes_rethink_team": "rethink_team" in form.getlist("consent_includes"),
            "includes_group_supervision": "group_supervision" in form.getlist("consent_includes"),
            "not_needed_reason": _text(form, "not_needed_reason")
            if status == ConsentStatus.NOT_NEEDED
            else None,
        }
    early_help = _text(form, "early_help")
    if early_help in ("yes", "no"):
        body["early_help_offer_in_place"] = early_help == "yes"
    return body


@router.post("/contacts/{contact_id}/conversations/new")
async def add_entry(request: Request, contact_id: str, client: Api = Depends(api)) -> Response:
    form = await request.form()
    errors = FormErrors()
    body = _entry_body(form, errors)
    if not errors:
        try:
            await client.post(
                REFERRALS,
                f"/v1/contacts/{contact_id}/conversations",
                body,
                if_match=_text(form, "version"),
                record_path=f"/v1/contacts/{contact_id}",
                return_to=_contact_page(contact_id),
            )
            return _redirect(_contact_page(contact_id), "Conversation added")
        except Refused as problem:
            errors = FormErrors.from_api(problem, ENTRY_FIELDS, labels=FIELD_LABELS)
    found = await client.get(REFERRALS, f"/v1/contacts/{contact_id}")
    return render(
        request,
        "frontdoor/conversation.html",
        {"contact": found.body, "version": _text(form, "version")},
        errors=errors,
        values=kept(form),
        status_code=422,
    )


async def _link_people(
    client: Api,
    contact_id: str,
    *,
    person: dict[str, Any] | None = None,
    family_id: str | None = None,
) -> None:
    """Record on the contact, as a conversation entry, a person it is about or their family."""
    current = await client.get(REFERRALS, f"/v1/contacts/{contact_id}")
    body: dict[str, Any] = {}
    if person is not None:
        key = "child_ids" if person["kind"] == "child" else "adult_ids"
        body[key] = [person["person_id"]]
    if family_id:
        body["family_id"] = family_id
    await client.post(
        REFERRALS,
        f"/v1/contacts/{contact_id}/conversations",
        body,
        if_match=current.version,
        record_path=f"/v1/contacts/{contact_id}",
        return_to=_contact_page(contact_id),
    )


# -- finding and registering people ------------------------------------------------------------


def _person_details(form: FormData, errors: FormErrors) -> dict[str, Any]:
    details: dict[str, Any] = {}
    for form_key, api_key in (
        ("given_name", "given_name"),
        ("family_name", "family_name"),
        ("nhs_number", "nhs_number"),
        ("postcode", "postcode"),
        ("school", "school"),
    ):
        if _text(form, form_key):
            details[api_key] = _text(form, form_key)
    if _text(form, "address"):
        details["address_lines"] = [_text(form, "address")]
    day, month, year = (_text(form, f"dob-{p}") for p in ("day", "month", "year"))
    if any((day, month, year)):
        try:
            details["date_of_birth"] = (
                datetime(int(year or ""), int(month or ""), int(day or "")).date().isoformat()
            )
        except ValueError:
            errors.add("dob-day", "Enter a real date of birth, for example 12 6 2014")
    return details


@router.get("/contacts/{contact_id}/people/find")
async def find_person(
    request: Request, contact_id: str, kind: str = "child", client: Api = Depends(api)
) -> Response:
    found = await client.get(REFERRALS, f"/v1/contacts/{contact_id}")
    return render(
        request, "frontdoor/find-person.html", {"contact": found.body}, values={"kind": kind}
    )


@router.post("/contacts/{contact_id}/people/find")
async def search_people(request: Request, contact_id: str, client: Api = Depends(api)) -> Response:
    form = await request.form()
    errors = FormErrors()
    details = _person_details(form, errors)
    contact_body = (await client.get(REFERRALS, f"/v1/contacts/{contact_id}")).body
    if not errors and not (details.get("given_name") or details.get("family_name")):
        errors.add("given-name", "Enter the person's given name or family name")
    if errors:
        return render(
            request,
            "frontdoor/find-person.html",
            {"contact": contact_body},
            errors=errors,
            values=kept(form),
            status_code=422,
        )
    try:
        matches = (await client.post(REFERRALS, "/v1/people/matches", details)).body["items"]
    except Refused as problem:
        return render(
            request,
            "frontdoor/find-person.html",
            {"contact": contact_body},
            errors=FormErrors.from_api(problem, PERSON_FIELDS),
            values=kept(form),
            status_code=problem.status,
        )
    return render(
        request,
        "frontdoor/matches.html",
        {"contact": contact_body, "matches": matches, "details": details},
        values=kept(form),
    )


@router.post("/contacts/{contact_id}/people/link")
async def link_person(request: Request, contact_id: str, client: Api = Depends(api)) -> Response:
    """Use a person already registered: they are added to the contact, nobody is registered."""
    form = await request.form()
    person_id = _text(form, "person_id") or ""
    person = (await client.get(REFERRALS, f"/v1/people/{person_id}")).body
    await _link_people(client, contact_id, person=person)
    return _redirect(_contact_page(contact_id), f"{person_name(person)} added to the contact")


@router.post("/contacts/{contact_id}/people/register")
async def register_person(
    request: Request, contact_id: str, client: Api = Depends(api)
) -> Response:
    """Register someone new. A near match answers with the possible-match screen; the worker
    says for each candidate whether it is the same person (use that record) or a different
    one, and why."""
    form = await request.form()
    errors = FormErrors()
    details = _person_details(form, errors)
    kind = _text(form, "kind") or "child"
    candidates = form.getlist("candidate")
    same = [c for c in candidates if _text(form, f"choice_{c}") == "same"]
    if same:
        person = (await client.get(REFERRALS, f"/v1/people/{same[0]}")).body
        await _link_people(client, contact_id, person=person)
        return _redirect(
            _contact_page(contact_id), f"{person_name(person)} (already registered) added"
        )
    for candidate in candidates:
        if _text(form, f"choice_{candidate}") != "different":
            errors.add(
                f"choice-{candidate}", "Say whether this is the same person or a different one"
            )
    distinct = [
        {"person_id": c, "reason": _text(form, f"reason_{c}") or ""}
        for c in candidates
        if _text(form, f"choice_{c}") == "different"
    ]
    contact_body = (await client.get(REFERRALS, f"/v1/contacts/{contact_id}")).body
    if not errors:
        try:
            made = await client.post(
                REFERRALS,
                "/v1/people",
                {"kind": kind, **details, "confirmed_distinct_from": distinct},
            )
        except Refused as problem:
            if problem.code == "possible-duplicate-person":
                return render(
                    request,
                    "frontdoor/possible-match.html",
                    {
                        "contact": contact_body,
                        "details": {"kind": kind, **details},
                        "matches": problem.problem.get("matches", []),
                    },
                    values=kept(form),
                    status_code=409,
                )
            fields = {
                **PERSON_FIELDS,
                **{
                    f"confirmed_distinct_from.{n}": f"reason-{d['person_id']}"
                    for n, d in enumerate(distinct)
                },
            }
            errors = FormErrors.from_api(problem, fields)
        else:
            person = made.body
            await _link_people(client, contact_id, person=person)
            return _redirect(
                _contact_page(contact_id), f"{person_name(person)} registered and added"
            )
    matches = []
    if candidates:
        matches = (await client.post(REFERRALS, "/v1/people/matches", details)).body["items"]
        matches = [
            {
                "person_id": m["person"]["person_id"],
                "person": m["person"],
                "reasons": m["reasons"],
                "strength": m["strength"],
            }
            for m in matches
        ]
    return render(
        request,
        "frontdoor/possible-match.html" if matches else "frontdoor/find-person.html",
        {"contact": contact_body, "details": {"kind": kind, **details}, "matches": matches},
        errors=errors,
        values=kept(form),
        status_code=422,
    )


@router.post("/contacts/{contact_id}/family")
async def form_family(request: Request, contact_id: str, client: Api = Depends(api)) -> Response:
    """The children and adults of the contact as one family, recorded on the contact."""
    found = (await client.get(REFERRALS, f"/v1/contacts/{contact_id}")).body
    members = [*found["child_ids"], *found["adult_ids"]]
    if not members:
        return _redirect(_contact_page(contact_id), "Add the children and adults first")
    if found.get("family_id"):
        family = await client.get(REFERRALS, f"/v1/families/{found['family_id']}")
        have = {m["person_id"] for m in family.body["members"]}
        new = [m for m in members if m not in have]
        if new:
            await client.patch(
                REFERRALS,
                f"/v1/families/{found['family_id']}",
                {"add_member_ids": new},
                if_match=family.version or "",
                return_to=_contact_page(contact_id),
            )
        return _redirect(_contact_page(contact_id), "The family includes everyone in the contact")
    made = await client.post(REFERRALS, "/v1/families", {"member_ids": members})
    await _link_people(client, contact_id, family_id=made.body["family_id"])
    return _redirect(_contact_page(contact_id), "Family recorded")


# -- referral-stage formulation ----------------------------------------------------------------


@router.post("/contacts/{contact_id}/formulation")
async def ask_for_formulation(
    request: Request, contact_id: str, client: Api = Depends(api)
) -> Response:
    try:
        await client.post(REFERRALS, f"/v1/contacts/{contact_id}/formulation-requests")
    except Refused as problem:
        return _redirect(_contact_page(contact_id), problem.detail or problem.title)
    return _redirect(_contact_page(contact_id), "Referral-stage formulation asked for")


# -- the decision ------------------------------------------------------------------------------


async def _decision_context(client: Api, contact_id: str) -> dict[str, Any]:
    found = (await client.get(REFERRALS, f"/v1/contacts/{contact_id}")).body
    needs = (await client.get(REFERRALS, f"/v1/contacts/{contact_id}/decision-needs")).body
    team: dict[str, Any] | None = None
    if needs.get("team_id"):
        team = (await client.get(REFERRALS, f"/v1/teams/{needs['team_id']}/workers")).body
    with_room = [
        w for w in (team or {}).get("items", []) if w["active"] and w["spare_capacity"] > 0
    ]
    return {
        "contact": found,
        "needs": needs["items"],
        "version": needs["version"],
        "team": team,
        "team_id": needs.get("team_id"),
        "with_room": sorted(with_room, key=lambda w: -w["spare_capacity"]),
        "res_acceptances": [d.value for d in RES_ACCEPTANCES],
        "other_routes": [d.value for d in DecisionType if d not in RES_ACCEPTANCES],
    }


@router.get("/contacts/{contact_id}/decision")
async def decision_page(request: Request, contact_id: str, client: Api = Depends(api)) -> Response:
    return render(request, "frontdoor/decision.html", await _decision_context(client, contact_id))


@router.post("/contacts/{contact_id}/decision")
async def decide(request: Request, contact_id: str, client: Api = Depends(api)) -> Response:
    form = await request.form()
    body: dict[str, Any] = {
        "decision_type": _text(form, "decision_type"),
        "rationale": _text(form, "rationale"),
        "explanation_for_referrer": _text(form, "explanation"),
    }
    if _text(form, "lead_worker_id") and body["decision_type"] in {
        d.value for d in RES_ACCEPTANCES
    }:
        body["lead_worker_id"] = _text(form, "lead_worker_id")
    errors = FormErrors()
    if not body["decision_type"]:
        errors.add("decision-type", "Choose a decision")
    if not errors:
        try:
            await client.post(
                REFERRALS,
                f"/v1/contacts/{contact_id}/decision",
                body,
                if_match=_text(form, "version"),
                record_path=f"/v1/contacts/{contact_id}",
                return_to=_contact_page(contact_id),
            )
            return _redirect(_contact_page(contact_id), "Decision recorded")
        except Refused as problem:
            errors = FormErrors.from_api(
                problem,
                DECISION_FIELDS,
                labels=FIELD_LABELS,
                fallback="decision-type" if problem.status == 409 else "still-needed",
            )
    context = await _decision_context(client, contact_id)
    return render(
        request,
        "frontdoor/decision.html",
        context,
        errors=errors,
        values=kept(form),
        status_code=422,
    )
