"""The family plan (Appendix 5 steps 5-16): at most three active sub-goals, each with its
Children and Families code and the family's baseline; this week's scores for every active
sub-goal in one form; the progress chart; reviews due and overdue; evaluation; closure with
the sustainability plan; and the family's feedback. Everything goes through the goals API.

Each sub-goal has its own page of actions (steps 9-10): SMART actions agreed with the family,
each with its activity category (the categories of the evaluation's Table 4), started from the
formulation's Next Steps or written afresh, and what was done on each as it happens.

Each form sends the plan's version as the page showed it (If-Match): a plan changed since
answers 412 and the person sees the plan as it is now. Refusals come back as the GOV.UK
error summary with the input kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from contracts.reference.codes import CURRENT_EDITION, EDITIONS
from contracts.reference.formulation import SIX_PS, SixP
from contracts.reference.goals import (
    ACTIVITY_CATEGORY_LABELS,
    CLOSURE_REASON_LABELS,
    EVALUATION_DECISION_LABELS,
    MOVEMENT_LABELS,
    PLAN_STATUS_LABELS,
    RETURN_TO_FORMULATION_REASON_LABELS,
    SUB_GOAL_END_STATE_LABELS,
    SUB_GOAL_STATUS_LABELS,
    ActivityCategory,
    ClosureReason,
    Movement,
    SubGoalStatus,
)
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from staff.entrypoints.web import charts
from staff.entrypoints.web.api import Api, ApiError, NotFoundError, Refused
from staff.entrypoints.web.deps import api
from staff.entrypoints.web.forms import FormErrors, kept
from staff.entrypoints.web.labels import PARTICIPANT_ROLE_LABELS
from staff.entrypoints.web.tables import Table
from staff.entrypoints.web.templating import render

router = APIRouter(prefix="/plans")
ApiDep = Annotated[Api, Depends(api)]

GOALS, FORMULATION, REFERRALS = "goals", "formulation", "referrals"
LEEDS = ZoneInfo("Europe/London")
MAX_ACTIVE = 3


def today() -> date:
    """Practice dates are Leeds dates."""
    return datetime.now(LEEDS).date()


def code_items(chosen: str = "") -> list[dict[str, Any]]:
    rows = EDITIONS[CURRENT_EDITION]
    return [{"value": "", "text": "Choose a code"}] + [
        {"value": r.code, "text": f"{r.code}: {r.priority}", "selected": r.code == chosen}
        for r in rows
    ]


def _enum_items(labels: Mapping[Any, str], chosen: str = "") -> list[dict[str, Any]]:
    return [{"value": str(k), "text": v, "checked": str(k) == chosen} for k, v in labels.items()]


def score_items(name_chosen: str = "") -> list[dict[str, Any]]:
    """0 to 10 as radios, in a row: one click a score."""
    return [{"value": str(n), "text": str(n), "checked": str(n) == name_chosen} for n in range(11)]


# --- Reading the plan and what it refers to ---------------------------------------------------


async def _people(client: Api, formulation: Mapping[str, Any]) -> dict[str, str]:
    """The family members a sub-goal can be about: the formulation's people, named by the
    referrals service where it lets this person read them, else by their role."""
    roles: dict[str, str] = {}
    for p in formulation.get("participants", []):
        if p.get("person_id"):
            roles[p["person_id"]] = str(p["role"]).replace("_", " ").capitalize()
    for m in formulation.get("family_structure", {}).get("members", []):
        roles.setdefault(m["person_id"], "Family member")

    async def name(person_id: str) -> tuple[str, str]:
        try:
            body = (await client.get(REFERRALS, f"/v1/people/{person_id}")).body
        except ApiError:
            return person_id, roles[person_id]
        full = " ".join(x for x in (body.get("given_name"), body.get("family_name")) if x)
        return person_id, f"{full} ({roles[person_id].lower()})" if full else roles[person_id]

    return dict(await asyncio.gather(*(name(pid) for pid in roles)))


def _factors(formulation: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in SIX_PS:
        for f in formulation.get("factors", {}).get(p.value, []):
            if p in (SixP.PRESENTING, SixP.PERPETUATING, SixP.PROTECTIVE):
                out.append({"id": f["id"], "p": p.value, "text": f["description"]})
    return out


def progress_figure(progress: Mapping[str, Any]) -> tuple[charts.Chart, Table]:
    series: list[charts.Series] = []
    rows: list[list[Any]] = []
    for sg in progress["sub_goals"]:
        label = f"{sg['code']} {sg['what']}"
        baseline = next((p for p in sg["points"] if p["is_baseline"]), None)
        scored = [p for p in sg["points"] if not p["is_baseline"]]
        if baseline is None and not scored:
            continue
        series.append(
            charts.Series(
                label[:60],
                [(date.fromisoformat(p["on"]), float(p["score"])) for p in scored],
                None
                if baseline is None
                else (date.fromisoformat(baseline["on"]), float(baseline["score"])),
            )
        )
        for p in sg["points"]:
            rows.append(
                [sg["code"], p["on"], "Baseline" if p["is_baseline"] else "Score", p["score"]]
            )
    table = Table(
        "progress-scores",
        "Scores over time",
        ["Sub-goal", "Date", "Kind", "Score (0 to 10)"],
        rows,
        numeric_from=3,
    )
    return charts.progress_chart(series), table


def review_state(sub_goal: Mapping[str, Any], on: date) -> tuple[str, str] | None:
    """A review's tag: (text, colour) for one due this week or overdue; None otherwise."""
    due = sub_goal.get("review_due_on")
    if sub_goal.get("status") != SubGoalStatus.ACTIVE or not due:
        return None
    days = (date.fromisoformat(due) - on).days
    if days < 0:
        return f"Review overdue by {-days} day{'s' if days != -1 else ''}", "red"
    if days <= 7:
        return ("Review due today" if days == 0 else f"Review due in {days} days"), "yellow"
    return None


