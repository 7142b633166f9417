"""Allocation of an accepted family to its cluster's RES team: one lead worker, within caseload
limits, and no waiting list (when nobody has capacity the family is routed elsewhere)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.envelope import EventPayload
from contracts.reference.referrals import (
    DEFAULT_CASELOAD_LIMITS,
    SUPPORT_LEVEL_FOR_DECISION,
    ClosureReason,
    ReallocationReason,
    SupportLevel,
    UnknownReference,
    WorkerRole,
    res_team,
)
from contracts.referrals.v1 import AllocationClosed, FamilyAllocated, FamilyReallocated

from referrals.domain.contact import Contact
from referrals.domain.errors import (
    AllocationAlreadyClosed,
    FamilyAlreadyAllocated,
    FieldError,
    InvalidAllocation,
    NoCapacityInTeam,
    WorkerAtCapacity,
    WorkerNotInTeam,
)


@dataclass(frozen=True)
class TeamWorker:
    """A RES worker who can lead a family; `caseload_limit` overrides the role's (part-time)."""

    worker_id: str
    team_id: str
    role: WorkerRole
    caseload_limit: int | None = None


@dataclass(frozen=True)
class CaseloadLimits:
    """Families a worker may lead at once, by role; configurable, defaults from reference data."""

    by_role: Mapping[WorkerRole, int] = field(default_factory=lambda: dict(DEFAULT_CASELOAD_LIMITS))

    def limit_for(self, worker: TeamWorker) -> int:
        if worker.caseload_limit is not None:
            return worker.caseload_limit
        return self.by_role.get(worker.role, DEFAULT_CASELOAD_LIMITS[worker.role])


def spare_capacity(worker: TeamWorker, caseloads: Mapping[str, int], limits: CaseloadLimits) -> int:
    """How many more families the worker can lead; `caseloads` counts open lead allocations."""
    return limits.limit_for(worker) - caseloads.get(worker.worker_id, 0)


def choose_lead_worker(
    team_id: str,
    team_workers: Iterable[TeamWorker],
    caseloads: Mapping[str, int],
    *,
    limits: CaseloadLimits | None = None,
    chosen_worker_id: str | None = None,
    role: WorkerRole | None = None,
) -> TeamWorker:
    """Validate the manager's choice of lead worker, or pick the one with most room.

    Raises NoCapacityInTeam when nobody can take the family: RES holds no waiting list, so the
    decision must route the family elsewhere.
    """
    limits = limits or CaseloadLimits()
    in_team = [w for w in team_workers if w.team_id == team_id]
    if chosen_worker_id is not None:
        chosen = next((w for w in in_team if w.worker_id == chosen_worker_id), None)
        if chosen is None:
            raise WorkerNotInTeam(
                detail=f"Worker {chosen_worker_id} is not in {_team_label(team_id)}",
                errors=[FieldError("worker_id", f"Choose a worker in {_team_label(team_id)}")],
            )
        if spare_capacity(chosen, caseloads, limits) <= 0:
            raise WorkerAtCapacity(
                detail=(
                    f"Worker {chosen_worker_id} already leads "
                    f"{caseloads.get(chosen_worker_id, 0)} of {limits.limit_for(chosen)} families"
                ),
                extra={"worker_id": chosen_worker_id, "caseload_limit": limits.limit_for(chosen)},
            )
        return chosen
    candidates = [
        w
        for w in in_team
        if (role is None or w.role is role) and spare_capacity(w, caseloads, limits) > 0
    ]
    if not candidates:
        raise NoCapacityInTeam(
            detail=(
                f"No {role.value.replace('_', ' ') + ' ' if role else ''}worker in {_team_label(team_id)} "
                "has capacity. RES holds no waiting list: decide another route for the family, "
                "such as signposting to cluster services."
            ),
            extra={"team_id": team_id},
        )
    return max(candidates, key=lambda w: (spare_capacity(w, caseloads, limits), w.worker_id))


@dataclass(frozen=True)
class LeadWorkerChange:
    from_worker_id: str
    to_worker_id: str
    reason: ReallocationReason
    at: datetime


