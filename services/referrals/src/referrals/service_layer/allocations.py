"""Use cases of RES teams: their workers and caseloads, and what happens to an allocation
after it is made (reallocation to another lead worker, step down, step up, closure)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from contracts.reference.referrals import (
    ClosureReason,
    ReallocationReason,
    UnknownReference,
    WorkerRole,
    res_team,
)
from runtime.domain import Conflict, NotFound

from referrals.adapters.repository import Repositories, WorkerRecord
from referrals.domain.allocation import Allocation, CaseloadLimits, TeamWorker
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork


@dataclass(frozen=True)
class AddWorker:
    team_id: str
    worker_id: str
    role: WorkerRole
    display_name: str | None = None
    caseload_limit: int | None = None


@dataclass(frozen=True)
class ChangeWorker:
    team_id: str
    worker_id: str
    role: WorkerRole | None = None
    display_name: str | None = None
    caseload_limit: int | None = None
    clear_caseload_limit: bool = False
    active: bool | None = None


@dataclass(frozen=True)
class Reallocate:
    allocation_id: uuid.UUID
    reason: ReallocationReason
    worker_id: str | None = None


@dataclass(frozen=True)
class CloseAllocation:
    allocation_id: uuid.UUID
    closed_on: date
    reason: ClosureReason


@dataclass(frozen=True)
class WorkerCaseload:
    record: WorkerRecord
    caseload: int
    limit: int

    @property
    def spare(self) -> int:
        return max(self.limit - self.caseload, 0)


def ensure_team(team_id: str) -> str:
    try:
        return res_team(team_id).team_id
    except UnknownReference:
        raise NotFound(f"no RES team {team_id}") from None


async def get_allocation(repos: Repositories, allocation_id: uuid.UUID) -> Allocation:
    allocation = await repos.allocations.get(allocation_id)
    if allocation is None:
        raise NotFound(f"no allocation {allocation_id}")
    return allocation


async def team_caseloads(
    repos: Repositories, team_id: str, limits: CaseloadLimits
) -> list[WorkerCaseload]:
    return await caseloads_of(repos, await repos.workers.in_team(ensure_team(team_id)), limits)


async def caseloads_of(
    repos: Repositories, records: list[WorkerRecord], limits: CaseloadLimits
) -> list[WorkerCaseload]:
    """Each worker with the families they lead now and the most they may lead."""
    counts = await repos.allocations.caseloads(r.worker.worker_id for r in records)
    return [
        WorkerCaseload(r, counts.get(r.worker.worker_id, 0), limits.limit_for(r.worker))
        for r in records
    ]


async def add_worker(cmd: AddWorker, uow: ReferralsUnitOfWork, now: datetime) -> WorkerRecord:
    team_id = ensure_team(cmd.team_id)
    existing = await uow.repos.workers.get(cmd.worker_id)
    if existing is not None:
        raise Conflict(
            detail=f"Worker {cmd.worker_id} is already in {existing.worker.team_id}",
            extra={"worker_id": cmd.worker_id, "team_id": existing.worker.team_id},
        )
    worker = TeamWorker(cmd.worker_id, team_id, cmd.role, cmd.caseload_limit)
    await uow.repos.workers.add(worker, cmd.display_name, now)
    added = await uow.repos.workers.get(cmd.worker_id)
    assert added is not None
    return added


async def get_worker(repos: Repositories, team_id: str, worker_id: str) -> WorkerRecord:
    record = await repos.workers.get(worker_id)
    if record is None or record.worker.team_id != ensure_team(team_id):
        raise NotFound(f"no worker {worker_id} in {team_id}")
    return record


async def change_worker(cmd: ChangeWorker, uow: ReferralsUnitOfWork, now: datetime) -> WorkerRecord:
    """Change a worker's role, limit or name, or take them off (or back onto) new allocations.

    A worker taken off keeps the families they lead until those are reallocated.
    """
    record = await get_worker(uow.repos, cmd.team_id, cmd.worker_id)
    worker = record.worker
    limit = None if cmd.clear_caseload_limit else (cmd.caseload_limit or worker.caseload_limit)
    changed = replace(
        record,
        worker=replace(worker, role=cmd.role or worker.role, caseload_limit=limit),
        display_name=cmd.display_name if cmd.display_name is not None else record.display_name,
        active=record.active if cmd.active is None else cmd.active,
    )
    version = await uow.repos.workers.save(changed, record.version, now)
    return replace(changed, version=version)


async def reallocate(
    cmd: Reallocate, uow: ReferralsUnitOfWork, now: datetime, limits: CaseloadLimits
) -> Allocation:
    repos = uow.repos
    allocation = await get_allocation(repos, cmd.allocation_id)
    records = await repos.workers.in_team(allocation.team_id, lock=True)
    allocation.reallocate(
        [r.worker for r in records if r.active],
        await repos.allocations.caseloads(r.worker.worker_id for r in records),
        cmd.reason,
        now,
        limits=limits,
        chosen_worker_id=cmd.worker_id,
    )
    await repos.allocations.save(allocation)
    uow.collect(allocation)
    return allocation


async def close_allocation(
    cmd: CloseAllocation, uow: ReferralsUnitOfWork, now: datetime
) -> Allocation:
    """Step down, step up or close: the closure date and reason are what re-referrals and the
    evaluation's closure measures are counted from."""
    allocation = await get_allocation(uow.repos, cmd.allocation_id)
    allocation.close(cmd.closed_on, cmd.reason, now)
    await uow.repos.allocations.save(allocation)
    uow.collect(allocation)
    return allocation