def describe_sub_goal(sg: dict[str, Any]) -> None:
    """A sub-goal as the API answers it, with its status, movement and actions' kinds of work
    in words."""
    sg["status_label"] = SUB_GOAL_STATUS_LABELS[SubGoalStatus(sg["status"])]
    sg["movement_label"] = MOVEMENT_LABELS[Movement(sg["movement"])]
    for action in sg["actions"]:
        action["category_label"] = ACTIVITY_CATEGORY_LABELS[ActivityCategory(action["category"])]


async def plan_context(client: Api, plan_id: str) -> dict[str, Any]:
    result = await client.get(GOALS, f"/v1/plans/{plan_id}")
    plan = result.body
    progress_result, formulation_result = await asyncio.gather(
        client.get(GOALS, f"/v1/plans/{plan_id}/progress"),
        client.get(FORMULATION, f"/v1/formulations/{plan['formulation_id']}"),
        return_exceptions=True,
    )
    formulation = (
        formulation_result.body if not isinstance(formulation_result, BaseException) else {}
    )
    people = await _people(client, formulation) if formulation else {}
    figure = None
    if not isinstance(progress_result, BaseException):
        figure = await run_in_threadpool(progress_figure, progress_result.body)
    on = today()
    sub_goals = plan["sub_goals"]
    for sg in sub_goals:
        describe_sub_goal(sg)
        sg["review"] = review_state(sg, on)
    active = [sg for sg in sub_goals if sg["status"] == SubGoalStatus.ACTIVE]
    return {
        "plan": plan,
        "version": result.version or str(plan["version"]),
        "status_label": PLAN_STATUS_LABELS.get(plan["status"], plan["status"]),
        "active": active,
        "queued": [sg for sg in sub_goals if sg["status"] == SubGoalStatus.QUEUED],
        "ended": [
            sg
            for sg in sub_goals
            if sg["status"] not in (SubGoalStatus.ACTIVE, SubGoalStatus.QUEUED)
        ],
        "room": MAX_ACTIVE - len(active),
        "people": people,
        "formulation": formulation,
        "factors": _factors(formulation),
        "figure": figure,
        "today": on.isoformat(),
        "codes": code_items,
        "scores": score_items,
        "closure_reasons": CLOSURE_REASON_LABELS,
        "return_reasons": RETURN_TO_FORMULATION_REASON_LABELS,
        "end_states": SUB_GOAL_END_STATE_LABELS,
        "decisions": EVALUATION_DECISION_LABELS,
        "activity_categories": ACTIVITY_CATEGORY_LABELS,
        "enum_items": _enum_items,
    }


