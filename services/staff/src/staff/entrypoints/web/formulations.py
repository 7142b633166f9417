"""The Rethink Formulation editor (Appendix 3, Appendix 5 steps 1-6 and 14): who takes part,
the family structure, the 6 Ps with the main driving factors, the hypothesis, the overall goal,
the 4 Ps of prioritisation, the Next Steps, and the walk back shown as it fails with what to
fix; completing; versions and what changed between them; and opening the family plan.

Priority is never typed in: the formulation service computes it from the 4 Ps. Every change
sends the formulation's revision as the page showed it (If-Match).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from itertools import pairwise
from typing import Annotated, Any

from contracts.reference.formulation import SIX_P_LABELS, SIX_PS, SixP
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from staff.entrypoints.web.api import Api, ApiError, Refused
from staff.entrypoints.web.deps import api
from staff.entrypoints.web.forms import FormErrors, kept
from staff.entrypoints.web.labels import PARTICIPANT_ROLE_LABELS as ROLE_LABELS
from staff.entrypoints.web.plans import today
from staff.entrypoints.web.templating import render

router = APIRouter(prefix="/formulations")
ApiDep = Annotated[Api, Depends(api)]

FORMULATION, GOALS, REFERRALS = "formulation", "goals", "referrals"


# What each walk back gap asks the person to do.
GAP_FIXES: dict[str, str] = {
    "no_perpetuating_factor": "say which prioritised perpetuating factor it addresses",
    "factor_not_prioritised": (
        "the factor it addresses is not a priority: assess that factor against all 4 Ps, "
        "or choose a prioritised one"
    ),
    "no_presenting_issue": "say which presenting issue it walks back to",
}
FOUR_PS: tuple[tuple[str, str], ...] = (
    ("prerequisite", "Prerequisite: must change first for progress to start"),
    ("powerful", "Powerful: a strong driver of the issue"),
    ("proximal", "Proximal: closely connected to the issue"),
    ("participants_goals", "Participants' goals: important to what the family wants"),
)


def walk_back_view(formulation: Mapping[str, Any], walk: Mapping[str, Any]) -> dict[str, Any]:
    """The walk back as a person reads it: each failing step by its words with what to fix,
    each priority no step addresses, and what completing still needs."""
    steps = {s["id"]: s for s in formulation.get("next_steps", [])}
    factors = {f["id"]: f for fs in formulation.get("factors", {}).values() for f in fs}
    problems: list[dict[str, str]] = []  # the walk back's own gaps
    needs: list[dict[str, str]] = []  # what else completing needs
    for untraced in walk.get("untraced_steps", []):
        step = steps.get(untraced["step_id"], {"what": "A next step"})
        fixes = "; ".join(GAP_FIXES.get(g, g.replace("_", " ")) for g in untraced["gaps"])
        problems.append(
            {
                "text": f"Next step ‘{step['what']}’ does not walk back: {fixes}",
                "href": f"#step-{untraced['step_id']}",
            }
        )
    for factor_id in walk.get("unaddressed_priorities", []):
        factor = factors.get(factor_id, {"description": "A priority"})
        problems.append(
            {
                "text": f"No next step addresses the priority ‘{factor['description']}’: "
                "add a step for it, or change a step to address it",
                "href": "#add-step",
            }
        )
    for p in walk.get("unconsidered_ps", []):
        needs.append(
            {
                "text": f"{SIX_P_LABELS[SixP(p)]}: add a factor, or record that you considered "
                "it and there is nothing",
                "href": f"#p-{p}",
            }
        )
    for role in walk.get("missing_minimum_roles", []):
        needs.append(
            {
                "text": f"Add a participant for the {ROLE_LABELS.get(role, role).lower()} "
                "(at least the parents, the young person and the school)",
                "href": "#participants",
            }
        )
    seen = {p["text"] for p in problems + needs}
    for blocker in walk.get("blockers", []):
        field = blocker["field"]
        if field.startswith("next_steps.") or field in ("participants", "factors"):
            continue  # already said above, in the person's words
        text = f"{field.replace('_', ' ').capitalize()}: {blocker['message']}"
        if text not in seen:
            needs.append({"text": text, "href": f"#{field.replace('_', '-')}"})
    advice = [
        steps[sid]["what"]
        for sid in walk.get("steps_not_building_on_protective_factors", [])
        if sid in steps
    ]
    return {
        "passed": walk.get("passed", False),
        "can_complete": walk.get("can_complete", False),
        "overridden": walk.get("overridden", False),
        "problems": problems,
        "needs": needs,
        "advice": advice,
    }


async def editor_context(client: Api, formulation_id: str) -> dict[str, Any]:
    result, walk = await asyncio.gather(
        client.get(FORMULATION, f"/v1/formulations/{formulation_id}"),
        client.get(FORMULATION, f"/v1/formulations/{formulation_id}/walk-back"),
    )
    f = result.body
    factors = f.get("factors", {})
    plans: list[Any] = []
    if f.get("status") == "completed" and f.get("subject", {}).get("family_id"):
        try:
            page = await client.page(
                GOALS, "/v1/plans", {"family_id": f["subject"]["family_id"]}, limit=10
            )
            plans = page.items
        except ApiError:
            plans = []
    members: list[dict[str, Any]] = []
    family_id = f.get("subject", {}).get("family_id")
    if family_id:
        try:
            family = (await client.get(REFERRALS, f"/v1/families/{family_id}")).body
            members = family.get("members", [])
        except ApiError:
            members = []
    return {
        "f": f,
        "version": result.version or str(f["revision"]),
        "ps": [(p.value, SIX_P_LABELS[p], factors.get(p.value, [])) for p in SIX_PS],
        "all_factors": {x["id"]: x for fs in factors.values() for x in fs},
        "perpetuating": factors.get("perpetuating", []),
        "presenting": factors.get("presenting", []),
        "protective": factors.get("protective", []),
        "role_labels": ROLE_LABELS,
        "four_ps": FOUR_PS,
        "walk": walk_back_view(f, walk.body),
        "plans": plans,
        "members": members,
        "editable": f.get("status") == "draft",
        "today": today().isoformat(),
    }


async def show_editor(
    request: Request,
    client: Api,
    formulation_id: str,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = await editor_context(client, formulation_id)
    return render(
        request,
        "formulations/editor.html",
        context,
        errors=errors,
        values=values,
        status_code=status_code,
    )


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "")).strip()


async def _change(
    request: Request,
    client: Api,
    formulation_id: str,
    method: str,
    path: str,
    body: Any,
    fields: Mapping[str, str],
    anchor: str,
    *,
    fallback: str,
    problem_errors: bool = False,
) -> Response:
    """Send one change over the revision the page showed; on a refusal show the editor again
    with the error summary and the input kept; on success back to the part changed."""
    form = await request.form()
    version = str(form.get("version", ""))
    url = f"/v1/formulations/{formulation_id}{path}"
    record = f"/v1/formulations/{formulation_id}"
    back = f"/formulations/{formulation_id}"
    try:
        if method == "POST":
            await client.post(
                FORMULATION, url, body, if_match=version, record_path=record, return_to=back
            )
        elif method == "PUT":
            await client.put(
                FORMULATION, url, body, if_match=version, record_path=record, return_to=back
            )
        elif method == "PATCH":
            await client.patch(
                FORMULATION, url, body, if_match=version, record_path=record, return_to=back
            )
        else:
            await client.delete(
                FORMULATION, url, if_match=version, record_path=record, return_to=back
            )
    except Refused as exc:
        errors = FormErrors.from_api(exc, fields, fallback=fallback)
        if problem_errors:
            # Completion refused: the walk back on the page says, in words, what to fix.
            errors = FormErrors(description=exc.detail)
            errors.add("walk-back", "The formulation cannot be completed yet: see the walk back")
        return await show_editor(
            request,
            client,
            formulation_id,
            errors=errors,
            values=kept(form),
            status_code=exc.status,
        )
    return RedirectResponse(f"{back}#{anchor}", status_code=303)


# --- Pages -----------------------------------------------------------------------------------


@router.post("")
async def start(request: Request, client: ApiDep) -> Response:
    """Start a formulation with a family (a draft, version 1), then open its editor."""
    form = await request.form()
    family_id = _text(form, "family_id")
    body = {
        "subject_kind": "family",
        "subject_id": family_id,
        "family_id": family_id,
        "setting": _text(form, "setting") or "with_family",
        "held_on": _text(form, "held_on") or today().isoformat(),
    }
    try:
        result = await client.post(FORMULATION, "/v1/formulations", body)
    except Refused as exc:
        errors = FormErrors.from_api(
            exc, {"held_on": "held_on", "setting": "setting"}, fallback="start-formulation"
        )
        return render(
            request,
            "formulations/start.html",
            {"family_id": family_id},
            errors=errors,
            values=kept(form),
            status_code=exc.status,
        )
    return RedirectResponse(f"/formulations/{result.body['id']}", status_code=303)


@router.get("/new")
async def new(request: Request, family_id: str = "") -> Response:
    return render(
        request,
        "formulations/start.html",
        {"family_id": family_id},
        values={"held_on": today().isoformat()},
    )


@router.get("/{formulation_id}")
async def editor(formulation_id: str, request: Request, client: ApiDep) -> Response:
    return await show_editor(request, client, formulation_id)


@router.post("/{formulation_id}/participants")
async def add_participant(formulation_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    body: dict[str, Any] = {"role": _text(form, "role") or None}
    for key in ("person_id", "agency_id", "user_id"):
        if _text(form, key):
            body[key] = _text(form, key)
    fields = {
        "role": "role",
        "person_id": "person_id",
        "agency_id": "agency_id",
        "user_id": "user_id",
    }
    return await _change(
        request,
        client,
        formulation_id,
        "POST",
        "/participants",
        body,
        fields,
        "participants",
        fallback="participants",
    )


@router.post("/{formulation_id}/family-structure")
async def family_structure(formulation_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    members = [{"person_id": pid, "in_household": True} for pid in form.getlist("members")]
    relationships = []
    if _text(form, "from_person_id") and _text(form, "to_person_id"):
        relationships.append(
            {
                "from_person_id": _text(form, "from_person_id"),
                "to_person_id": _text(form, "to_person_id"),
                "kind": _text(form, "kind") or "other",
                "quality": _text(form, "quality") or None,
            }
        )
    body = {"members": members, "relationships": relationships}
    fields = {"members": "members", "relationships": "from_person_id"}
    return await _change(
        request,
        client,
        formulation_id,
        "PUT",
        "/family-structure",
        body,
        fields,
        "family-structure",
        fallback="family-structure",
    )


@router.post("/{formulation_id}/factors")
async def add_factor(formulation_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    p = _text(form, "p")
    body = {
        "p": p or None,
        "description": _text(form, f"description-{p}"),
        "is_main_driver": form.get(f"is_main_driver-{p}") == "yes",
    }
    fields = {
        "description": f"description-{p}",
        "p": f"description-{p}",
        "is_main_driver": f"is_main_driver-{p}",
    }
    return await _change(
        request,
        client,
        formulation_id,
        "POST",
        "/factors",
        body,
        fields,
        f"p-{p}",
        fallback=f"p-{p}",
    )


@router.post("/{formulation_id}/ps/{p}/considered-none")
async def considered_none(
    formulation_id: str, p: str, request: Request, client: ApiDep
) -> Response:
    return await _change(
        request,
        client,
        formulation_id,
        "PUT",
        f"/ps/{p}/considered-none",
        {"considered_none": True},
        {},
        f"p-{p}",
        fallback=f"p-{p}",
    )


@router.post("/{formulation_id}/factors/{factor_id}/prioritisation")
async def prioritise(
    formulation_id: str, factor_id: str, request: Request, client: ApiDep
) -> Response:
    form = await request.form()
    chosen = set(form.getlist(f"four-ps-{factor_id}"))
    body = {key: key in chosen for key, _ in FOUR_PS}
    return await _change(
        request,
        client,
        formulation_id,
        "PUT",
        f"/factors/{factor_id}/prioritisation",
        body,
        {k: f"four-ps-{factor_id}" for k, _ in FOUR_PS},
        f"factor-{factor_id}",
        fallback=f"factor-{factor_id}",
    )


@router.post("/{formulation_id}/hypothesis")
async def hypothesis(formulation_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    return await _change(
        request,
        client,
        formulation_id,
        "PUT",
        "/hypothesis",
        {"text": _text(form, "hypothesis")},
        {"text": "hypothesis"},
        "hypothesis",
        fallback="hypothesis",
    )


@router.post("/{formulation_id}/overall-goal")
async def overall_goal(formulation_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    body = {"description": _text(form, "goal"), "factor_ids": form.getlist("goal_factor_ids")}
    fields = {"description": "goal", "factor_ids": "goal_factor_ids"}
    return await _change(
        request,
        client,
        formulation_id,
        "PUT",
        "/overall-goal",
        body,
        fields,
        "overall-goal",
        fallback="overall-goal",
    )


def _step_body(form: FormData, prefix: str) -> dict[str, Any]:
    return {
        "what": _text(form, f"{prefix}what"),
        "owner_participant_id": _text(form, f"{prefix}owner") or None,
        "due_on": _text(form, f"{prefix}due_on") or None,
        "addresses_factor_id": _text(form, f"{prefix}addresses") or None,
        "presenting_issue_id": _text(form, f"{prefix}presenting") or None,
        "builds_on_factor_ids": form.getlist(f"{prefix}builds_on"),
    }


def _step_fields(prefix: str) -> dict[str, str]:
    return {
        "what": f"{prefix}what",
        "owner_participant_id": f"{prefix}owner",
        "due_on": f"{prefix}due_on",
        "addresses_factor_id": f"{prefix}addresses",
        "presenting_issue_id": f"{prefix}presenting",
        "builds_on_factor_ids": f"{prefix}builds_on",
    }


@router.post("/{formulation_id}/next-steps")
async def add_step(formulation_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    return await _change(
        request,
        client,
        formulation_id,
        "POST",
        "/next-steps",
        _step_body(form, "step-"),
        _step_fields("step-"),
        "next-steps",
        fallback="add-step",
    )


@router.post("/{formulation_id}/next-steps/{step_id}")
async def revise_step(
    formulation_id: str, step_id: str, request: Request, client: ApiDep
) -> Response:
    form = await request.form()
    prefix = f"step-{step_id}-"
    return await _change(
        request,
        client,
        formulation_id,
        "PUT",
        f"/next-steps/{step_id}",
        _step_body(form, prefix),
        _step_fields(prefix),
        f"step-{step_id}",
        fallback=f"step-{step_id}",
    )


@router.post("/{formulation_id}/complete")
async def complete(formulation_id: str, request: Request, client: ApiDep) -> Response:
    return await _change(
        request,
        client,
        formulation_id,
        "POST",
        "/complete",
        None,
        {},
        "walk-back",
        fallback="walk-back",
        problem_errors=True,
    )


@router.post("/{formulation_id}/plan")
async def open_plan(formulation_id: str, request: Request, client: ApiDep) -> Response:
    """Open the family plan from this (completed) formulation, with its overall goal."""
    form = await request.form()
    body = {
        "family_id": _text(form, "family_id"),
        "formulation_id": formulation_id,
        "overall_goal": _text(form, "overall_goal"),
        "opened_on": _text(form, "opened_on") or today().isoformat(),
    }
    try:
        result = await client.post(GOALS, "/v1/plans", body)
    except Refused as exc:
        errors = FormErrors.from_api(
            exc, {"overall_goal": "overall_goal", "opened_on": "opened_on"}, fallback="open-plan"
        )
        if exc.code == "formulation-not-completed":
            errors = FormErrors()
            errors.add(
                "open-plan",
                "The plan cannot open yet: the completed formulation has "
                "not reached the goals service. Try again in a moment",
            )
        return await show_editor(
            request,
            client,
            formulation_id,
            errors=errors,
            values=kept(form),
            status_code=exc.status,
        )
    return RedirectResponse(f"/plans/{result.body['plan_id']}", status_code=303)


@router.get("/{formulation_id}/versions")
async def versions(formulation_id: str, request: Request, client: ApiDep) -> Response:
    """Every version, oldest first, and what changed from each to the next."""
    history = (await client.get(FORMULATION, f"/v1/formulations/{formulation_id}/history")).body
    versions = history["versions"]
    comparisons = await asyncio.gather(
        *(
            client.get(
                FORMULATION,
                f"/v1/formulations/{later['id']}/compare",
                {"with": earlier["id"]},
            )
            for earlier, later in pairwise(versions)
        )
    )
    return render(
        request,
        "formulations/versions.html",
        {
            "versions": versions,
            "comparisons": [c.body for c in comparisons],
            "labels": SIX_P_LABELS,
            "formulation_id": formulation_id,
        },
    )
