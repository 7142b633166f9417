"""Family plans: open from a formulation, set and score sub-goals, act, evaluate, close."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from contracts.reference.goals import (
    DEFAULT_TRACKING_FREQUENCY,
    ActivityCategory,
    ClosureReason,
    EvaluationDecision,
    PlanStatus,
    ReturnToFormulationReason,
    ScorerKind,
    SubGoalEndState,
    TrackingFrequency,
)
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ConfigDict, Field, model_validator
from runtime import audit
from runtime.app import get_db, get_uow
from runtime.concurrency import require_if_match, set_etag
from runtime.db import Database, utcnow
from runtime.families import members_by_family, people_touched, per_person
from runtime.fields import PracticeDate, today
from runtime.identity import Principal
from runtime.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PageCursor,
    next_cursor,
    page_request,
)
from runtime.security import principal
from runtime.uow import UnitOfWork

from goals.adapters import orm
from goals.adapters.repository import PlanRepository
from goals.adapters.views import PlanFilters, list_plans
from goals.domain.closure import ClosingReview, Support, SustainabilityPlan
from goals.domain.feedback import FamilyFeedback
from goals.domain.scores import Scorer
from goals.entrypoints.api.fields import (
    Code,
    Note,
    Rating,
    Score,
    ShortText,
    Strict,
    Text,
    visibility_of,
)
from goals.entrypoints.api.responses import (
    PlanPageResponse,
    PlanResponse,
    plan_response,
    plan_summary,
)
from goals.service_layer import plans as use_cases
from goals.service_layer.plans import Changed, PlanChange

router = APIRouter(prefix="/v1/plans", tags=["plans"])

Ids = Annotated[list[uuid.UUID], Field(min_length=1, max_length=20)]


# -- request bodies --------------------------------------------------------------------------


class OpenPlanRequest(Strict):
    family_id: uuid.UUID
    formulation_id: uuid.UUID = Field(description="a completed formulation of this family")
    overall_goal: Text = Field(description="the overall goal from the formulation (step 5)")
    opened_on: PracticeDate | None = Field(None, description="the day it was agreed; default today")


class SetSubGoalRequest(Strict):
    what: Text = Field(description="specific: what the family wants to change")
    measure: Text = Field(description="measurable: how progress will be seen")
    by_when: date
    code: Code = Field(description="exactly one Children and Families code, e.g. S1")
    person_ids: Ids = Field(description="the family members the sub-goal is about")
    factor_ids: Ids = Field(description="the formulation factors it addresses")
    on: PracticeDate = Field(description="the day it was agreed with the family")
    tracking_frequency: TrackingFrequency = DEFAULT_TRACKING_FREQUENCY
    queue: bool = Field(False, description="wait until a place among the three active is free")


class StartSubGoalRequest(Strict):
    on: PracticeDate


class AgreeTrackingFrequencyRequest(Strict):
    tracking_frequency: TrackingFrequency


class ScorerRequest(Strict):
    # The schema says what the validator below checks: a family member is named, a worker not.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {
                    "properties": {
                        "kind": {"const": "family"},
                        "person_id": {"not": {"type": "null"}},
                    },
                    "required": ["kind", "person_id"],
                },
                {
                    "properties": {"kind": {"const": "worker"}, "person_id": {"type": "null"}},
                    "required": ["kind"],
                },
            ]
        },
    )

    kind: ScorerKind
    person_id: uuid.UUID | None = Field(None, description="the family member, when kind=family")

    @model_validator(mode="after")
    def _family_member_named(self) -> ScorerRequest:
        if self.kind is ScorerKind.FAMILY and self.person_id is None:
            raise ValueError("name the family member who gave the score (person_id)")
        if self.kind is ScorerKind.WORKER and self.person_id is not None:
            raise ValueError("a worker's score is recorded as the signed-in worker's")
        return self


class BaselineRequest(Strict):
    score: Score
    on: PracticeDate
    given_by: ScorerRequest


class ScoreRequest(Strict):
    score: Score
    on: PracticeDate
    given_by: ScorerRequest
    note: Note = ""


class EvaluationRequest(Strict):
    score: Score
    on: PracticeDate
    decision: EvaluationDecision
    rationale: Text


class EndSubGoalRequest(Strict):
    end_state: SubGoalEndState
    on: PracticeDate
    promote: uuid.UUID | None = Field(None, description="a queued sub-goal to start instead")
    promote_next: bool = Field(True, description="start the next queued sub-goal")


class ActionRequest(Strict):
    what: Text
    who: ShortText
    by_when: date
    category: ActivityCategory
    on: PracticeDate


class ActionProgressRequest(Strict):
    on: PracticeDate
    note: Text


class SupportRequest(Strict):
    who: ShortText
    keeps_doing: Text
    contact: ShortText


class SustainabilityPlanRequest(Strict):
    worked_on: Text = Field(description="a) what has been worked on")
    achieved: Text = Field(description="b) what has been achieved")
    how_family_continues: Text = Field(description="c) how the family will carry on")
    supports: Annotated[list[SupportRequest], Field(min_length=1, max_length=20)] = Field(
        description="d) what their supports keep doing, and how to contact them"
    )
    look_out_for: Text = Field(description="e) what to look out for")


class ClosePlanRequest(Strict):
    reason: ClosureReason
    closed_on: PracticeDate
    review_held_on: PracticeDate
    sustainability_plan: SustainabilityPlanRequest


class ReturnToFormulationRequest(Strict):
    reason: ReturnToFormulationReason
    rationale: Text
    on: PracticeDate


class FeedbackRequest(Strict):
    treated_with_respect: bool
    would_recommend: bool
    service_rating: Rating
    worker_communication_rating: Rating
    understood_process_rating: Rating
    on: PracticeDate | None = Field(None, description="the day the family gave it; default today")


def _scorer(body: ScorerRequest, caller: Principal) -> Scorer:
    if body.kind is ScorerKind.FAMILY and body.person_id is not None:
        return Scorer.family(body.person_id)
    return Scorer.worker(caller.subject)


# -- reading -----------------------------------------------------------------------------------


@router.get("", summary="Plans the caller may see, newest first")
async def list_family_plans(
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
    family_id: uuid.UUID | None = None,
    team_id: str | None = Query(None, max_length=64),
    code: str | None = Query(None, max_length=8, description="a Children and Families code"),
    status: PlanStatus | None = None,
    overdue: bool | None = Query(None, description="has a sub-goal overdue a review"),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
    cursor: PageCursor = None,
) -> PlanPageResponse:
    filters = PlanFilters(
        family_id=family_id,
        team_id=team_id,
        code=code.strip().upper() if code else None,
        status=status,
        overdue=overdue,
    )
    scope: dict[str, Any] = {
        "subject": caller.subject,
        "role": str(caller.role),
        "team": caller.team_id,
        "family_id": family_id,
        "team_id": team_id,
        "code": filters.code,
        "status": status,
        "overdue": overdue,
    }
    page = page_request(limit, cursor, scope)
    async with db.sessions() as session:
        rows = await list_plans(session, visibility_of(caller), filters, page, today())
        items, next_page = next_cursor(
            rows, limit, lambda r: (r.plan.opened_at.isoformat(), str(r.plan.id)), scope
        )
        members = await members_by_family(
            session, orm.family_facts, (r.plan.family_id for r in items)
        )
    # One entry per member of each family listed, so each one's subject access request finds it.
    await audit.record_reads(
        db,
        request.app.state.tables,
        request,
        caller,
        "plan",
        per_person(((row.plan.id, row.plan.family_id) for row in items), members),
    )
    return PlanPageResponse(
        items=[plan_summary(r.plan, r.version) for r in items], next_cursor=next_page
    )


@router.get("/{plan_id}", summary="A family plan with its sub-goals, scores and actions")
async def read_plan(
    plan_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> PlanResponse:
    async with db.sessions() as session:
        plan, version = await use_cases.read_plan(
            plan_id, PlanRepository(session), visibility_of(caller)
        )
        people = await people_touched(session, orm.family_facts, plan.family_id, plan.people())
    await audit.record_read(
        db,
        request.app.state.tables,
        request,
        caller,
        "plan",
        plan_id,
        family_id=plan.family_id,
        person_ids=people,
    )
    set_etag(response, version)
    return plan_response(plan, version)


# -- writing -----------------------------------------------------------------------------------


@router.post("", status_code=201, summary="Open a family plan from a completed formulation")
async def open_plan(
    body: OpenPlanRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.OpenPlan(
        body.family_id, body.formulation_id, body.overall_goal, opened_on=body.opened_on
    )
    async with uow:
        plan = await use_cases.open_plan(cmd, uow, visibility_of(caller), utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "open_plan",
            "plan",
            plan.id,
            family_id=plan.family_id,
            person_ids=await people_touched(
                uow.session, orm.family_facts, plan.family_id, plan.people()
            ),
            status=201,
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/plans/{plan.id}"
    set_etag(response, 1)
    return plan_response(plan, 1)


async def _change(
    plan_id: uuid.UUID,
    cmd: PlanChange,
    action: str,
    request: Request,
    response: Response,
    caller: Principal,
    uow: UnitOfWork,
) -> Changed:
    """Apply one change based on the caller's If-Match; audit it with the change itself."""
    async with uow:
        changed = await use_cases.change_plan(
            plan_id,
            cmd,
            uow,
            visibility_of(caller),
            lambda version: require_if_match(request, version),
            utcnow(),
        )
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            action,
            "plan",
            plan_id,
            family_id=changed.plan.family_id,
            person_ids=await people_touched(
                uow.session, orm.family_facts, changed.plan.family_id, changed.plan.people()
            ),
        )
        await uow.commit()
    set_etag(response, changed.version)
    return changed