async def show_plan(
    request: Request,
    client: Api,
    plan_id: str,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = await plan_context(client, plan_id)
    context.pop("formulation")
    return render(
        request, "plans/plan.html", context, errors=errors, values=values, status_code=status_code
    )


async def _submit(
    request: Request,
    client: Api,
    plan_id: str,
    path: str,
    body: Any,
    fields: Mapping[str, str],
    anchor: str,
    *,
    fallback: str,
    sub_goal_id: str | None = None,
) -> Response:
    """Send one change of the plan over the version the page showed; back to the plan's page
    (or the sub-goal's, given `sub_goal_id`) at `anchor`, or that page again with the refusal."""
    form = await request.form()
    page = f"/plans/{plan_id}" + (f"/sub-goals/{sub_goal_id}" if sub_goal_id else "")
    try:
        await client.post(
            GOALS,
            f"/v1/plans/{plan_id}{path}",
            body,
            if_match=str(form.get("version", "")),
            record_path=f"/v1/plans/{plan_id}",
            return_to=page,
        )
    except Refused as exc:
        errors = FormErrors.from_api(exc, fields, fallback=fallback)
        if sub_goal_id:
            return await show_sub_goal(
                request,
                client,
                plan_id,
                sub_goal_id,
                errors=errors,
                values=kept(form),
                status_code=exc.status,
            )
        return await show_plan(
            request, client, plan_id, errors=errors, values=kept(form), status_code=exc.status
        )
    return RedirectResponse(f"{page}#{anchor}", status_code=303)


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "")).strip()


def _score(form: Mapping[str, Any], name: str) -> int | str | None:
    raw = _text(form, name)
    if not raw:
        return None
    return int(raw) if raw.isdigit() else raw


