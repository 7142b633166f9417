"""Outcome focused supervision and the Rethink team's meetings.

Supervision: the completed formulations whose plans are there to review; one plan read beside
its formulation (priorities, steps, sub-goals and their movement); the question "is the plan
likely to achieve the goal; if not, why not", and the record of every review.

Meetings (Practice and Progress, Rethink Space, forums, group supervision): who took part, each
participant's alignment score at the start and the end, and whether views moved closer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Annotated, Any

from contracts.reference.formulation import FormulationSetting
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from staff.entrypoints.web.api import Api, ApiError, Refused
from staff.entrypoints.web.deps import api
from staff.entrypoints.web.forms import FormErrors, kept
from staff.entrypoints.web.labels import PARTICIPANT_ROLE_LABELS as ROLE_LABELS
from staff.entrypoints.web.plans import describe_sub_goal, score_items, today
from staff.entrypoints.web.templating import render

router = APIRouter()
ApiDep = Annotated[Api, Depends(api)]

FORMULATION, GOALS = "formulation", "goals"

SETTING_LABELS: dict[str, str] = {
    FormulationSetting.PRACTICE_AND_PROGRESS: "Practice and Progress",
    FormulationSetting.RETHINK_SPACE: "Rethink Space",
    FormulationSetting.RETHINK_NEXT_STEPS_FORUM: "Rethink-Next Steps forum",
    FormulationSetting.GROUP_SUPERVISION: "Group supervision",
}


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "")).strip()


# --- Supervision -----------------------------------------------------------------------------


@router.get("/supervision")
async def plans_to_review(request: Request, client: ApiDep, cursor: str | None = None) -> Response:
    """Completed formulations, latest held first: each is a plan to scrutinise."""
    page = await client.page(
        FORMULATION, "/v1/formulations", {"status": "completed"}, cursor=cursor, limit=25
    )
    return render(
        request,
        "supervision/index.html",
        {"items": page.items, "next_cursor": page.next_cursor},
    )


async def review_context(client: Api, formulation_id: str) -> dict[str, Any]:
    result = await client.get(FORMULATION, f"/v1/formulations/{formulation_id}")
    f = result.body
    plans: list[Any] = []
    family_id = f.get("subject", {}).get("family_id")
    if family_id:
        try:
            summaries = (await client.page(GOALS, "/v1/plans", {"family_id": family_id})).items
            plans = list(
                await asyncio.gather(
                    *(client.get(GOALS, f"/v1/plans/{s['plan_id']}") for s in summaries)
                )
            )
        except ApiError:
            plans = []
    for plan in plans:
        for sg in plan.body["sub_goals"]:
            describe_sub_goal(sg)
    factors = {x["id"]: x for fs in f.get("factors", {}).values() for x in fs}
    return {
        "f": f,
        "version": result.version or str(f["revision"]),
        "factors": factors,
        "priorities": [x for x in f.get("factors", {}).get("perpetuating", []) if x["is_priority"]],
        "plans": [p.body for p in plans],
        "today": today().isoformat(),
    }


@router.get("/supervision/{formulation_id}")
async def review_page(formulation_id: str, request: Request, client: ApiDep) -> Response:
    context = await review_context(client, formulation_id)
    return render(request, "supervision/review.html", context)


@router.post("/supervision/{formulation_id}")
async def record_review(formulation_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    likely = _text(form, "likely")
    body = {
        "kind": _text(form, "kind") or None,
        "plan_likely_to_achieve_goal": None if not likely else likely == "yes",
        "why_not": _text(form, "why_not") or None,
        "changes": _text(form, "changes") or None,
    }
    fields = {
        "kind": "kind",
        "plan_likely_to_achieve_goal": "likely",
        "why_not": "why_not",
        "changes": "changes",
    }
    try:
        await client.post(
            FORMULATION,
            f"/v1/formulations/{formulation_id}/supervision-reviews",
            body,
            if_match=_text(form, "version"),
            record_path=f"/v1/formulations/{formulation_id}",
            return_to=f"/supervision/{formulation_id}",
        )
    except Refused as exc:
        context = await review_context(client, formulation_id)
        return render(
            request,
            "supervision/review.html",
            context,
            errors=FormErrors.from_api(exc, fields, fallback="review"),
            values=kept(form),
            status_code=exc.status,
        )
    return RedirectResponse(f"/supervision/{formulation_id}#reviews", status_code=303)


# --- Meetings --------------------------------------------------------------------------------


@router.get("/meetings")
async def meetings(
    request: Request,
    client: ApiDep,
    cursor: str | None = None,
    formulation_id: str | None = None,
) -> Response:
    """The meetings, newest first, and the form to record one (about `formulation_id` when
    started from a formulation's page)."""
    page = await client.page(FORMULATION, "/v1/meetings", cursor=cursor, limit=25)
    return render(
        request,
        "meetings/index.html",
        {
            "items": page.items,
            "next_cursor": page.next_cursor,
            "settings": SETTING_LABELS,
            "today": today().isoformat(),
        },
        values={"held_on": today().isoformat(), "formulation_id": formulation_id or ""},
    )


@router.post("/meetings")
async def record_meeting(request: Request, client: ApiDep) -> Response:
    form = await request.form()
    body: dict[str, Any] = {
        "setting": _text(form, "setting") or None,
        "held_on": _text(form, "held_on") or today().isoformat(),
    }
    if _text(form, "formulation_id"):
        body["formulation_id"] = _text(form, "formulation_id")
    try:
        result = await client.post(FORMULATION, "/v1/meetings", body)
    except Refused as exc:
        page = await client.page(FORMULATION, "/v1/meetings", limit=25)
        return render(
            request,
            "meetings/index.html",
            {"items": page.items, "next_cursor": page.next_cursor, "settings": SETTING_LABELS},
            errors=FormErrors.from_api(
                exc,
                {"setting": "setting", "held_on": "held_on", "formulation_id": "formulation_id"},
                fallback="new-meeting",
            ),
            values=kept(form),
            status_code=exc.status,
        )
    return RedirectResponse(f"/meetings/{result.body['id']}", status_code=303)


async def meeting_context(client: Api, meeting_id: str) -> dict[str, Any]:
    result = await client.get(FORMULATION, f"/v1/meetings/{meeting_id}")
    m = result.body
    start = {s["participant_id"]: s["score"] for s in m.get("start_scores", [])}
    end = {s["participant_id"]: s["score"] for s in m.get("end_scores", [])}
    return {
        "m": m,
        "version": result.version or str(m["revision"]),
        "setting_label": SETTING_LABELS.get(m["setting"], m["setting"]),
        "start": start,
        "end": end,
        "role_labels": ROLE_LABELS,
        "scores": score_items,
    }


async def show_meeting(
    request: Request,
    client: Api,
    meeting_id: str,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = await meeting_context(client, meeting_id)
    return render(
        request,
        "meetings/meeting.html",
        context,
        errors=errors,
        values=values,
        status_code=status_code,
    )


@router.get("/meetings/{meeting_id}")
async def meeting(meeting_id: str, request: Request, client: ApiDep) -> Response:
    return await show_meeting(request, client, meeting_id)


async def _meeting_change(
    request: Request,
    client: Api,
    meeting_id: str,
    method: str,
    path: str,
    body: Any,
    fields: Mapping[str, str],
    *,
    fallback: str,
) -> Response:
    form = await request.form()
    url = f"/v1/meetings/{meeting_id}{path}"
    options = {
        "if_match": _text(form, "version"),
        "record_path": f"/v1/meetings/{meeting_id}",
        "return_to": f"/meetings/{meeting_id}",
    }
    try:
        if method == "PUT":
            await client.put(FORMULATION, url, body, **options)
        else:
            await client.post(FORMULATION, url, body, **options)
    except Refused as exc:
        return await show_meeting(
            request,
            client,
            meeting_id,
            errors=FormErrors.from_api(exc, fields, fallback=fallback),
            values=kept(form),
            status_code=exc.status,
        )
    return RedirectResponse(f"/meetings/{meeting_id}#{fallback}", status_code=303)


@router.post("/meetings/{meeting_id}/participants")
async def add_meeting_participant(meeting_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    body: dict[str, Any] = {"role": _text(form, "role") or None}
    for key in ("agency_id", "user_id"):
        if _text(form, key):
            body[key] = _text(form, key)
    return await _meeting_change(
        request,
        client,
        meeting_id,
        "POST",
        "/participants",
        body,
        {"role": "role", "agency_id": "agency_id", "user_id": "user_id"},
        fallback="participants",
    )


@router.post("/meetings/{meeting_id}/alignment-scores/{moment}")
async def alignment_scores(
    meeting_id: str, moment: str, request: Request, client: ApiDep
) -> Response:
    """Each participant's score of how big the issue is, at the start or the end: one click
    each; a participant left blank is not scored."""
    form = await request.form()
    scores: list[dict[str, Any]] = []
    fields: dict[str, str] = {}
    for participant_id in form.getlist("participant_ids"):
        raw = _text(form, f"{moment}-{participant_id}")
        fields[f"scores.{len(scores)}"] = f"{moment}-{participant_id}"
        if raw:
            score: int | str = int(raw) if raw.isdigit() else raw
            scores.append({"participant_id": participant_id, "score": score})
    fields["scores"] = f"{moment}-scores"
    return await _meeting_change(
        request,
        client,
        meeting_id,
        "PUT",
        f"/alignment-scores/{moment}",
        {"scores": scores},
        fields,
        fallback=f"{moment}-scores",
    )


@router.post("/meetings/{meeting_id}/alignment")
async def measure_alignment(meeting_id: str, request: Request, client: ApiDep) -> Response:
    return await _meeting_change(
        request, client, meeting_id, "POST", "/alignment", None, {}, fallback="alignment"
    )
