"""Read side: lists with filters and keyset pagination, and the team checks that decide what
RES staff may read. Queries only; nothing here changes a record."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from runtime.pagination import PageRequest
from runtime.snapshots import from_snapshot
from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from referrals.adapters import orm
from referrals.adapters.repository import OPEN
from referrals.domain.allocation import Allocation
from referrals.domain.contact import Contact


@dataclass(frozen=True)
class ContactFilters:
    status: str | None = None
    source: str | None = None
    cluster_id: str | None = None
    team_id: str | None = None
    decision_type: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    family_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    is_rereferral: bool | None = None
    # Set from the caller, never from the query: a partner's agency, a RES worker's team.
    agency_id: str | None = None
    visible_team_id: str | None = None

    def scope(self) -> dict[str, Any]:
        return {k: str(v) for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class AllocationFilters:
    team_id: str | None = None
    status: str | None = None
    family_id: uuid.UUID | None = None
    lead_worker_id: str | None = None
    visible_team_id: str | None = None

    def scope(self) -> dict[str, Any]:
        return {k: str(v) for k, v in asdict(self).items() if v is not None}


async def list_contacts(
    session: AsyncSession, filters: ContactFilters, page: PageRequest
) -> list[tuple[Contact, int]]:
    """Newest first; up to `page.limit + 1` rows so the caller knows whether more follow."""
    c = orm.contacts.c
    q: Select[Any] = select(c.state, c.version)
    equal = {
        c.status: filters.status,
        c.source: filters.source,
        c.cluster_id: filters.cluster_id,
        c.team_id: filters.team_id,
        c.decision_type: filters.decision_type,
        c.family_id: filters.family_id,
        c.is_rereferral: filters.is_rereferral,
        c.referring_agency_id: filters.agency_id,
    }
    for column, value in equal.items():
        if value is not None:
            q = q.where(column == value)
    if filters.visible_team_id is not None:
        q = q.where(contacts_allocated_to_team(filters.visible_team_id))
    # By the day the request for help was made, not the day it was written up.
    if filters.opened_from is not None:
        q = q.where(c.opened_on >= filters.opened_from)
    if filters.opened_to is not None:
        q = q.where(c.opened_on <= filters.opened_to)
    if filters.person_id is not None:
        link = orm.contact_people.c
        q = q.where(
            exists().where(link.contact_id == c.contact_id, link.person_id == filters.person_id)
        )
    if page.after is not None:
        opened, contact_id = datetime.fromisoformat(page.after[0]), uuid.UUID(page.after[1])
        q = q.where(
            or_(c.opened_at < opened, and_(c.opened_at == opened, c.contact_id < contact_id))
        )
    q = q.order_by(c.opened_at.desc(), c.contact_id.desc()).limit(page.limit + 1)
    rows = (await session.execute(q)).all()
    return [(from_snapshot(Contact, row.state), row.version) for row in rows]


def contact_sort_key(item: tuple[Contact, int]) -> list[str]:
    return [item[0].opened_at.isoformat(), str(item[0].contact_id)]


async def list_allocations(
    session: AsyncSession, filters: AllocationFilters, page: PageRequest
) -> list[tuple[Allocation, int]]:
    a = orm.allocations.c
    q: Select[Any] = select(a.state, a.version)
    equal = {
        a.team_id: filters.team_id,
        a.status: filters.status,
        a.family_id: filters.family_id,
        a.lead_worker_id: filters.lead_worker_id,
    }
    for column, value in equal.items():
        if value is not None:
            q = q.where(column == value)
    if filters.visible_team_id is not None:
        q = q.where(a.team_id == filters.visible_team_id)
    if page.after is not None:
        at, allocation_id = datetime.fromisoformat(page.after[0]), uuid.UUID(page.after[1])
        q = q.where(
            or_(a.allocated_at < at, and_(a.allocated_at == at, a.allocation_id < allocation_id))
        )
    q = q.order_by(a.allocated_at.desc(), a.allocation_id.desc()).limit(page.limit + 1)
    rows = (await session.execute(q)).all()
    return [(from_snapshot(Allocation, row.state), row.version) for row in rows]


def allocation_sort_key(item: tuple[Allocation, int]) -> list[str]:
    return [item[0].allocated_at.isoformat(), str(item[0].allocation_id)]


# -- what a RES team may read: families allocated to it, and the people in them ----------------


# runtime.policy's need to know: a RES team sees a family only while its allocation to the
# team is open; the queries below are that rule, each for one kind of record.


def _open_allocation_of(team_id: str) -> ColumnElement[bool]:
    a = orm.allocations.c
    return (a.team_id == team_id) & (a.status == OPEN)


async def family_allocated_to_team(
    session: AsyncSession, family_id: uuid.UUID, team_id: str
) -> bool:
    a = orm.allocations.c
    found = await session.scalar(
        select(a.allocation_id)
        .where(a.family_id == family_id, _open_allocation_of(team_id))
        .limit(1)
    )
    return found is not None


async def person_allocated_to_team(
    session: AsyncSession, person_id: uuid.UUID, team_id: str
) -> bool:
    a, m = orm.allocations.c, orm.family_members.c
    found = await session.scalar(
        select(a.allocation_id)
        .join(orm.family_members, m.family_id == a.family_id)
        .where(m.person_id == person_id, _open_allocation_of(team_id))
        .limit(1)
    )
    return found is not None


def contacts_allocated_to_team(team_id: str) -> ColumnElement[bool]:
    """A condition on `contacts`: an open allocation of the team came from the contact."""
    a = orm.allocations.c
    return orm.contacts.c.contact_id.in_(select(a.contact_id).where(_open_allocation_of(team_id)))


async def contact_allocated_to_team(
    session: AsyncSession, contact_id: uuid.UUID, team_id: str
) -> bool:
    a = orm.allocations.c
    found = await session.scalar(
        select(a.allocation_id)
        .where(a.contact_id == contact_id, _open_allocation_of(team_id))
        .limit(1)
    )
    return found is not None
