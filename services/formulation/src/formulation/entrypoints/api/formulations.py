"""Formulations: start, edit a draft (If-Match on every change), prioritise, walk back, complete,
formulate again, compare versions, review in supervision, and list.

Every write answers with the formulation's new ETag (send it as If-Match with the next change);
a write that adds a part (a participant, a factor, a step, a review) answers with that part.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from contracts.reference.formulation import FormulationSetting, SixP
from fastapi import APIRouter, Depends, Query, Request, Response
from runtime import audit
from runtime.app import get_db, get_uow
from runtime.concurrency import set_etag
from runtime.db import Database, utcnow
from runtime.families import people_touched
from runtime.fields import IsoDate
from runtime.identity import Principal
from runtime.pagination import Page, PageCursor, PageLimit
from runtime.security import principal
from runtime.uow import UnitOfWork

from formulation.adapters import orm
from formulation.adapters.repository import FormulationFilters, FormulationRepository
from formulation.domain.formulation import Formulation, FormulationStatus
from formulation.domain.participants import Participant
from formulation.entrypoints.api.bodies import (
    ParticipantRequest,
    ParticipantResponse,
    ReflectionRequest,
    ReflectionResponse,
)
from formulation.entrypoints.api.callers import if_match, scope_of
from formulation.entrypoints.api.formulation_bodies import (
    ComparisonResponse,
    ConsideredNoneRequest,
    FactorChangeRequest,
    FactorOrderRequest,
    FactorRequest,
    FactorResponse,
    FamilyStructureRequest,
    FormulationResponse,
    FormulationSummaryResponse,
    HistoryResponse,
    HypothesisRequest,
    NextStepRequest,
    NextStepResponse,
    OverallGoalRequest,
    PrioritisationRequest,
    ReformulateRequest,
    StartFormulationRequest,
    SupervisionReviewRequest,
    SupervisionReviewResponse,
    WalkBackOverrideRequest,
    WalkBackResponse,
)
from formulation.entrypoints.api.listing import list_page
from formulation.service_layer.formulations import (
    Reformulate,
    StartFormulation,
    change_formulation,
    compare_versions,
    complete_formulation,
    read_formulation,
    read_history,
    reformulate,
    start_formulation,
)
from formulation.service_layer.unit_of_work import Changed

router = APIRouter(prefix="/v1/formulations", tags=["formulations"])
ITEM = "/{formulation_id}"

T = TypeVar("T")


async def _audit(
    uow: UnitOfWork,
    request: Request,
    caller: Principal,
    action: str,
    formulation: Formulation,
    status: int = 200,
) -> None:
    await audit.record(
        uow.session,
        uow.tables,
        request,
        caller,
        action,
        "formulation",
        formulation.id,
        family_id=formulation.family_id,
        person_ids=await people_touched(
            uow.session, orm.family_facts, formulation.family_id, formulation.people()
        ),
        status=status,
    )


async def _audit_read(request: Request, caller: Principal, db: Database, f: Formulation) -> None:
    async with db.sessions() as session:
        people = await people_touched(session, orm.family_facts, f.family_id, f.people())
    await audit.record_read(
        db,
        request.app.state.tables,
        request,
        caller,
        "formulation",
        f.id,
        family_id=f.family_id,
        person_ids=people,
    )


async def _change(
    request: Request,
    caller: Principal,
    uow: UnitOfWork,
    formulation_id: uuid.UUID,
    apply: Callable[[Formulation], T],
    *,
    action: str = "update",
    status: int = 200,
) -> Changed[Formulation, T]:
    async with uow:
        changed = await change_formulation(
            uow, formulation_id, scope_of(caller), if_match(request), apply
        )
        await _audit(uow, request, caller, action, changed.aggregate, status)
        await uow.commit()
    return changed


def _respond(response: Response, changed: Changed[Formulation, Any]) -> FormulationResponse:
    set_etag(response, changed.revision)
    return FormulationResponse.of(changed.aggregate, changed.revision)


# -- starting and reading ------------------------------------------------------------------------


@router.post("", status_code=201, summary="Start a formulation (a draft, version 1)")
async def create_formulation(
    body: StartFormulationRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    cmd = StartFormulation(
        subject_kind=body.subject_kind,
        subject_id=body.subject_id,
        family_id=body.family_id,
        setting=body.setting,
        held_on=body.held_on,
        facilitator_id=body.facilitator_id or caller.subject,
        team_id=body.team_id,
        participants=[p.command() for p in body.participants],
    )
    async with uow:
        formulation = await start_formulation(cmd, uow, scope_of(caller), utcnow())
        await _audit(uow, request, caller, "create", formulation, 201)
        await uow.commit()
    response.headers["Location"] = f"/v1/formulations/{formulation.id}"
    set_etag(response, 1)
    return FormulationResponse.of(formulation, 1)


@router.get("", summary="List formulations by family, contact, team, setting, status and date")
async def list_formulations(
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
    family_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    team_id: str | None = Query(None, max_length=64),
    setting: FormulationSetting | None = None,
    status: FormulationStatus | None = None,
    held_from: IsoDate | None = None,
    held_to: IsoDate | None = None,
    limit: PageLimit = None,
    cursor: PageCursor = None,
) -> Page[FormulationSummaryResponse]:
    filters = FormulationFilters(
        family_id=family_id,
        contact_id=contact_id,
        team_id=team_id,
        setting=setting,
        status=status,
        held_from=held_from,
        held_to=held_to,
    )
    items, next_page = await list_page(
        request, caller, db, FormulationRepository, filters, limit=limit, cursor=cursor
    )
    return Page(items=[FormulationSummaryResponse.of(r) for r in items], next_cursor=next_page)


@router.get(ITEM, summary="Read a formulation")
async def read(
    formulation_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> FormulationResponse:
    async with db.sessions() as session:
        loaded = await read_formulation(session, formulation_id, scope_of(caller))
    await _audit_read(request, caller, db, loaded.aggregate)
    set_etag(response, loaded.revision)
    return FormulationResponse.of(loaded.aggregate, loaded.revision)


@router.get(ITEM + "/history", summary="Every version of this formulation, oldest first")
async def history(
    formulation_id: uuid.UUID,
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> HistoryResponse:
    async with db.sessions() as session:
        versions = await read_history(session, formulation_id, scope_of(caller))
    for v in versions:
        await _audit_read(request, caller, db, v.aggregate)
    return HistoryResponse(
        lineage_id=versions[0].aggregate.lineage_id,
        versions=[FormulationResponse.of(v.aggregate, v.revision) for v in versions],
    )


@router.get(ITEM + "/compare", summary="What changed between this version and another")
async def compare(
    formulation_id: uuid.UUID,
    request: Request,
    other_id: uuid.UUID = Query(alias="with", description="the other version's id"),
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> ComparisonResponse:
    async with db.sessions() as session:
        found = await compare_versions(session, formulation_id, other_id, scope_of(caller))
    await _audit_read(request, caller, db, found.before)
    await _audit_read(request, caller, db, found.after)
    return ComparisonResponse.of(found.before, found.after, found.diff)


@router.get(ITEM + "/walk-back", summary="The walk back and what completing still needs")
async def walk_back(
    formulation_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> WalkBackResponse:
    async with db.sessions() as session:
        loaded = await read_formulation(session, formulation_id, scope_of(caller))
    await _audit_read(request, caller, db, loaded.aggregate)
    set_etag(response, loaded.revision)
    return WalkBackResponse.of(loaded.aggregate, loaded.aggregate.completion_check())


# -- participants and the genogram (steps 1-2) ---------------------------------------------------


@router.post(ITEM + "/participants", status_code=201, summary="Add a participant")
async def add_participant(
    formulation_id: uuid.UUID,
    body: ParticipantRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> ParticipantResponse:
    def apply(f: Formulation) -> Participant:
        return f.add_participant(
            body.role, person_id=body.person_id, user_id=body.user_id, agency_id=body.agency_id
        )

    changed = await _change(request, caller, uow, formulation_id, apply, status=201)
    set_etag(response, changed.revision)
    return ParticipantResponse.of(changed.result)


@router.delete(ITEM + "/participants/{participant_id}", summary="Remove a participant")
async def remove_participant(
    formulation_id: uuid.UUID,
    participant_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request, caller, uow, formulation_id, lambda f: f.remove_participant(participant_id)
    )
    return _respond(response, changed)


@router.put(ITEM + "/family-structure", summary="Record the genogram (people by id)")
async def record_family_structure(
    formulation_id: uuid.UUID,
    body: FamilyStructureRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    structure = body.structure()
    changed = await _change(
        request, caller, uow, formulation_id, lambda f: f.record_family_structure(structure)
    )
    return _respond(response, changed)


# -- factors under the 6 Ps (step 3) -------------------------------------------------------------


@router.post(ITEM + "/factors", status_code=201, summary="Add a factor under one of the 6 Ps")
async def add_factor(
    formulation_id: uuid.UUID,
    body: FactorRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FactorResponse:
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.add_factor(
            body.p, body.description, is_main_driver=body.is_main_driver, view_of=body.view_of
        ),
        status=201,
    )
    set_etag(response, changed.revision)
    return FactorResponse.of(changed.result)


@router.patch(
    ITEM + "/factors/{factor_id}", summary="Reword a factor, mark a driver, say whose view"
)
async def change_factor(
    formulation_id: uuid.UUID,
    factor_id: uuid.UUID,
    body: FactorChangeRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    given = body.model_fields_set

    def apply(f: Formulation) -> None:
        f.factor(factor_id)
        if body.description is not None:
            f.revise_factor(factor_id, body.description)
        if body.is_main_driver is not None:
            f.mark_main_driver(factor_id, body.is_main_driver)
        if "view_of" in given:
            f.attribute_view(factor_id, body.view_of)

    return _respond(response, await _change(request, caller, uow, formulation_id, apply))


@router.delete(ITEM + "/factors/{factor_id}", summary="Remove a factor nothing relies on")
async def remove_factor(
    formulation_id: uuid.UUID,
    factor_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request, caller, uow, formulation_id, lambda f: f.remove_factor(factor_id)
    )
    return _respond(response, changed)


@router.put(ITEM + "/ps/{p}/order", summary="Reorder the factors under one P")
async def reorder_factors(
    formulation_id: uuid.UUID,
    p: SixP,
    body: FactorOrderRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request, caller, uow, formulation_id, lambda f: f.reorder_factors(p, body.factor_ids)
    )
    return _respond(response, changed)


@router.put(ITEM + "/ps/{p}/considered-none", summary="Record that a P was considered and is empty")
async def mark_considered_none(
    formulation_id: uuid.UUID,
    p: SixP,
    body: ConsideredNoneRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    def apply(f: Formulation) -> None:
        if body.considered_none:
            f.mark_considered_none(p)
        else:
            f.unmark_considered_none(p)

    return _respond(response, await _change(request, caller, uow, formulation_id, apply))


@router.put(
    ITEM + "/factors/{factor_id}/prioritisation",
    summary="Assess a perpetuating factor on the 4 Ps (priority is computed: all four)",
)
async def prioritise(
    formulation_id: uuid.UUID,
    factor_id: uuid.UUID,
    body: PrioritisationRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    assessment = body.assessment()
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.assess_prioritisation(factor_id, assessment),
    )
    return _respond(response, changed)


@router.delete(ITEM + "/factors/{factor_id}/prioritisation", summary="Clear a 4 Ps assessment")
async def clear_prioritisation(
    formulation_id: uuid.UUID,
    factor_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request, caller, uow, formulation_id, lambda f: f.clear_prioritisation(factor_id)
    )
    return _respond(response, changed)


# -- hypothesis and overall goal (steps 4-5) -----------------------------------------------------


@router.put(ITEM + "/hypothesis", summary="Record what is going on for the family right now")
async def record_hypothesis(
    formulation_id: uuid.UUID,
    body: HypothesisRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request, caller, uow, formulation_id, lambda f: f.record_hypothesis(body.text)
    )
    return _respond(response, changed)


@router.put(ITEM + "/overall-goal", summary="Set the overall goal, related to identified factors")
async def set_overall_goal(
    formulation_id: uuid.UUID,
    body: OverallGoalRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.set_overall_goal(body.description, body.factor_ids),
    )
    return _respond(response, changed)


# -- next steps and the walk back ----------------------------------------------------------------


@router.post(ITEM + "/next-steps", status_code=201, summary="Add a next step")
async def add_next_step(
    formulation_id: uuid.UUID,
    body: NextStepRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> NextStepResponse:
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.add_next_step(**body.fields()),
        status=201,
    )
    set_etag(response, changed.revision)
    return NextStepResponse.of(changed.result)


@router.put(ITEM + "/next-steps/{step_id}", summary="Revise a next step")
async def revise_next_step(
    formulation_id: uuid.UUID,
    step_id: uuid.UUID,
    body: NextStepRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.revise_next_step(step_id, **body.fields()),
    )
    return _respond(response, changed)


@router.delete(ITEM + "/next-steps/{step_id}", summary="Remove a next step")
async def remove_next_step(
    formulation_id: uuid.UUID,
    step_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    changed = await _change(
        request, caller, uow, formulation_id, lambda f: f.remove_next_step(step_id)
    )
    return _respond(response, changed)


@router.post(
    ITEM + "/walk-back/override",
    summary="Supervisor: record why the plan may go ahead although the walk back fails",
)
async def override_walk_back(
    formulation_id: uuid.UUID,
    body: WalkBackOverrideRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    now = utcnow()
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.override_walk_back(supervisor_id=caller.subject, reason=body.reason, now=now),
        action="override",
    )
    return _respond(response, changed)


# -- lifecycle -----------------------------------------------------------------------------------


@router.post(
    ITEM + "/complete",
    summary="Complete the draft (refused while the walk back fails, unless overridden)",
)
async def complete(
    formulation_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    async with uow:
        changed = await complete_formulation(
            uow, formulation_id, scope_of(caller), if_match(request), utcnow()
        )
        await _audit(uow, request, caller, "complete", changed.aggregate)
        await uow.commit()
    return _respond(response, changed)


@router.post(
    ITEM + "/reformulations",
    status_code=201,
    summary="Formulate again: a new draft version linked to this completed one",
)
async def create_reformulation(
    formulation_id: uuid.UUID,
    body: ReformulateRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> FormulationResponse:
    cmd = Reformulate(
        previous_id=formulation_id,
        setting=body.setting,
        held_on=body.held_on,
        facilitator_id=body.facilitator_id or caller.subject,
        carry_forward=body.carry_forward,
        team_id=body.team_id,
    )
    async with uow:
        formulation = await reformulate(cmd, uow, scope_of(caller), utcnow())
        await _audit(uow, request, caller, "create", formulation, 201)
        await uow.commit()
    response.headers["Location"] = f"/v1/formulations/{formulation.id}"
    set_etag(response, 1)
    return FormulationResponse.of(formulation, 1)


# -- outcome focused supervision and reflection --------------------------------------------------


@router.post(
    ITEM + "/supervision-reviews",
    status_code=201,
    summary="Supervisor: is the plan likely to achieve the goal; if not, why not",
)
async def review_in_supervision(
    formulation_id: uuid.UUID,
    body: SupervisionReviewRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> SupervisionReviewResponse:
    now = utcnow()
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.record_supervision_review(
            supervisor_id=caller.subject,
            kind=body.kind,
            plan_likely_to_achieve_goal=body.plan_likely_to_achieve_goal,
            why_not=body.why_not,
            changes=body.changes,
            now=now,
        ),
        action="review",
        status=201,
    )
    set_etag(response, changed.revision)
    return SupervisionReviewResponse.of(changed.result)


@router.post(ITEM + "/reflections", status_code=201, summary="Reflect on the Four Ways of Being")
async def reflect(
    formulation_id: uuid.UUID,
    body: ReflectionRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> ReflectionResponse:
    now = utcnow()
    changed = await _change(
        request,
        caller,
        uow,
        formulation_id,
        lambda f: f.record_four_ways_reflection(
            practitioner_id=caller.subject,
            way_of_being=body.way_of_being,
            notes=body.notes,
            now=now,
        ),
        status=201,
    )
    set_etag(response, changed.revision)
    return ReflectionResponse.of(changed.result)