@router.post(
    "/{plan_id}/sub-goals",
    status_code=201,
    summary="Agree a SMART sub-goal with one code; it starts now or waits in the queue",
)
async def set_sub_goal(
    plan_id: uuid.UUID,
    body: SetSubGoalRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.SetSubGoal(
        what=body.what,
        measure=body.measure,
        by_when=body.by_when,
        code=body.code,
        person_ids=tuple(body.person_ids),
        factor_ids=tuple(body.factor_ids),
        on=body.on,
        tracking_frequency=body.tracking_frequency,
        queue=body.queue,
    )
    changed = await _change(plan_id, cmd, "set_sub_goal", request, response, caller, uow)
    response.headers["Location"] = f"/v1/plans/{plan_id}/sub-goals/{changed.created_id}"
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/sub-goals/{sub_goal_id}/start",
    summary="Start a queued sub-goal when fewer than three are active",
)
async def start_sub_goal(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    body: StartSubGoalRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.StartSubGoal(sub_goal_id, body.on)
    changed = await _change(plan_id, cmd, "start_sub_goal", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.patch(
    "/{plan_id}/sub-goals/{sub_goal_id}",
    summary="Agree a different tracking frequency for a sub-goal",
)
async def agree_tracking_frequency(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    body: AgreeTrackingFrequencyRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.AgreeTrackingFrequency(sub_goal_id, body.tracking_frequency)
    changed = await _change(plan_id, cmd, "agree_frequency", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/sub-goals/{sub_goal_id}/baseline",
    status_code=201,
    summary="The family's baseline score (0-10), before any action",
)
async def record_baseline(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    body: BaselineRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.RecordBaseline(sub_goal_id, body.score, body.on, _scorer(body.given_by, caller))
    changed = await _change(plan_id, cmd, "record_baseline", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/sub-goals/{sub_goal_id}/scores",
    status_code=201,
    summary="A dated tracking score (0-10), who gave it and a note",
)
async def record_score(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    body: ScoreRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.RecordScore(
        sub_goal_id, body.score, body.on, _scorer(body.given_by, caller), body.note
    )
    changed = await _change(plan_id, cmd, "record_score", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/sub-goals/{sub_goal_id}/evaluations",
    status_code=201,
    summary="Evaluate: score, decision to continue or change actions, and why",
)
async def evaluate_sub_goal(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    body: EvaluationRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.EvaluateSubGoal(sub_goal_id, body.score, body.on, body.decision, body.rationale)
    changed = await _change(plan_id, cmd, "evaluate", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/sub-goals/{sub_goal_id}/end",
    summary="End a sub-goal as achieved, replaced or withdrawn; the next queued starts",
)
async def end_sub_goal(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    body: EndSubGoalRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.EndSubGoal(
        sub_goal_id, body.end_state, body.on, body.promote, body.promote_next
    )
    changed = await _change(plan_id, cmd, "end_sub_goal", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/sub-goals/{sub_goal_id}/actions",
    status_code=201,
    summary="A SMART action with its activity category",
)
async def agree_action(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    body: ActionRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.AgreeAction(
        sub_goal_id, body.what, body.who, body.by_when, body.category, body.on
    )
    changed = await _change(plan_id, cmd, "agree_action", request, response, caller, uow)
    response.headers["Location"] = (
        f"/v1/plans/{plan_id}/sub-goals/{sub_goal_id}/actions/{changed.created_id}"
    )
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/sub-goals/{sub_goal_id}/actions/{action_id}/progress",
    status_code=201,
    summary="What was done on an action, as it happens",
)
async def record_action_progress(
    plan_id: uuid.UUID,
    sub_goal_id: uuid.UUID,
    action_id: uuid.UUID,
    body: ActionProgressRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.RecordActionProgress(sub_goal_id, action_id, body.on, body.note)
    changed = await _change(plan_id, cmd, "record_progress", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/closure",
    summary="Close after a closing review with a sustainability plan (a-e) and a reason",
)
async def close_plan(
    plan_id: uuid.UUID,
    body: ClosePlanRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    s = body.sustainability_plan
    review = ClosingReview(
        held_on=body.review_held_on,
        sustainability_plan=SustainabilityPlan(
            worked_on=s.worked_on,
            achieved=s.achieved,
            how_family_continues=s.how_family_continues,
            supports=tuple(Support(x.who, x.keeps_doing, x.contact) for x in s.supports),
            look_out_for=s.look_out_for,
        ),
    )
    cmd = use_cases.ClosePlan(body.reason, body.closed_on, review)
    changed = await _change(plan_id, cmd, "close_plan", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/return-to-formulation",
    summary="Send a plan that is not progressing back to formulation (step 14)",
)
async def return_to_formulation(
    plan_id: uuid.UUID,
    body: ReturnToFormulationRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.ReturnToFormulation(body.reason, body.rationale, body.on)
    changed = await _change(plan_id, cmd, "return_to_formulation", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)


@router.post(
    "/{plan_id}/feedback",
    status_code=201,
    summary="The family's feedback at closure: two yes/no answers, three 1-10 ratings",
)
async def record_feedback(
    plan_id: uuid.UUID,
    body: FeedbackRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> PlanResponse:
    cmd = use_cases.RecordFeedback(
        FamilyFeedback(
            treated_with_respect=body.treated_with_respect,
            would_recommend=body.would_recommend,
            service_rating=body.service_rating,
            worker_communication_rating=body.worker_communication_rating,
            understood_process_rating=body.understood_process_rating,
        ),
        on=body.on,
    )
    changed = await _change(plan_id, cmd, "record_feedback", request, response, caller, uow)
    return plan_response(changed.plan, changed.version)
