"""Unit of work: one transaction that stores the state change and its events together."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Self

from contracts.envelope import Envelope, EventPayload
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.db import Database
from runtime.idempotency import scope_for
from runtime.outbox import enqueue
from runtime.tables import PlatformTables
from runtime.telemetry import current_trace_headers


class UnitOfWork:
    """`async with uow:` opens a write transaction; `emit()` queues events; `commit()` stores both.

    Leaving the block without `commit()` rolls everything back, events included.
    """

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        source: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> None:
        self.db = db
        self.tables = tables
        self.source = source
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.emitted: list[Envelope] = []
        self._pending: list[tuple[Envelope, EventPayload]] = []
        self._session: AsyncSession | None = None
        self._cm: AbstractAsyncContextManager[AsyncSession] | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> Self:
        key = scope_for(self.db)
        if key is not None and key.pending is not None:
            # The first one's transaction is still open for its key's answer.
            raise RuntimeError("one unit of work per keyed request")
        self._cm = self.db.transaction()
        self._session = await self._cm.__aenter__()
        self._pending = []
        self._committed = False
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        cm, self._cm = self._cm, None
        assert cm is not None, "__aexit__ without __aenter__"
        key = scope_for(self.db)
        if exc is None and self._committed and key is not None:
            # A keyed request: its key's answer joins this transaction, which the idempotency
            # middleware commits once the answer is known.
            key.keep_open(cm, self.session, signal=bool(self._pending))
            self._session = None
            self.emitted.extend(env for env, _ in self._pending)
            self._pending = []
            return
        if exc is None and not self._committed:
            exc = _RollBack()
            exc_type = _RollBack
        try:
            await cm.__aexit__(exc_type, exc, tb)
        except _RollBack:
            pass
        finally:
            self._session = None
        if self._committed:
            self.emitted.extend(env for env, _ in self._pending)
            if self._pending:
                self.db.outbox_signal.set()
        self._pending = []

    def emit(self, payload: EventPayload) -> Envelope:
        traceparent, tracestate = current_trace_headers()
        envelope = Envelope.wrap(
            payload,
            source=self.source,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            traceparent=traceparent,
            tracestate=tracestate,
        )
        self._pending.append((envelope, payload))
        return envelope

    def collect(self, *aggregates: object) -> None:
        """Emit the events that domain aggregates recorded, in order, and clear them."""
        drain_events(aggregates, self.emit)

    async def commit(self) -> None:
        for envelope, payload in self._pending:
            await enqueue(self.session, self.tables, envelope, payload)
        key = scope_for(self.db)
        if key is not None:
            await key.claim(self.session)
        await self.session.flush()
        self._committed = True


def drain_events(aggregates: Iterable[object], emit: Callable[[EventPayload], object]) -> None:
    """Pass each aggregate's recorded `events` to `emit`, in order, and clear them."""
    for aggregate in aggregates:
        events = getattr(aggregate, "events", None)
        if events:
            for payload in events:
                emit(payload)
            events.clear()


class _RollBack(Exception):
    """Raised into the transaction context to roll back an uncommitted unit of work."""
