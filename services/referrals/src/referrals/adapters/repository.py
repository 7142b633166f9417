"""Repositories of the referrals aggregates over the service's own tables.

The aggregates are the runtime's snapshot repositories: each keeps the version it read, and
`save` updates only that version, so a concurrent change raises `StaleRecord` (412).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from contracts.reference.referrals import PersonKind, WorkerRole
from runtime.db import utcnow
from runtime.domain import Conflict, DomainError
from runtime.repository import SnapshotRepository, StaleRecord
from runtime.snapshots import from_snapshot
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters import orm
from referrals.domain.allocation import Allocation, TeamWorker
from referrals.domain.contact import Contact
from referrals.domain.errors import FamilyAlreadyAllocated, PersonAlreadyRegistered
from referrals.domain.identifiers import PersonDetails, normalise_name, postcode_district
from referrals.domain.people import Family, Person
from referrals.domain.rereferral import ClosedInvolvement

A = TypeVar("A")
K = TypeVar("K", bound=Hashable)

OPEN = "open"
CLOSED = "closed"
DECIDED = "decided"


# -- Contacts ----------------------------------------------------------------------------------


def contact_status(contact: Contact) -> str:
    return DECIDED if contact.decision else OPEN


class ContactRepository(SnapshotRepository[Contact, uuid.UUID]):
    table = orm.contacts
    aggregate = Contact
    record_type = "contact"
    insert_may_be_refused = False  # a new contact's only unique key is its fresh uuid

    def _columns(self, contact: Contact) -> dict[str, Any]:
        return {
            "source": str(contact.source),
            "referring_agency_id": contact.referring_agency_id,
            "cluster_id": contact.cluster_id,
            "team_id": contact.team_id,
            "family_id": contact.family_id,
            "status": contact_status(contact),
            "decision_type": str(contact.decision.decision_type) if contact.decision else None,
            "decided_at": contact.decided_at,
            "is_rereferral": contact.is_rereferral,
            "opened_at": contact.opened_at,
            "opened_on": contact.practice_opened_on,
            "updated_at": utcnow(),
        }

    async def _after_write(self, contact: Contact) -> None:
        people = set(contact.child_ids) | set(contact.adult_ids)
        if contact.caller.person_id is not None:
            people.add(contact.caller.person_id)
        if not people:
            return
        link = orm.contact_people
        linked = set(
            (
                await self.session.scalars(
                    select(link.c.person_id).where(link.c.contact_id == contact.contact_id)
                )
            ).all()
        )
        missing = sorted(people - linked, key=str)
        if missing:
            await self.session.execute(
                insert(link),
                [{"contact_id": contact.contact_id, "person_id": p} for p in missing],
            )


# -- People ------------------------------------------------------------------------------------


class PersonRepository(SnapshotRepository[Person, uuid.UUID]):
    table = orm.people
    aggregate = Person
    record_type = "person"

    def _columns(self, person: Person) -> dict[str, Any]:
        d = person.details
        return {
            "kind": str(person.kind),
            "nhs_number": d.nhs_number,
            "family_name_key": normalise_name(d.family_name) or None,
            "date_of_birth": d.date_of_birth,
            "postcode_district": postcode_district(d.postcode) if d.postcode else None,
            "registered_at": person.registered_at,
            "updated_at": person.updated_at,
        }

    def _duplicate(self, person: Person) -> DomainError:
        return PersonAlreadyRegistered(
            detail="This NHS number was registered by another request a moment ago"
        )

    async def candidates(self, details: PersonDetails) -> list[Person]:
        """Everyone who could match: same NHS number, date of birth, family name or district.

        Broader than any match rule needs (see `domain.matching.compare`): a near match is
        found whichever single identifier was mistyped.
        """
        p = orm.people.c
        conditions = []
        if details.nhs_number:
            conditions.append(p.nhs_number == details.nhs_number)
        if details.date_of_birth:
            conditions.append(p.date_of_birth == details.date_of_birth)
        if key := normalise_name(details.family_name):
            conditions.append(p.family_name_key == key)
        if details.postcode:
            conditions.append(p.postcode_district == postcode_district(details.postcode))
        if not conditions:
            return []
        rows = (await self.session.execute(select(p.state).where(or_(*conditions)))).all()
        return [from_snapshot(Person, row.state) for row in rows]

    async def kinds(self, person_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, PersonKind]:
        """The kind (child or adult) of each registered person among `person_ids`."""
        if not person_ids:
            return {}
        p = orm.people.c
        rows = (
            await self.session.execute(
                select(p.person_id, p.kind).where(p.person_id.in_(list(person_ids)))
            )
        ).all()
        return {row.person_id: PersonKind(row.kind) for row in rows}


# -- Families ----------------------------------------------------------------------------------


class FamilyRepository(SnapshotRepository[Family, uuid.UUID]):
    table = orm.families
    aggregate = Family
    record_type = "family"

    def _columns(self, family: Family) -> dict[str, Any]:
        return {"formed_at": family.formed_at, "updated_at": utcnow()}

    async def _after_write(self, family: Family) -> None:
        m = orm.family_members
        await self.session.execute(delete(m).where(m.c.family_id == family.family_id))
        await self.session.execute(
            insert(m),
            [
                {"family_id": family.family_id, "person_id": p, "kind": str(k)}
                for p, k in sorted(family.members.items(), key=lambda item: str(item[0]))
            ],
        )

    async def exists(self, family_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(orm.families.c.family_id).where(orm.families.c.family_id == family_id)
        )
        return found is not None


# -- Allocations -------------------------------------------------------------------------------


class AllocationRepository(SnapshotRepository[Allocation, uuid.UUID]):
    table = orm.allocations
    aggregate = Allocation
    record_type = "allocation"

    def _columns(self, allocation: Allocation) -> dict[str, Any]:
        return {
            "family_id": allocation.family_id,
            "contact_id": allocation.contact_id,
            "team_id": allocation.team_id,
            "cluster_id": allocation.cluster_id,
            "lead_worker_id": allocation.lead_worker_id,
            "status": OPEN if allocation.is_open else CLOSED,
            "allocated_at": allocation.allocated_at,
            "closed_on": allocation.closed_on,
            "updated_at": utcnow(),
        }

    def _duplicate(self, allocation: Allocation) -> DomainError:
        return FamilyAlreadyAllocated(
            detail="The family was allocated by another request a moment ago",
            extra={"family_id": str(allocation.family_id)},
        )

    async def open_for_family(self, family_id: uuid.UUID) -> Allocation | None:
        a = orm.allocations.c
        found = await self.session.scalar(
            select(a.allocation_id).where(a.family_id == family_id, a.status == OPEN)
        )
        return None if found is None else await self.get(found)

    async def for_contact(self, contact_id: uuid.UUID) -> Allocation | None:
        a = orm.allocations.c
        found = await self.session.scalar(select(a.allocation_id).where(a.contact_id == contact_id))
        return None if found is None else await self.get(found)

    async def caseloads(self, worker_ids: Iterable[str]) -> dict[str, int]:
        """Open allocations each worker leads (a worker with none is absent)."""
        a = orm.allocations.c
        rows = (
            await self.session.execute(
                select(a.lead_worker_id, func.count())
                .where(a.lead_worker_id.in_(list(worker_ids)), a.status == OPEN)
                .group_by(a.lead_worker_id)
            )
        ).all()
        return {worker: int(n) for worker, n in rows}

    async def closures_for_person(self, person_id: uuid.UUID) -> list[ClosedInvolvement]:
        """Closed allocations of every family the person belongs to."""
        a, m = orm.allocations.c, orm.family_members.c
        rows = (
            await self.session.execute(
                select(a.allocation_id, a.closed_on)
                .join(orm.family_members, m.family_id == a.family_id)
                .where(m.person_id == person_id, a.status == CLOSED)
            )
        ).all()
        return [ClosedInvolvement(row.closed_on, row.allocation_id) for row in rows]


# -- Workers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerRecord:
    """A RES worker as the team manages them: the domain's TeamWorker plus who and whether."""

    worker: TeamWorker
    display_name: str | None
    active: bool
    version: int
    added_at: datetime


class WorkerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _record(row: Any) -> WorkerRecord:
        return WorkerRecord(
            TeamWorker(row.worker_id, row.team_id, WorkerRole(row.role), row.caseload_limit),
            row.display_name,
            row.active,
            row.version,
            row.added_at,
        )

    async def get(self, worker_id: str) -> WorkerRecord | None:
        row = (
            await self.session.execute(
                select(orm.workers).where(orm.workers.c.worker_id == worker_id)
            )
        ).first()
        return None if row is None else self._record(row)

    async def in_team(self, team_id: str, *, lock: bool = False) -> list[WorkerRecord]:
        """The team's workers; `lock` holds them until commit so two allocations cannot both
        take a worker's last place (PostgreSQL; SQLite already has one writer at a time)."""
        q = (
            select(orm.workers)
            .where(orm.workers.c.team_id == team_id)
            .order_by(orm.workers.c.worker_id)
        )
        if lock:
            q = q.with_for_update()
        return [self._record(row) for row in (await self.session.execute(q)).all()]

    async def add(self, worker: TeamWorker, display_name: str | None, now: datetime) -> None:
        statement = insert(orm.workers).values(
            worker_id=worker.worker_id,
            version=1,
            team_id=worker.team_id,
            role=str(worker.role),
            display_name=display_name,
            caseload_limit=worker.caseload_limit,
            active=True,
            added_at=now,
            updated_at=now,
        )
        try:
            async with self.session.begin_nested():
                await self.session.execute(statement)
        except IntegrityError:
            raise Conflict(
                detail=f"Worker {worker.worker_id} was added by another request",
                extra={"worker_id": worker.worker_id},
            ) from None

    async def save(self, record: WorkerRecord, read_version: int, now: datetime) -> int:
        w = orm.workers.c
        result = await self.session.execute(
            update(orm.workers)
            .where(and_(w.worker_id == record.worker.worker_id, w.version == read_version))
            .values(
                version=read_version + 1,
                role=str(record.worker.role),
                display_name=record.display_name,
                caseload_limit=record.worker.caseload_limit,
                active=record.active,
                updated_at=now,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleRecord(
                detail="The worker changed while this request ran; re-read it",
                extra={"worker_id": record.worker.worker_id},
            )
        return read_version + 1


class Repositories:
    """Every repository over one unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.contacts = ContactRepository(session)
        self.people = PersonRepository(session)
        self.families = FamilyRepository(session)
        self.allocations = AllocationRepository(session)
        self.workers = WorkerRepository(session)
