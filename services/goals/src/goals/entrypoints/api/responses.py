"""Response bodies of the plan endpoints, built from the domain model (never the ORM rows)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from contracts.reference.goals import (
    ActivityCategory,
    ClosureReason,
    EvaluationDecision,
    Movement,
    PlanStatus,
    ReturnToFormulationReason,
    ScorerKind,
    SubGoalStatus,
    TrackingFrequency,
)
from pydantic import BaseModel

from goals.domain.plan import Action, FamilyPlan, SubGoal
from goals.domain.reviews import review_due_on


class ScoreResponse(BaseModel):
    score: int
    on: date
    given_by_kind: ScorerKind
    given_by_id: str
    note: str = ""


class EvaluationResponse(BaseModel):
    score: int
    on: date
    decision: EvaluationDecision
    rationale: str


class ActionEntryResponse(BaseModel):
    on: date
    note: str
    recorded_at: datetime


class ActionResponse(BaseModel):
    action_id: uuid.UUID
    what: str
    who: str
    by_when: date
    category: ActivityCategory
    agreed_on: date
    entries: list[ActionEntryResponse]


class SubGoalResponse(BaseModel):
    sub_goal_id: uuid.UUID
    what: str
    measure: str
    by_when: date
    code: str
    code_edition: str
    person_ids: list[uuid.UUID]
    factor_ids: list[uuid.UUID]
    status: SubGoalStatus
    set_on: date
    activated_on: date | None
    ended_on: date | None
    tracking_frequency: TrackingFrequency
    review_due_on: date | None
    baseline: ScoreResponse | None
    scores: list[ScoreResponse]
    evaluations: list[EvaluationResponse]
    actions: list[ActionResponse]
    latest_score: int | None
    movement: Movement


class SupportResponse(BaseModel):
    who: str
    keeps_doing: str
    contact: str


class SustainabilityPlanResponse(BaseModel):
    worked_on: str
    achieved: str
    how_family_continues: str
    supports: list[SupportResponse]
    look_out_for: str


class ClosureResponse(BaseModel):
    reason: ClosureReason
    closed_on: date
    review_held_on: date
    sustainability_plan: SustainabilityPlanResponse
    recorded_at: datetime


class FormulationReturnResponse(BaseModel):
    reason: ReturnToFormulationReason
    rationale: str
    returned_on: date
    recorded_at: datetime


class FeedbackResponse(BaseModel):
    treated_with_respect: bool
    would_recommend: bool
    service_rating: int
    worker_communication_rating: int
    understood_process_rating: int
    recorded_at: datetime | None


class PlanResponse(BaseModel):
    plan_id: uuid.UUID
    family_id: uuid.UUID
    formulation_id: uuid.UUID
    team_id: str | None
    cluster_id: str | None
    status: PlanStatus
    overall_goal: str
    opened_at: datetime
    opened_on: date
    version: int
    sub_goals: list[SubGoalResponse]
    movement: dict[Movement, int]
    closure: ClosureResponse | None
    formulation_return: FormulationReturnResponse | None
    feedback: FeedbackResponse | None
    # Set when a newer version of the formulation was completed after the plan opened from this
    # one: return to formulation and open the plan from the current version.
    formulation_superseded_by: uuid.UUID | None = None


class PlanSummaryResponse(BaseModel):
    plan_id: uuid.UUID
    family_id: uuid.UUID
    formulation_id: uuid.UUID
    team_id: str | None
    cluster_id: str | None
    status: PlanStatus
    overall_goal: str
    opened_at: datetime
    version: int
    active_codes: list[str]
    queued: int
    next_review_due_on: date | None


class PlanPageResponse(BaseModel):
    items: list[PlanSummaryResponse]
    next_cursor: str | None


def _action(action: Action) -> ActionResponse:
    return ActionResponse(
        action_id=action.id,
        what=action.what,
        who=action.who,
        by_when=action.by_when,
        category=action.category,
        agreed_on=action.agreed_on,
        entries=[
            ActionEntryResponse(on=e.on, note=e.note, recorded_at=e.recorded_at)
            for e in action.entries
        ],
    )


def sub_goal_response(plan: FamilyPlan, sub_goal: SubGoal) -> SubGoalResponse:
    latest = sub_goal.latest_score
    baseline = sub_goal.baseline
    return SubGoalResponse(
        sub_goal_id=sub_goal.id,
        what=sub_goal.what,
        measure=sub_goal.measure,
        by_when=sub_goal.by_when,
        code=sub_goal.code,
        code_edition=sub_goal.code_edition,
        person_ids=list(sub_goal.person_ids),
        factor_ids=list(sub_goal.factor_ids),
        status=sub_goal.status,
        set_on=sub_goal.set_on,
        activated_on=sub_goal.activated_on,
        ended_on=sub_goal.ended_on,
        tracking_frequency=sub_goal.tracking_frequency,
        review_due_on=review_due_on(sub_goal) if plan.is_open else None,
        baseline=None
        if baseline is None
        else ScoreResponse(
            score=baseline.score,
            on=baseline.on,
            given_by_kind=baseline.given_by.kind,
            given_by_id=baseline.given_by.id,
        ),
        scores=[
            ScoreResponse(
                score=s.score,
                on=s.on,
                given_by_kind=s.given_by.kind,
                given_by_id=s.given_by.id,
                note=s.note,
            )
            for s in sub_goal.scores
        ],
        evaluations=[
            EvaluationResponse(score=e.score, on=e.on, decision=e.decision, rationale=e.rationale)
            for e in sub_goal.evaluations
        ],
        actions=[_action(a) for a in sub_goal.actions],
        latest_score=None if latest is None else latest.score,
        movement=sub_goal.movement,
    )


def plan_response(plan: FamilyPlan, version: int) -> PlanResponse:
    closure = plan.closure
    sustainability = None if closure is None else closure.review.sustainability_plan
    returned = plan.formulation_return
    feedback = plan.feedback
    return PlanResponse(
        plan_id=plan.id,
        family_id=plan.family_id,
        formulation_id=plan.formulation_id,
        team_id=plan.team_id,
        cluster_id=plan.cluster_id,
        status=plan.status,
        overall_goal=plan.overall_goal,
        opened_at=plan.opened_at,
        opened_on=plan.practice_opened_on,
        version=version,
        formulation_superseded_by=plan.formulation_superseded_by,
        sub_goals=[sub_goal_response(plan, sg) for sg in plan.sub_goals],
        movement=plan.movement_counts(),
        closure=None
        if closure is None or sustainability is None
        else ClosureResponse(
            reason=closure.reason,
            closed_on=closure.closed_on,
            review_held_on=closure.review.held_on,
            sustainability_plan=SustainabilityPlanResponse(
                worked_on=sustainability.worked_on,
                achieved=sustainability.achieved,
                how_family_continues=sustainability.how_family_continues,
                supports=[
                    SupportResponse(who=s.who, keeps_doing=s.keeps_doing, contact=s.contact)
                    for s in sustainability.supports
                ],
                look_out_for=sustainability.look_out_for,
            ),
            recorded_at=closure.recorded_at,
        ),
        formulation_return=None
        if returned is None
        else FormulationReturnResponse(
            reason=returned.reason,
            rationale=returned.rationale,
            returned_on=returned.returned_on,
            recorded_at=returned.recorded_at,
        ),
        feedback=None
        if feedback is None
        else FeedbackResponse(
            treated_with_respect=feedback.treated_with_respect,
            would_recommend=feedback.would_recommend,
            service_rating=feedback.service_rating,
            worker_communication_rating=feedback.worker_communication_rating,
            understood_process_rating=feedback.understood_process_rating,
            recorded_at=plan.feedback_recorded_at,
        ),
    )


def plan_summary(plan: FamilyPlan, version: int) -> PlanSummaryResponse:
    dues = [d for sg in plan.active_sub_goals if (d := review_due_on(sg)) is not None]
    return PlanSummaryResponse(
        plan_id=plan.id,
        family_id=plan.family_id,
        formulation_id=plan.formulation_id,
        team_id=plan.team_id,
        cluster_id=plan.cluster_id,
        status=plan.status,
        overall_goal=plan.overall_goal,
        opened_at=plan.opened_at,
        version=version,
        active_codes=[sg.code for sg in plan.active_sub_goals],
        queued=len(plan.queued_sub_goals),
        next_review_due_on=min(dues) if dues and plan.is_open else None,
    )
