"""What a use case needs of its transaction, and the one way a stored aggregate is changed.

Both the API's `runtime.uow.UnitOfWork` and a consumer's `runtime.consumer.HandlerContext`
provide `Work`, so one use case serves a request and an incoming event alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from formulation.domain.access import FamilyScope

A = TypeVar("A")
T = TypeVar("T")

# Checks the revision a change was based on (the API passes its If-Match check).
RevisionCheck = Callable[[int], None]


class Work(Protocol):
    @property
    def session(self) -> AsyncSession: ...

    def collect(self, *aggregates: object) -> None: ...


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
    repo: ScopedRepository[A],
    key: uuid.UUID,
    scope: FamilyScope,
    check_revision: RevisionCheck,
    apply: Callable[[A], T],
) -> Changed[A, T]:
    """Apply one change to an aggregate the caller may see, over the revision they read."""
    aggregate = await repo.visible(key, scope)
    check_revision(repo.revisions[key])
    result = apply(aggregate)
    revision = await repo.save(aggregate)
    work.collect(aggregate)
    return Changed(aggregate, revision, result)
