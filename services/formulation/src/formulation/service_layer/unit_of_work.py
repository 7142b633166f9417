"""What a use case needs of its transaction, and the one way a stored aggregate is changed.

Both the API's `runtime.uow.UnitOfWork` and a consumer's `runtime.consumer.HandlerContext`
provide `Work`, so one use case serves a request and an incoming event alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from contracts.reference.formulation import FormulationSetting
from runtime.families import FamilyFacts, consent_of
from sqlalchemy.ext.asyncio import AsyncSession

from formulation.adapters import orm
from formulation.adapters.repository import FamilyAllocations
from formulation.domain.access import FamilyScope, check_consent, formulating_team

# A person a record names, with the field that names it.
Named = Sequence[tuple[str, uuid.UUID]]

A = TypeVar("A")
T = TypeVar("T")

# Checks the revision a change was based on (the API passes its If-Match check).
RevisionCheck = Callable[[int], None]


class Work(Protocol):
    @property
    def session(self) -> AsyncSession: ...

    def collect(self, *aggregates: object) -> None: ...


class HasPeople(Protocol):
    def people(self) -> Named: ...


P = TypeVar("P", bound=HasPeople)


async def family_team(
    session: AsyncSession,
    scope: FamilyScope,
    family_id: uuid.UUID | None,
    team_id: str | None,
    setting: FormulationSetting,
) -> str | None:
    """The team a new record of the family belongs to, once the caller may make it: need to
    know for RES staff, and the family's consent to share with the caller and in the setting."""
    allocated = await FamilyAllocations(session).team_of(family_id) if family_id else None
    team = formulating_team(scope, family_id, allocated, team_id)
    consent = await consent_of(session, orm.family_facts, family_id) if family_id else None
    check_consent(scope, family_id, setting, consent)
    return team


async def check_people(session: AsyncSession, family_id: uuid.UUID | None, named: Named) -> None:
    """Every person a record names is a member of its family (runtime.families)."""
    await FamilyFacts(session, orm.family_facts).check_members(family_id, named)


class ScopedRepository(Protocol[A]):
    revisions: dict[uuid.UUID, int]

    async def visible(self, key: uuid.UUID, scope: FamilyScope) -> A: ...

    async def save(self, aggregate: A) -> int: ...


@dataclass(frozen=True)
class Loaded(Generic[A]):
    aggregate: A
    revision: int


@dataclass(frozen=True)
class Changed(Generic[A, T]):
    """An aggregate after a change, its new revision, and what the change returned."""

    aggregate: A
    revision: int
    result: T


async def load(repo: ScopedRepository[A], key: uuid.UUID, scope: FamilyScope) -> Loaded[A]:
    aggregate = await repo.visible(key, scope)
    return Loaded(aggregate, repo.revisions[key])


async def change(
    work: Work,
    repo: ScopedRepository[P],
    key: uuid.UUID,
    scope: FamilyScope,
    check_revision: RevisionCheck,
    apply: Callable[[P], T],
) -> Changed[P, T]:
    """Apply one change to an aggregate the caller may see, over the revision they read; a
    person the change names anew must be of the record's family."""
    aggregate = await repo.visible(key, scope)
    check_revision(repo.revisions[key])
    before = set(aggregate.people())
    result = apply(aggregate)
    added = [named for named in aggregate.people() if named not in before]
    await check_people(work.session, getattr(aggregate, "family_id", None), added)
    revision = await repo.save(aggregate)
    work.collect(aggregate)
    return Changed(aggregate, revision, result)
