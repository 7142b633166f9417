"""RES practitioners and managers: my families (allocation, formulation, plan and the next
review of each), and the team's caseloads and spare capacity with reallocation to another lead
worker. The referrals service owns allocations and capacity; nothing is counted here.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from contracts.reference.referrals import ReallocationReason
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from staff.entrypoints.web.api import Api, ApiError, Refused
from staff.entrypoints.web.deps import api, current_session
from staff.entrypoints.web.forms import FormErrors, kept
from staff.entrypoints.web.templating import render

router = APIRouter()
ApiDep = Annotated[Api, Depends(api)]

REFERRALS, FORMULATION, GOALS = "referrals", "formulation", "goals"

REALLOCATION_LABELS: dict[str, str] = {
    ReallocationReason.WORKER_LEFT_OR_ABSENT: "The lead worker has left or is away",
    ReallocationReason.CASELOAD_BALANCE: "To balance caseloads",
    ReallocationReason.SKILLS_NEEDED: "The family needs other skills",
    ReallocationReason.FAMILY_REQUEST: "The family asked",
}


async def _by_family(
    client: Api, service: str, path: str, params: dict[str, Any]
) -> dict[str, Any]:
    """The newest item per family of a list (lists come newest first)."""
    try:
        items = await client.all_items(service, path, params, max_items=300)
    except ApiError:
        return {}
    found: dict[str, Any] = {}
    for item in items:
        found.setdefault(str(item.get("family_id")), item)
    return found


@router.get("/families")
async def my_families(request: Request, client: ApiDep, cursor: str | None = None) -> Response:
    user = current_session(request).user
    team = {"team_id": user.team_id} if user.team_id else {}
    page = await client.page(
        REFERRALS, "/v1/allocations", {**team, "status": "open"}, cursor=cursor, limit=25
    )
    formulations, plans, overdue = await asyncio.gather(
        _by_family(client, FORMULATION, "/v1/formulations", team),
        _by_family(client, GOALS, "/v1/plans", team),
        _by_family(client, GOALS, "/v1/reviews/overdue", team),
    )
    rows = [
        {
            "allocation": a,
            "mine": a["lead_worker_id"] == user.subject,
            "formulation": formulations.get(str(a["family_id"])),
            "plan": plans.get(str(a["family_id"])),
            "overdue": overdue.get(str(a["family_id"])),
        }
        for a in page.items
    ]
    rows.sort(key=lambda r: (not r["mine"], r["allocation"]["allocated_at"]))
    return render(request, "families/index.html", {"rows": rows, "page": page})


async def team_context(client: Api, team_id: str) -> dict[str, Any]:
    workers, allocations = await asyncio.gather(
        client.get(REFERRALS, f"/v1/teams/{team_id}/workers"),
        client.all_items(
            REFERRALS, "/v1/allocations", {"team_id": team_id, "status": "open"}, max_items=500
        ),
    )
    body = workers.body
    names = {w["worker_id"]: w.get("display_name") or w["worker_id"] for w in body["items"]}
    return {
        "team_id": team_id,
        "workers": body["items"],
        "spare": body["spare_capacity"],
        "allocations": allocations,
        "names": names,
        "reasons": REALLOCATION_LABELS,
    }


@router.get("/team")
async def team(request: Request, client: ApiDep) -> Response:
    user = current_session(request).user
    team_id = user.team_id or str(request.query_params.get("team_id", ""))
    if not team_id:
        return render(request, "families/no-team.html", {})
    return render(request, "families/team.html", await team_context(client, team_id))


@router.post("/team/allocations/{allocation_id}/reallocation")
async def reallocate(allocation_id: str, request: Request, client: ApiDep) -> Response:
    """Another lead worker in the team; the referrals service checks their capacity."""
    form = await request.form()
    prefix = f"realloc-{allocation_id}-"
    body: dict[str, Any] = {"reason": str(form.get(f"{prefix}reason", "")) or None}
    worker = str(form.get(f"{prefix}worker_id", ""))
    if worker:
        body["worker_id"] = worker
    try:
        await client.post(
            REFERRALS,
            f"/v1/allocations/{allocation_id}/reallocation",
            body,
            if_match=str(form.get("version", "")),
            record_path=f"/v1/allocations/{allocation_id}",
            return_to="/team",
        )
    except Refused as problem:
        user = current_session(request).user
        context = await team_context(client, user.team_id or str(form.get("team_id", "")))
        errors = FormErrors.from_api(
            problem,
            {"reason": f"{prefix}reason", "worker_id": f"{prefix}worker_id"},
            fallback=f"allocation-{allocation_id}",
        )
        return render(
            request,
            "families/team.html",
            context,
            errors=errors,
            values=kept(form),
            status_code=problem.status,
        )
    return RedirectResponse("/team#allocations", status_code=303)