@dataclass
class Allocation:
    allocation_id: uuid.UUID
    family_id: uuid.UUID
    contact_id: uuid.UUID
    team_id: str
    cluster_id: str
    lead_worker_id: str
    lead_worker_role: WorkerRole
    support_level: SupportLevel
    allocated_at: datetime
    closed_on: date | None = None
    closure_reason: ClosureReason | None = None
    # The practice date of the allocation: the decision's (None on older records).
    allocated_on: date | None = None
    lead_worker_changes: list[LeadWorkerChange] = field(default_factory=list)
    events: list[EventPayload] = field(default_factory=list, compare=False, repr=False)

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def practice_allocated_on(self) -> date:
        return self.allocated_on or self.allocated_at.date()

    @classmethod
    def allocate(
        cls,
        allocation_id: uuid.UUID,
        contact: Contact,
        team_workers: Iterable[TeamWorker],
        caseloads: Mapping[str, int],
        now: datetime,
        *,
        limits: CaseloadLimits | None = None,
        chosen_worker_id: str | None = None,
        open_allocation: Allocation | None = None,
    ) -> Allocation:
        """Allocate the family a contact accepted for RES to its cluster's team.

        `open_allocation` is the family's current open allocation, if any: a family has one lead
        worker, so it cannot be allocated twice.
        """
        decision = contact.decision
        support_level = SUPPORT_LEVEL_FOR_DECISION.get(decision.decision_type) if decision else None
        if (
            support_level is None
            or contact.family_id is None
            or contact.team_id is None
            or contact.cluster_id is None
        ):
            raise InvalidAllocation(
                detail="Only a family accepted for RES can be allocated",
                errors=[FieldError("contact_id", "The contact was not accepted for RES")],
            )
        if open_allocation is not None and open_allocation.is_open:
            raise FamilyAlreadyAllocated(
                detail=f"The family is already allocated in {_team_label(open_allocation.team_id)}",
                extra={
                    "allocation_id": str(open_allocation.allocation_id),
                    "team_id": open_allocation.team_id,
                },
            )
        worker = choose_lead_worker(
            contact.team_id,
            team_workers,
            caseloads,
            limits=limits,
            chosen_worker_id=chosen_worker_id,
        )
        allocation = cls(
            allocation_id=allocation_id,
            family_id=contact.family_id,
            contact_id=contact.contact_id,
            team_id=contact.team_id,
            cluster_id=contact.cluster_id,
            lead_worker_id=worker.worker_id,
            lead_worker_role=worker.role,
            support_level=support_level,
            allocated_at=now,
            allocated_on=contact.decided_on or now.date(),
        )
        allocation.events.append(
            FamilyAllocated(
                family_id=allocation.family_id,
                allocation_id=allocation_id,
                contact_id=allocation.contact_id,
                team_id=allocation.team_id,
                cluster_id=allocation.cluster_id,
                worker_id=worker.worker_id,
                worker_role=worker.role,
                support_level=support_level,
                allocated_at=now,
                allocated_on=allocation.allocated_on,
            )
        )
        return allocation

    def reallocate(
        self,
        team_workers: Iterable[TeamWorker],
        caseloads: Mapping[str, int],
        reason: ReallocationReason,
        now: datetime,
        *,
        limits: CaseloadLimits | None = None,
        chosen_worker_id: str | None = None,
    ) -> TeamWorker:
        """Hand the family to another lead worker in the same team, who must have capacity."""
        self._ensure_open()
        others = [w for w in team_workers if w.worker_id != self.lead_worker_id]
        if chosen_worker_id == self.lead_worker_id:
            raise InvalidAllocation(
                detail="The family already has this lead worker",
                errors=[FieldError("worker_id", "Choose a different worker")],
            )
        worker = choose_lead_worker(
            self.team_id, others, caseloads, limits=limits, chosen_worker_id=chosen_worker_id
        )
        self.lead_worker_changes.append(
            LeadWorkerChange(self.lead_worker_id, worker.worker_id, reason, now)
        )
        previous = self.lead_worker_id
        self.lead_worker_id = worker.worker_id
        self.lead_worker_role = worker.role
        self.events.append(
            FamilyReallocated(
                family_id=self.family_id,
                allocation_id=self.allocation_id,
                contact_id=self.contact_id,
                team_id=self.team_id,
                cluster_id=self.cluster_id,
                from_worker_id=previous,
                worker_id=worker.worker_id,
                worker_role=worker.role,
                reason=reason,
                reallocated_at=now,
            )
        )
        return worker

    def step_down(self, closed_on: date, now: datetime) -> None:
        """The family's needs can be met by cluster or early help services."""
        self.close(closed_on, ClosureReason.STEPPED_DOWN_TO_CLUSTER, now)

    def step_up(self, closed_on: date, now: datetime) -> None:
        """Child protection concerns take the family to area social work."""
        self.close(closed_on, ClosureReason.STEPPED_UP_TO_AREA_SOCIAL_WORK, now)

    def close(self, closed_on: date, reason: ClosureReason, now: datetime) -> None:
        self._ensure_open()
        errors: list[FieldError] = []
        if closed_on < self.practice_allocated_on:
            errors.append(FieldError("closed_on", "The closure date is before the allocation"))
        if closed_on > now.date():
            errors.append(FieldError("closed_on", "The closure date is in the future"))
        if errors:
            raise InvalidAllocation(detail="The closure cannot be recorded", errors=errors)
        self.closed_on = closed_on
        self.closure_reason = reason
        self.events.append(
            AllocationClosed(
                family_id=self.family_id,
                allocation_id=self.allocation_id,
                contact_id=self.contact_id,
                team_id=self.team_id,
                cluster_id=self.cluster_id,
                worker_id=self.lead_worker_id,
                support_level=self.support_level,
                allocated_at=self.allocated_at,
                closed_on=closed_on,
                closure_reason=reason,
                recorded_at=now,
            )
        )

    def _ensure_open(self) -> None:
        if self.closed_on is not None:
            raise AllocationAlreadyClosed(
                detail=f"The allocation closed on {self.closed_on.isoformat()}",
                extra={"allocation_id": str(self.allocation_id)},
            )


def _team_label(team_id: str) -> str:
    try:
        return res_team(team_id).name
    except UnknownReference:
        return team_id
