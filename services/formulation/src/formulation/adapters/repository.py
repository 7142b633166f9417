"""Repositories of formulations and meetings, and the family → RES team read model.

Every query a caller's request makes goes through a `FamilyScope`: RES staff only ever load
records of families allocated to their team, so anything else reads as not found.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from contracts.reference.formulation import FormulationSetting
from runtime.db import utcnow
from runtime.domain import DomainError
from runtime.families import consent_condition
from runtime.repository import SnapshotRepository
from sqlalchemy import ColumnElement, Row, and_, false, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from formulation.adapters import orm
from formulation.domain.access import FamilyScope
from formulation.domain.errors import (
    FormulationError,
    FormulationNotFound,
    MeetingNotFound,
    ReformulationInDraft,
)
from formulation.domain.formulation import Formulation, FormulationStatus
from formulation.domain.meetings import Meeting

_allocations = orm.family_allocations.c


def visible(family_id: ColumnElement[Any], scope: FamilyScope) -> ColumnElement[bool]:
    """The condition a record's family column must meet for the caller to see it."""
    if scope.every_family:
        return consent_condition(orm.family_facts, family_id, scope.audience)
    if scope.team_id is None:
        return false()
    allocated = select(_allocations.family_id).where(
        _allocations.team_id == scope.team_id, _allocations.is_open.is_(True)
    )
    return family_id.in_(allocated)


A = TypeVar("A", Formulation, Meeting)


class _FamilyScoped(SnapshotRepository[A, uuid.UUID]):
    """Aggregates with an `id` and a family column, loaded only for callers who may see them."""

    revision_column = "revision"
    not_found: ClassVar[type[FormulationError]]

    def key_of(self, aggregate: A) -> uuid.UUID:
        return aggregate.id

    async def visible(self, key: uuid.UUID, scope: FamilyScope) -> A:
        """The record if the caller may see it; otherwise not found, whether it exists or not."""
        found = await self.get(key, visible(self.table.c.family_id, scope))
        if found is None:
            raise self.not_found(detail=str(key))
        return found

    async def summaries(
        self,
        conditions: list[ColumnElement[bool]],
        scope: FamilyScope,
        *,
        limit: int,
        after: tuple[date, uuid.UUID] | None,
    ) -> list[Row[Any]]:
        """One page of summary rows, newest held first, then by id (a stable keyset order)."""
        c, pk = self.table.c, self._pk
        query = (
            select(*(col for col in self.table.columns if col.name != "state"))
            .where(visible(c.family_id, scope), *conditions)
            .order_by(c.held_on.desc(), pk.desc())
            .limit(limit)
        )
        if after is not None:
            held_on, key = after
            query = query.where(or_(c.held_on < held_on, and_(c.held_on == held_on, pk < key)))
        return list((await self.session.execute(query)).all())