def _scorer(form: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    who = _text(form, f"{prefix}given_by") or "worker"
    if who == "worker":
        return {"kind": "worker"}
    return {"kind": "family", "person_id": who}


# --- A sub-goal's actions --------------------------------------------------------------------


def _next_steps(formulation: Mapping[str, Any], people: Mapping[str, str]) -> list[dict[str, Any]]:
    """The formulation's Next Steps, each with who does it in words, to start an action from."""
    owners: dict[str, str] = {}
    for p in formulation.get("participants", []):
        owners[p["id"]] = people.get(p.get("person_id") or "") or PARTICIPANT_ROLE_LABELS.get(
            p["role"], str(p["role"]).replace("_", " ").capitalize()
        )
    return [
        {
            "id": step["id"],
            "what": step["what"],
            "who": owners.get(step["owner_participant_id"], ""),
            "due_on": step["due_on"],
        }
        for step in formulation.get("next_steps", [])
    ]


async def sub_goal_context(
    client: Api, plan_id: str, sub_goal_id: str, from_step: str | None = None
) -> dict[str, Any]:
    context = await plan_context(client, plan_id)
    found = next(
        (sg for sg in context["plan"]["sub_goals"] if sg["sub_goal_id"] == sub_goal_id), None
    )
    if found is None:
        raise NotFoundError(404, {"title": "no such sub-goal on this plan"}, GOALS)
    formulation = context.pop("formulation")
    steps = _next_steps(formulation, context["people"])
    step = next((s for s in steps if s["id"] == from_step), None)
    prefill = {"what": step["what"], "who": step["who"], "by_when": step["due_on"]} if step else {}
    return {**context, "sg": found, "next_steps": steps, "prefill": prefill}


async def show_sub_goal(
    request: Request,
    client: Api,
    plan_id: str,
    sub_goal_id: str,
    *,
    from_step: str | None = None,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context = await sub_goal_context(client, plan_id, sub_goal_id, from_step)
    return render(
        request,
        "plans/sub-goal.html",
        context,
        errors=errors,
        values={**context["prefill"], **(values or {})},
        status_code=status_code,
    )


@router.get("/{plan_id}/sub-goals/{sub_goal_id}")
async def sub_goal_page(
    plan_id: str,
    sub_goal_id: str,
    request: Request,
    client: ApiDep,
    from_step: str | None = None,
) -> Response:
    return await show_sub_goal(request, client, plan_id, sub_goal_id, from_step=from_step)


@router.post("/{plan_id}/sub-goals/{sub_goal_id}/actions")
async def agree_action(
    plan_id: str, sub_goal_id: str, request: Request, client: ApiDep
) -> Response:
    form = await request.form()
    body = {
        "what": _text(form, "what"),
        "who": _text(form, "who"),
        "by_when": _text(form, "by_when") or None,
        "category": _text(form, "category") or None,
        "on": _text(form, "agreed_on") or today().isoformat(),
    }
    fields = {k: k for k in ("what", "who", "by_when", "category")} | {"on": "agreed_on"}
    return await _submit(
        request,
        client,
        plan_id,
        f"/sub-goals/{sub_goal_id}/actions",
        body,
        fields,
        "actions",
        fallback="agree-action",
        sub_goal_id=sub_goal_id,
    )


@router.post("/{plan_id}/sub-goals/{sub_goal_id}/actions/{action_id}/progress")
async def action_progress(
    plan_id: str, sub_goal_id: str, action_id: str, request: Request, client: ApiDep
) -> Response:
    form = await request.form()
    prefix = f"done-{action_id}-"
    body = {
        "on": _text(form, f"{prefix}on") or today().isoformat(),
        "note": _text(form, f"{prefix}note"),
    }
    return await _submit(
        request,
        client,
        plan_id,
        f"/sub-goals/{sub_goal_id}/actions/{action_id}/progress",
        body,
        {"on": f"{prefix}on", "note": f"{prefix}note"},
        f"action-{action_id}",
        fallback=f"action-{action_id}",
        sub_goal_id=sub_goal_id,
    )


# --- Pages -----------------------------------------------------------------------------------


@router.get("/{plan_id}")
async def plan_page(plan_id: str, request: Request, client: ApiDep) -> Response:
    return await show_plan(request, client, plan_id)


@router.post("/{plan_id}/sub-goals")
async def add_sub_goal(plan_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    body = {
        "what": _text(form, "what"),
        "measure": _text(form, "measure"),
        "by_when": _text(form, "by_when") or None,
        "code": _text(form, "code"),
        "person_ids": form.getlist("person_ids"),
        "factor_ids": form.getlist("factor_ids"),
        "on": _text(form, "agreed_on") or today().isoformat(),
        "queue": form.get("queue") == "yes",
    }
    fields = {
        "what": "what",
        "measure": "measure",
        "by_when": "by_when",
        "code": "code",
        "person_ids": "person_ids",
        "factor_ids": "factor_ids",
        "on": "agreed_on",
        "queue": "queue",
    }
    return await _submit(
        request, client, plan_id, "/sub-goals", body, fields, "sub-goals", fallback="add-sub-goal"
    )


@router.post("/{plan_id}/sub-goals/{sub_goal_id}/baseline")
async def baseline(plan_id: str, sub_goal_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    prefix = f"baseline-{sub_goal_id}-"
    body = {
        "score": _score(form, f"{prefix}score"),
        "on": _text(form, f"{prefix}on") or today().isoformat(),
        "given_by": _scorer(form, prefix),
    }
    fields = {"score": f"{prefix}score", "on": f"{prefix}on", "given_by": f"{prefix}given_by"}
    return await _submit(
        request,
        client,
        plan_id,
        f"/sub-goals/{sub_goal_id}/baseline",
        body,
        fields,
        f"sub-goal-{sub_goal_id}",
        fallback=f"sub-goal-{sub_goal_id}",
    )


@router.post("/{plan_id}/scores")
async def weekly_scores(plan_id: str, request: Request, client: ApiDep) -> Response:
    """This week's scores for every active sub-goal, one click each, sent one by one over the
    plan's version as each answer returns it. A refusal stops there; the scores before it are
    saved and the page says which."""
    form = await request.form()
    on = _text(form, "scored_on") or today().isoformat()
    version = str(form.get("version", ""))
    sent: list[str] = []
    for sub_goal_id in [str(v) for v in form.getlist("sub_goal_ids")]:
        score = _score(form, f"score-{sub_goal_id}")
        if score is None:
            continue
        body = {
            "score": score,
            "on": on,
            "given_by": _scorer(form, ""),
            "note": _text(form, f"note-{sub_goal_id}"),
        }
        try:
            result = await client.post(
                GOALS,
                f"/v1/plans/{plan_id}/sub-goals/{sub_goal_id}/scores",
                body,
                if_match=version,
                record_path=f"/v1/plans/{plan_id}",
                return_to=f"/plans/{plan_id}",
            )
        except Refused as exc:
            fields = {
                "score": f"score-{sub_goal_id}",
                "on": "scored_on",
                "given_by": "given_by",
                "note": f"note-{sub_goal_id}",
            }
            errors = FormErrors.from_api(exc, fields, fallback="this-week")
            if sent:
                errors.description = f"{len(sent)} score(s) before this one were saved."
            values = kept(form)
            for saved in sent:
                values.pop(f"score-{saved}", None)
            return await show_plan(
                request, client, plan_id, errors=errors, values=values, status_code=exc.status
            )
        version = result.version or version
        sent.append(sub_goal_id)
    if not sent:
        errors = FormErrors()
        errors.add("this-week", "Choose a score for at least one sub-goal")
        return await show_plan(
            request, client, plan_id, errors=errors, values=kept(form), status_code=400
        )
    return RedirectResponse(f"/plans/{plan_id}#progress", status_code=303)


@router.post("/{plan_id}/sub-goals/{sub_goal_id}/evaluations")
async def evaluate(plan_id: str, sub_goal_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    prefix = f"evaluation-{sub_goal_id}-"
    body = {
        "score": _score(form, f"{prefix}score"),
        "on": _text(form, f"{prefix}on") or today().isoformat(),
        "decision": _text(form, f"{prefix}decision") or None,
        "rationale": _text(form, f"{prefix}rationale"),
    }
    fields = {k: f"{prefix}{k}" for k in ("score", "on", "decision", "rationale")}
    return await _submit(
        request,
        client,
        plan_id,
        f"/sub-goals/{sub_goal_id}/evaluations",
        body,
        fields,
        f"sub-goal-{sub_goal_id}",
        fallback=f"sub-goal-{sub_goal_id}",
    )


@router.post("/{plan_id}/sub-goals/{sub_goal_id}/end")
async def end_sub_goal(
    plan_id: str, sub_goal_id: str, request: Request, client: ApiDep
) -> Response:
    form = await request.form()
    prefix = f"end-{sub_goal_id}-"
    body = {
        "end_state": _text(form, f"{prefix}end_state") or None,
        "on": _text(form, f"{prefix}on") or today().isoformat(),
    }
    fields = {"end_state": f"{prefix}end_state", "on": f"{prefix}on"}
    return await _submit(
        request,
        client,
        plan_id,
        f"/sub-goals/{sub_goal_id}/end",
        body,
        fields,
        "sub-goals",
        fallback=f"sub-goal-{sub_goal_id}",
    )


@router.post("/{plan_id}/sub-goals/{sub_goal_id}/start")
async def start_sub_goal(
    plan_id: str, sub_goal_id: str, request: Request, client: ApiDep
) -> Response:
    return await _submit(
        request,
        client,
        plan_id,
        f"/sub-goals/{sub_goal_id}/start",
        {"on": today().isoformat()},
        {},
        "sub-goals",
        fallback=f"sub-goal-{sub_goal_id}",
    )


@router.post("/{plan_id}/closure")
async def close_plan(plan_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()
    body = {
        "reason": _text(form, "reason") or None,
        "closed_on": _text(form, "closed_on") or today().isoformat(),
        "review_held_on": _text(form, "review_held_on") or today().isoformat(),
        "sustainability_plan": {
            "worked_on": _text(form, "worked_on"),
            "achieved": _text(form, "achieved"),
            "how_family_continues": _text(form, "how_family_continues"),
            "supports": [
                {
                    "who": _text(form, "support_who"),
                    "keeps_doing": _text(form, "support_keeps_doing"),
                    "contact": _text(form, "support_contact"),
                }
            ],
            "look_out_for": _text(form, "look_out_for"),
        },
    }
    fields = {
        "reason": "reason",
        "closed_on": "closed_on",
        "review_held_on": "review_held_on",
        "sustainability_plan.worked_on": "worked_on",
        "sustainability_plan.achieved": "achieved",
        "sustainability_plan.how_family_continues": "how_family_continues",
        "sustainability_plan.supports.0.who": "support_who",
        "sustainability_plan.supports.0.keeps_doing": "support_keeps_doing",
        "sustainability_plan.supports.0.contact": "support_contact",
        "sustainability_plan.look_out_for": "look_out_for",
    }
    return await _submit(
        request, client, plan_id, "/closure", body, fields, "closure", fallback="closure"
    )


@router.post("/{plan_id}/return-to-formulation")
async def return_to_formulation(plan_id: str, request: Request, client: ApiDep) -> Response:
    """Step 14: a plan that is not progressing goes back to formulation, saying why; its open
    sub-goals end as replaced and the revised formulation opens the next plan."""
    form = await request.form()
    body = {
        "reason": _text(form, "return_reason") or None,
        "rationale": _text(form, "return_rationale"),
        "on": _text(form, "returned_on") or today().isoformat(),
    }
    fields = {"reason": "return_reason", "rationale": "return_rationale", "on": "returned_on"}
    return await _submit(
        request,
        client,
        plan_id,
        "/return-to-formulation",
        body,
        fields,
        "returned",
        fallback="return-to-formulation",
    )


@router.post("/{plan_id}/feedback")
async def feedback(plan_id: str, request: Request, client: ApiDep) -> Response:
    form = await request.form()

    def yes_no(name: str) -> bool | None:
        value = _text(form, name)
        return None if not value else value == "yes"

    body = {
        "treated_with_respect": yes_no("treated_with_respect"),
        "would_recommend": yes_no("would_recommend"),
        "service_rating": _score(form, "service_rating"),
        "worker_communication_rating": _score(form, "worker_communication_rating"),
        "understood_process_rating": _score(form, "understood_process_rating"),
    }
    fields = {k: k for k in body}
    return await _submit(
        request, client, plan_id, "/feedback", body, fields, "feedback", fallback="feedback"
    )


__all__ = ["ClosureReason", "router"]
