"""Use cases of a family plan: commands in, the changed plan and its events out, via the unit of work.

Each use case runs inside the caller's `async with uow:` block; the caller audits and commits, so
a broken rule anywhere rolls back the change and its events together.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from contracts.reference.goals import (
    ActivityCategory,
    ClosureReason,
    EvaluationDecision,
    ReturnToFormulationReason,
    SubGoalEndState,
    TrackingFrequency,
)
from runtime.domain import NotFound
from runtime.families import FamilyFacts
from runtime.uow import UnitOfWork

from goals.adapters import orm
from goals.adapters.repository import CompletedFormulations, FamilyAllocations, PlanRepository
from goals.domain.access import Visibility
from goals.domain.closure import ClosingReview
from goals.domain.feedback import FamilyFeedback
from goals.domain.opening import (
    ensure_formulation_is_completed_for_family,
    ensure_no_open_plan,
    ensure_plan_opens_after_formulation,
)
from goals.domain.plan import FamilyPlan
from goals.domain.scores import Scorer

# Called with the plan's current version before any change; refuses a stale one.
VersionCheck = Callable[[int], None]


@dataclass(frozen=True)
class OpenPlan:
    family_id: uuid.UUID
    formulation_id: uuid.UUID
    overall_goal: str
    opened_on: date | None = None


@dataclass(frozen=True)
class SetSubGoal:
    what: str
    measure: str
    by_when: date
    code: str
    person_ids: tuple[uuid.UUID, ...]
    factor_ids: tuple[uuid.UUID, ...]
    on: date
    tracking_frequency: TrackingFrequency
    queue: bool


@dataclass(frozen=True)
class StartSubGoal:
    sub_goal_id: uuid.UUID
    on: date


@dataclass(frozen=True)
class AgreeTrackingFrequency:
    sub_goal_id: uuid.UUID
    tracking_frequency: TrackingFrequency


@dataclass(frozen=True)
class RecordBaseline:
    sub_goal_id: uuid.UUID
    score: int
    on: date
    given_by: Scorer


@dataclass(frozen=True)
class RecordScore:
    sub_goal_id: uuid.UUID
    score: int
    on: date
    given_by: Scorer
    note: str


@dataclass(frozen=True)
class EvaluateSubGoal:
    sub_goal_id: uuid.UUID
    score: int
    on: date
    decision: EvaluationDecision
    rationale: str


@dataclass(frozen=True)
class EndSubGoal:
    sub_goal_id: uuid.UUID
    end_state: SubGoalEndState
    on: date
    promote: uuid.UUID | None
    promote_next: bool


@dataclass(frozen=True)
class AgreeAction:
    sub_goal_id: uuid.UUID
    what: str
    who: str
    by_when: date
    category: ActivityCategory
    on: date


@dataclass(frozen=True)
class RecordActionProgress:
    sub_goal_id: uuid.UUID
    action_id: uuid.UUID
    on: date
    note: str


@dataclass(frozen=True)
class ClosePlan:
    reason: ClosureReason
    closed_on: date
    review: ClosingReview


@dataclass(frozen=True)
class ReturnToFormulation:
    reason: ReturnToFormulationReason
    rationale: str
    on: date


@dataclass(frozen=True)
class RecordFeedback:
    feedback: FamilyFeedback
    on: date | None = None


PlanChange = (
    SetSubGoal
    | StartSubGoal
    | AgreeTrackingFrequency
    | RecordBaseline
    | RecordScore
    | EvaluateSubGoal
    | EndSubGoal
    | AgreeAction
    | RecordActionProgress
    | ClosePlan
    | ReturnToFormulation
    | RecordFeedback
)


@dataclass(frozen=True)
class Changed:
    """The plan after a change, its new version, and the id of anything the change created."""

    plan: FamilyPlan
    version: int
    created_id: uuid.UUID | None = None


async def open_plan(
    cmd: OpenPlan, uow: UnitOfWork, visibility: Visibility, now: datetime
) -> FamilyPlan:
    """Open a plan from a completed formulation of a family the caller works with."""
    allocation = await FamilyAllocations(uow.session).team_of(cmd.family_id)
    if not visibility.everyone and (allocation is None or not visibility.sees(allocation[0])):
        raise NotFound(detail=f"no family {cmd.family_id} allocated to your team")
    formulation = await CompletedFormulations(uow.session).get(cmd.formulation_id)
    ensure_formulation_is_completed_for_family(formulation, cmd.formulation_id, cmd.family_id)
    assert formulation is not None
    ensure_plan_opens_after_formulation(cmd.opened_on or now.date(), formulation)
    plans = PlanRepository(uow.session)
    ensure_no_open_plan(cmd.family_id, [p.id for p in await plans.open_plans_of(cmd.family_id)])
    team_id, cluster_id = allocation if allocation is not None else (None, None)
    plan = FamilyPlan.open(
        family_id=cmd.family_id,
        formulation_id=cmd.formulation_id,
        overall_goal=cmd.overall_goal,
        now=now,
        team_id=team_id,
        cluster_id=cluster_id,
        opened_on=cmd.opened_on,
    )
    await plans.add(plan)
    uow.collect(plan)
    return plan


async def change_plan(
    plan_id: uuid.UUID,
    cmd: PlanChange,
    uow: UnitOfWork,
    visibility: Visibility,
    check_version: VersionCheck,
    now: datetime,
) -> Changed:
    """Apply one change to a plan the caller may see, based on the version they last read."""
    plans = PlanRepository(uow.session)
    plan = await plans.get(plan_id, visibility)
    if plan is None:
        raise NotFound(detail=f"no plan {plan_id}")
    check_version(plans.revisions[plan_id])
    before = set(plan.people())
    created = _apply(plan, cmd, now)
    # A person the change names anew (a sub-goal is about, a score was given by) must be of
    # the plan's family.
    added = [named for named in plan.people() if named not in before]
    await FamilyFacts(uow.session, orm.family_facts).check_members(plan.family_id, added)
    version = await plans.save(plan)
    uow.collect(plan)
    return Changed(plan, version, created)


def _apply(plan: FamilyPlan, cmd: PlanChange, now: datetime) -> uuid.UUID | None:
    """Run the domain rule for one command; returns the id of a sub-goal or action it created."""
    match cmd:
        case SetSubGoal():
            return plan.set_sub_goal(
                what=cmd.what,
                measure=cmd.measure,
                by_when=cmd.by_when,
                code=cmd.code,
                person_ids=cmd.person_ids,
                factor_ids=cmd.factor_ids,
                on=cmd.on,
                tracking_frequency=cmd.tracking_frequency,
                queue=cmd.queue,
            ).id
        case StartSubGoal():
            plan.start_sub_goal(cmd.sub_goal_id, on=cmd.on)
        case AgreeTrackingFrequency():
            plan.agree_tracking_frequency(cmd.sub_goal_id, cmd.tracking_frequency)
        case RecordBaseline():
            plan.record_baseline(cmd.sub_goal_id, score=cmd.score, on=cmd.on, given_by=cmd.given_by)
        case RecordScore():
            plan.record_score(
                cmd.sub_goal_id, score=cmd.score, on=cmd.on, given_by=cmd.given_by, note=cmd.note
            )
        case EvaluateSubGoal():
            plan.evaluate(
                cmd.sub_goal_id,
                score=cmd.score,
                on=cmd.on,
                decision=cmd.decision,
                rationale=cmd.rationale,
            )
        case EndSubGoal():
            started = plan.end_sub_goal(
                cmd.sub_goal_id,
                cmd.end_state,
                on=cmd.on,
                promote=cmd.promote,
                promote_next=cmd.promote_next,
            )
            return None if started is None else started.id
        case AgreeAction():
            return plan.agree_action(
                cmd.sub_goal_id,
                what=cmd.what,
                who=cmd.who,
                by_when=cmd.by_when,
                category=cmd.category,
                on=cmd.on,
            ).id
        case RecordActionProgress():
            plan.record_action_progress(
                cmd.sub_goal_id, cmd.action_id, on=cmd.on, note=cmd.note, now=now
            )
        case ClosePlan():
            plan.close(review=cmd.review, reason=cmd.reason, closed_on=cmd.closed_on, now=now)
        case ReturnToFormulation():
            plan.return_to_formulation(
                reason=cmd.reason, rationale=cmd.rationale, on=cmd.on, now=now
            )
        case RecordFeedback():
            plan.record_feedback(cmd.feedback, now=now, on=cmd.on)
    return None


async def read_plan(
    plan_id: uuid.UUID, plans: PlanRepository, visibility: Visibility
) -> tuple[FamilyPlan, int]:
    plan = await plans.get(plan_id, visibility)
    if plan is None:
        raise NotFound(detail=f"no plan {plan_id}")
    return plan, plans.revisions[plan_id]