def held_between(
    held_on: ColumnElement[date], held_from: date | None, held_to: date | None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if held_from is not None:
        found.append(held_on >= held_from)
    if held_to is not None:
        found.append(held_on <= held_to)
    return found


# -- formulations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormulationFilters:
    family_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    team_id: str | None = None
    setting: FormulationSetting | None = None
    status: FormulationStatus | None = None
    held_from: date | None = None
    held_to: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        c = orm.formulations.c
        found: list[ColumnElement[bool]] = []
        if self.family_id is not None:
            found.append(c.family_id == self.family_id)
        if self.contact_id is not None:
            found.append(c.contact_id == self.contact_id)
        if self.team_id is not None:
            found.append(c.team_id == self.team_id)
        if self.setting is not None:
            found.append(c.setting == self.setting.value)
        if self.status is not None:
            found.append(c.status == self.status.value)
        return found + held_between(c.held_on, self.held_from, self.held_to)


class FormulationRepository(_FamilyScoped[Formulation]):
    table = orm.formulations
    aggregate = Formulation
    record_type = "formulation"
    not_found = FormulationNotFound

    def _columns(self, f: Formulation) -> dict[str, Any]:
        return {
            "lineage_id": f.lineage_id,
            "version": f.version,
            "previous_version_id": f.previous_version_id,
            "status": f.status.value,
            "subject_kind": f.subject.kind.value,
            "subject_id": f.subject.id,
            "family_id": f.subject.family_id,
            "contact_id": f.subject.contact_id,
            "team_id": f.team_id,
            "setting": f.setting.value,
            "held_on": f.held_on,
            "facilitator_id": f.facilitator_id,
            "started_at": f.started_at,
            "completed_at": f.completed_at,
            "updated_at": utcnow(),
        }

    def _duplicate(self, f: Formulation) -> DomainError:
        # The unique (lineage, version): another request re-formulated the same version first.
        return ReformulationInDraft(detail="another re-formulation was just started")

    async def exists(self, formulation_id: uuid.UUID) -> bool:
        c = self.table.c
        found = await self.session.scalar(
            select(c.formulation_id).where(c.formulation_id == formulation_id)
        )
        return found is not None

    async def lineage(self, lineage_id: uuid.UUID, scope: FamilyScope) -> list[Formulation]:
        """Every version of one formulation, oldest first."""
        c = self.table.c
        rows = (
            await self.session.execute(
                select(c.formulation_id, c.state, c.revision)
                .where(c.lineage_id == lineage_id, visible(c.family_id, scope))
                .order_by(c.version)
            )
        ).all()
        return [self._remember(r.formulation_id, r.state, r.revision) for r in rows]


# -- meetings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingFilters:
    family_id: uuid.UUID | None = None
    formulation_id: uuid.UUID | None = None
    team_id: str | None = None
    setting: FormulationSetting | None = None
    held_from: date | None = None
    held_to: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        c = orm.meetings.c
        found: list[ColumnElement[bool]] = []
        if self.family_id is not None:
            found.append(c.family_id == self.family_id)
        if self.formulation_id is not None:
            found.append(c.formulation_id == self.formulation_id)
        if self.team_id is not None:
            found.append(c.team_id == self.team_id)
        if self.setting is not None:
            found.append(c.setting == self.setting.value)
        return found + held_between(c.held_on, self.held_from, self.held_to)


class MeetingRepository(_FamilyScoped[Meeting]):
    table = orm.meetings
    aggregate = Meeting
    record_type = "meeting"
    not_found = MeetingNotFound

    def _columns(self, m: Meeting) -> dict[str, Any]:
        return {
            "setting": m.setting.value,
            "formulation_id": m.formulation_id,
            "family_id": m.family_id,
            "team_id": m.team_id,
            "held_on": m.held_on,
            "facilitator_id": m.facilitator_id,
            "recorded_at": m.recorded_at,
            "updated_at": utcnow(),
        }


# -- family → team read model --------------------------------------------------------------------


class FamilyAllocations:
    """Which RES team each family is allocated to, as the referrals service last said."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def team_of(self, family_id: uuid.UUID) -> str | None:
        """The team the family is allocated to now, or None."""
        team: str | None = await self.session.scalar(
            select(_allocations.team_id).where(
                _allocations.family_id == family_id, _allocations.is_open.is_(True)
            )
        )
        return team

    async def record(
        self,
        family_id: uuid.UUID,
        *,
        allocation_id: uuid.UUID,
        team_id: str,
        is_open: bool,
        at: datetime,
    ) -> bool:
        """Apply what an allocation event says happened `at`; False when a later event already
        said more (events of a family arrive in order, but a replay may bring old ones again).
        """
        values = {
            "allocation_id": allocation_id,
            "team_id": team_id,
            "is_open": is_open,
            "as_of": at,
        }
        as_of = await self.session.scalar(
            select(_allocations.as_of).where(_allocations.family_id == family_id)
        )
        if as_of is None:
            # A close that overtook its allocation is kept too, so the late allocation is ignored.
            await self.session.execute(
                insert(orm.family_allocations).values(family_id=family_id, **values)
            )
            return True
        if as_of > at:
            return False
        await self.session.execute(
            update(orm.family_allocations)
            .where(_allocations.family_id == family_id)
            .values(**values)
        )
        return True
