"""The BI outcome stream from the consumers: one pseudonymiser per service, emission at most once.

Each stream event's id is derived from the event that caused it, and a handler emits only when
the outbox does not hold that id yet: a rebuild that re-reads the topics emits nothing twice.
"""

from __future__ import annotations

from contracts.envelope import EventPayload
from pydantic import SecretStr
from runtime.consumer import HandlerContext
from runtime.pseudonym import Pseudonymiser
from sqlalchemy import select

from outcomes.domain.outcome_stream import OutcomeStream, stream_event_id


class StreamSource:
    """Builds the `OutcomeStream` on first use, so an app without the secret can still start
    its API (the consumer start-up check refuses to run without it)."""

    def __init__(self, secret: SecretStr) -> None:
        self._secret = secret
        self._stream: OutcomeStream | None = None

    def check(self) -> None:
        self.get()

    def get(self) -> OutcomeStream:
        if self._stream is None:
            self._stream = OutcomeStream(Pseudonymiser(self._secret.get_secret_value()))
        return self._stream


async def emitted(ctx: HandlerContext, event_type: str) -> bool:
    """True when the stream event of `event_type` that `ctx`'s event gives rise to was emitted
    before: a handler asks first, and skips building it again (as on every event a rebuild
    re-reads)."""
    event_id = stream_event_id(ctx.envelope.id, event_type)
    if any(env.id == event_id for env, _ in ctx.emitted):
        return True
    outbox = ctx.tables.outbox.c
    return await ctx.session.scalar(select(outbox.seq).where(outbox.id == event_id)) is not None


def emit(ctx: HandlerContext, payload: EventPayload) -> None:
    """Emit `payload` through the outbox under its derived id (once `emitted` said no)."""
    ctx.emit(payload, event_id=stream_event_id(ctx.envelope.id, payload.event_type))
