"""Repositories of aggregates kept whole as a JSON snapshot beside the columns queries use.

Each repository remembers the revision it read; `save` updates only that revision, so a change
committed in between makes the update miss and raises `StaleRecord` (412): no write is lost.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Column, ColumnElement, Table, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.domain import Conflict, DomainError
from runtime.snapshots import from_snapshot, to_snapshot

A = TypeVar("A")
K = TypeVar("K", bound=Hashable)


class StaleRecord(DomainError):
    code = "precondition-failed"
    status = 412
    title = "The record has changed since you read it"


class SnapshotRepository(Generic[A, K]):
    """Loads and stores one aggregate type: its primary key, `state` and a revision column.

    Subclasses name the table, the aggregate class and the queryable columns (`_columns`);
    they may keep link tables in step (`_after_write`) and name the rule a unique constraint
    enforces (`_duplicate`).
    """

    table: ClassVar[Table]
    aggregate: ClassVar[type]
    record_type: ClassVar[str]
    revision_column: ClassVar[str] = "version"
    # False where an insert can only fail on a fresh random key (no other unique constraint):
    # then there is nothing to recover from, and PostgreSQL is spared the savepoint's two
    # round trips.
    insert_may_be_refused: ClassVar[bool] = True

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.revisions: dict[K, int] = {}
        self._loaded: dict[K, A] = {}

    @property
    def _pk(self) -> Column[Any]:
        return next(iter(self.table.primary_key.columns))

    @property
    def _revision(self) -> Column[Any]:
        return self.table.c[self.revision_column]

    def key_of(self, aggregate: A) -> K:
        value: K = getattr(aggregate, self._pk.name)
        return value

    def _columns(self, aggregate: A) -> dict[str, Any]:
        """The queryable columns besides the key, the revision and `state`."""
        raise NotImplementedError

    async def get(self, key: K, *conditions: ColumnElement[bool]) -> A | None:
        """The aggregate, or None (also when `conditions` exclude it); one object per key."""
        if key in self._loaded:
            if (
                conditions
                and await self.session.scalar(select(self._pk).where(self._pk == key, *conditions))
                is None
            ):
                return None
            return self._loaded[key]
        row = (
            await self.session.execute(
                select(self.table.c.state, self._revision).where(self._pk == key, *conditions)
            )
        ).first()
        if row is None:
            return None
        return self._remember(key, row.state, row[1])

    def _remember(self, key: K, state: Any, revision: int) -> A:
        if key in self._loaded:
            return self._loaded[key]
        aggregate: A = from_snapshot(self.aggregate, state)
        self.revisions[key] = revision
        self._loaded[key] = aggregate
        return aggregate

    async def add(self, aggregate: A) -> int:
        key = self.key_of(aggregate)
        row = {
            self._pk.name: key,
            self.revision_column: 1,
            "state": to_snapshot(aggregate),
            **self._columns(aggregate),
        }
        # Parameters beside a bare INSERT, not `.values()`: the compiled statement is cached
        # once per table instead of rebuilt from the values on every call.
        statement = insert(self.table)
        try:
            if self.insert_may_be_refused and self.session.get_bind().dialect.name == "postgresql":
                # A savepoint, so a refused insert leaves the transaction usable on PostgreSQL
                # (SQLite undoes only the refused statement anyway).
                async with self.session.begin_nested():
                    await self.session.execute(statement, row)
            else:
                await self.session.execute(statement, row)
        except IntegrityError:
            raise self._duplicate(aggregate) from None
        self.revisions[key] = 1
        self._loaded[key] = aggregate
        await self._after_write(aggregate)
        return 1

    async def save(self, aggregate: A) -> int:
        """Store a changed aggregate over the revision it was read at; returns the new one."""
        key = self.key_of(aggregate)
        read = self.revisions[key]
        result = await self.session.execute(
            update(self.table)
            .where(self._pk == key, self._revision == read)
            .values(
                {
                    self.revision_column: read + 1,
                    "state": to_snapshot(aggregate),
                    **self._columns(aggregate),
                }
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleRecord(
                detail=f"The {self.record_type} changed while this request ran; re-read it",
                extra={f"{self.record_type}_id": str(key)},
            )
        self.revisions[key] = read + 1
        await self._after_write(aggregate)
        return read + 1

    async def _after_write(self, aggregate: A) -> None:
        """Keep link tables in step with the aggregate (override where there are any)."""

    def _duplicate(self, aggregate: A) -> DomainError:
        """The rule a unique constraint enforced when two requests raced past the check."""
        return Conflict(detail=f"This {self.record_type} was recorded by another request")
