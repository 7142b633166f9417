"""Writes a consumer's transaction holds back, so that a batch of events sends each table's
rows in a few statements instead of a few per event.

The consumer opens staging on its transaction, and flushes it before it records the events in
the inbox and commits; a store that stages (`staged(session, Buffer)`) writes directly when no
staging is open. Anything that reads what a buffer may hold calls `flush_staged` first, so a
handler always sees the effects of the events before it, as if each had been applied alone.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

_STAGED = "lpm.staged"


class Buffer(Protocol):
    def __init__(self) -> None: ...

    async def flush(self, session: AsyncSession) -> None:
        """Send what is held and forget it."""


B = TypeVar("B", bound=Buffer)


def open_staging(session: AsyncSession) -> None:
    session.info[_STAGED] = {}


def close_staging(session: AsyncSession) -> None:
    session.info.pop(_STAGED, None)


def staged(session: AsyncSession, kind: type[B]) -> B | None:
    """The transaction's buffer of `kind` (made on first use) while staging is open, else None."""
    buffers: dict[type[Buffer], Buffer] | None = session.info.get(_STAGED)
    if buffers is None:
        return None
    buffer = buffers.get(kind)
    if buffer is None:
        buffer = buffers[kind] = kind()
    return buffer  # type: ignore[return-value]


async def flush_staged(session: AsyncSession) -> None:
    """Send every buffer's held writes (nothing when staging is closed or empty)."""
    buffers: dict[type[Buffer], Buffer] | None = session.info.get(_STAGED)
    if buffers:
        for buffer in buffers.values():
            await buffer.flush(session)
