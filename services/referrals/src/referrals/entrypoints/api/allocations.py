"""RES teams: their workers and caseloads, and allocations after they are made (reallocation,
step down, step up, closure). Allocations are made by a RES acceptance (see contacts)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from contracts.reference.referrals import (
    ClosureReason,
    ReallocationReason,
    SupportLevel,
    WorkerRole,
)
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from runtime import audit
from runtime.app import get_db
from runtime.concurrency import require_if_match, set_etag
from runtime.db import Database, utcnow
from runtime.domain import NotFound
from runtime.identity import Principal
from runtime.pagination import PageCursor, PageLimit, next_cursor, page_request
from runtime.security import principal

from referrals.adapters.repository import CLOSED, OPEN, Repositories
from referrals.domain.allocation import Allocation, CaseloadLimits
from referrals.entrypoints.api.access import (
    audit_reads,
    caseload_limits,
    ensure_can_read_team,
    ensure_manages_team,
    get_referrals_uow,
    is_res,
    res_team_of,
)
from referrals.entrypoints.api.fields import (
    Identifier,
    PastDate,
    ShortText,
    Strict,
    TeamId,
)
from referrals.service_layer import allocations as use_cases
from referrals.service_layer import views
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork

router = APIRouter(tags=["allocations"])

CaseloadLimit = Annotated[int, Field(ge=1, le=20)]


# -- bodies ------------------------------------------------------------------------------------


class LeadWorkerChangeResponse(BaseModel):
    from_worker_id: str
    to_worker_id: str
    reason: ReallocationReason
    at: datetime


class AllocationResponse(BaseModel):
    allocation_id: uuid.UUID
    family_id: uuid.UUID
    contact_id: uuid.UUID
    team_id: str
    cluster_id: str
    lead_worker_id: str
    lead_worker_role: WorkerRole
    support_level: SupportLevel
    status: str
    allocated_at: datetime
    allocated_on: date
    closed_on: date | None
    closure_reason: ClosureReason | None
    lead_worker_changes: list[LeadWorkerChangeResponse]
    version: int


def allocation_response(allocation: Allocation, version: int) -> AllocationResponse:
    return AllocationResponse(
        allocation_id=allocation.allocation_id,
        family_id=allocation.family_id,
        contact_id=allocation.contact_id,
        team_id=allocation.team_id,
        cluster_id=allocation.cluster_id,
        lead_worker_id=allocation.lead_worker_id,
        lead_worker_role=allocation.lead_worker_role,
        support_level=allocation.support_level,
        status=OPEN if allocation.is_open else CLOSED,
        allocated_at=allocation.allocated_at,
        allocated_on=allocation.practice_allocated_on,
        closed_on=allocation.closed_on,
        closure_reason=allocation.closure_reason,
        lead_worker_changes=[
            LeadWorkerChangeResponse(
                from_worker_id=c.from_worker_id,
                to_worker_id=c.to_worker_id,
                reason=c.reason,
                at=c.at,
            )
            for c in allocation.lead_worker_changes
        ],
        version=version,
    )


class AllocationPageResponse(BaseModel):
    items: list[AllocationResponse]
    next_cursor: str | None = None


class ReallocationRequest(Strict):
    reason: ReallocationReason
    worker_id: Identifier | None = Field(
        None, description="the new lead worker; omitted: the team's worker with most room"
    )


class ClosureRequest(Strict):
    closed_on: PastDate
    reason: ClosureReason


class AddWorkerRequest(Strict):
    worker_id: Identifier = Field(description="the worker's staff id (their token's subject)")
    role: WorkerRole
    display_name: ShortText | None = None
    caseload_limit: CaseloadLimit | None = Field(
        None, description="overrides the role's limit (for example part-time)"
    )


class ChangeWorkerRequest(Strict):
    role: WorkerRole | None = None
    display_name: ShortText | None = None
    caseload_limit: CaseloadLimit | None = None
    clear_caseload_limit: bool = False
    active: bool | None = Field(None, description="false: takes no new families")


class WorkerResponse(BaseModel):
    worker_id: str
    team_id: str
    role: WorkerRole
    display_name: str | None
    active: bool
    caseload: int
    caseload_limit: int
    spare_capacity: int
    version: int


class TeamWorkersResponse(BaseModel):
    team_id: str
    items: list[WorkerResponse]
    spare_capacity: int = Field(description="families the team's active workers can still take")


def worker_response(row: use_cases.WorkerCaseload) -> WorkerResponse:
    worker = row.record.worker
    return WorkerResponse(
        worker_id=worker.worker_id,
        team_id=worker.team_id,
        role=worker.role,
        display_name=row.record.display_name,
        active=row.record.active,
        caseload=row.caseload,
        caseload_limit=row.limit,
        spare_capacity=row.spare,
        version=row.record.version,
    )


# -- allocations -------------------------------------------------------------------------------


@router.get("/v1/allocations", summary="List allocations (RES staff: their own team's)")
async def list_allocations(
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
    team_id: Annotated[TeamId | None, Query()] = None,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    family_id: uuid.UUID | None = None,
    lead_worker_id: Annotated[Identifier | None, Query()] = None,
    limit: PageLimit = None,
    cursor: PageCursor = None,
) -> AllocationPageResponse:
    filters = views.AllocationFilters(
        team_id=team_id,
        status=status,
        family_id=family_id,
        lead_worker_id=lead_worker_id,
        visible_team_id=res_team_of(caller) if is_res(caller) else None,
    )
    scope = {"caller": caller.rate_key, **filters.scope()}
    page = page_request(limit, cursor, scope)
    async with db.sessions() as session:
        rows = await views.list_allocations(session, filters, page)
    rows, token = next_cursor(rows, page.limit, views.allocation_sort_key, scope)
    await audit_reads(
        db, request, caller, "allocation", ((a.allocation_id, a.family_id) for a, _ in rows)
    )
    return AllocationPageResponse(
        items=[allocation_response(a, v) for a, v in rows], next_cursor=token
    )


async def _visible_allocation(
    repos: Repositories, caller: Principal, allocation_id: uuid.UUID
) -> Allocation:
    allocation = await repos.allocations.get(allocation_id)
    if allocation is None or (is_res(caller) and allocation.team_id != res_team_of(caller)):
        raise NotFound(f"no allocation {allocation_id}")
    return allocation


@router.get("/v1/allocations/{allocation_id}", summary="Read an allocation")
async def read_allocation(
    allocation_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> AllocationResponse:
    async with db.sessions() as session:
        repos = Repositories(session)
        allocation = await _visible_allocation(repos, caller, allocation_id)
    version = repos.allocations.revisions[allocation_id]
    await audit.record_read(
        db,
        request.app.state.tables,
        request,
        caller,
        "allocation",
        allocation_id,
        family_id=allocation.family_id,
    )
    set_etag(response, version)
    return allocation_response(allocation, version)


@router.post(
    "/v1/allocations/{allocation_id}/reallocation",
    summary="Hand the family to another lead worker in the team (If-Match)",
)
async def reallocate(
    allocation_id: uuid.UUID,
    body: ReallocationRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
    limits: CaseloadLimits = Depends(caseload_limits),
) -> AllocationResponse:
    async with uow:
        allocation = await _visible_allocation(uow.repos, caller, allocation_id)
        ensure_manages_team(caller, allocation.team_id)
        require_if_match(request, uow.repos.allocations.revisions[allocation_id])
        cmd = use_cases.Reallocate(allocation_id, body.reason, body.worker_id)
        allocation = await use_cases.reallocate(cmd, uow, utcnow(), limits)
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "reallocate",
            "allocation",
            allocation_id,
            family_id=allocation.family_id,
        )
        await uow.commit()
    version = uow.repos.allocations.revisions[allocation_id]
    set_etag(response, version)
    return allocation_response(allocation, version)


@router.post(
    "/v1/allocations/{allocation_id}/closure",
    summary="Step down, step up or close the allocation (If-Match)",
)
async def close_allocation(
    allocation_id: uuid.UUID,
    body: ClosureRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> AllocationResponse:
    async with uow:
        allocation = await _visible_allocation(uow.repos, caller, allocation_id)
        ensure_manages_team(caller, allocation.team_id)
        require_if_match(request, uow.repos.allocations.revisions[allocation_id])
        cmd = use_cases.CloseAllocation(allocation_id, body.closed_on, body.reason)
        allocation = await use_cases.close_allocation(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "close",
            "allocation",
            allocation_id,
            family_id=allocation.family_id,
        )
        await uow.commit()
    version = uow.repos.allocations.revisions[allocation_id]
    set_etag(response, version)
    return allocation_response(allocation, version)


# -- teams and their workers -------------------------------------------------------------------


@router.get(
    "/v1/teams/{team_id}/workers",
    summary="A RES team's workers with their current caseloads and spare capacity",
)
async def team_workers(
    team_id: str,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
    limits: CaseloadLimits = Depends(caseload_limits),
) -> TeamWorkersResponse:
    team_id = use_cases.ensure_team(team_id)
    ensure_can_read_team(caller, team_id)
    async with db.sessions() as session:
        rows = await use_cases.team_caseloads(Repositories(session), team_id, limits)
    return TeamWorkersResponse(
        team_id=team_id,
        items=[worker_response(r) for r in rows],
        spare_capacity=sum(r.spare for r in rows if r.record.active),
    )


@router.post("/v1/teams/{team_id}/workers", status_code=201, summary="Add a worker to a RES team")
async def add_worker(
    team_id: str,
    body: AddWorkerRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
    limits: CaseloadLimits = Depends(caseload_limits),
) -> WorkerResponse:
    team_id = use_cases.ensure_team(team_id)
    ensure_manages_team(caller, team_id)
    cmd = use_cases.AddWorker(
        team_id, body.worker_id, body.role, body.display_name, body.caseload_limit
    )
    async with uow:
        record = await use_cases.add_worker(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "create",
            "worker",
            record.worker.worker_id,
            status=201,
        )
        [view] = await use_cases.caseloads_of(uow.repos, [record], limits)
        await uow.commit()
    response.headers["Location"] = f"/v1/teams/{team_id}/workers/{record.worker.worker_id}"
    set_etag(response, record.version)
    return worker_response(view)


@router.patch(
    "/v1/teams/{team_id}/workers/{worker_id}",
    summary="Change a worker's role or limit, or stop new allocations to them (If-Match)",
)
async def change_worker(
    team_id: str,
    worker_id: str,
    body: ChangeWorkerRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
    limits: CaseloadLimits = Depends(caseload_limits),
) -> WorkerResponse:
    team_id = use_cases.ensure_team(team_id)
    ensure_manages_team(caller, team_id)
    async with uow:
        current = await use_cases.get_worker(uow.repos, team_id, worker_id)
        require_if_match(request, current.version)
        cmd = use_cases.ChangeWorker(
            team_id,
            worker_id,
            body.role,
            body.display_name,
            body.caseload_limit,
            body.clear_caseload_limit,
            body.active,
        )
        record = await use_cases.change_worker(cmd, uow, utcnow())
        await audit.record(uow.session, uow.tables, request, caller, "update", "worker", worker_id)
        [view] = await use_cases.caseloads_of(uow.repos, [record], limits)
        await uow.commit()
    set_etag(response, record.version)
    return worker_response(view)
