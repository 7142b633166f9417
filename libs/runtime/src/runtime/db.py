"""Async database access: one engine per service, SQLite or PostgreSQL chosen by URL."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import DateTime, MetaData, TypeDecorator, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def is_postgres(url_or_engine: str | AsyncEngine) -> bool:
    url = str(url_or_engine.url) if isinstance(url_or_engine, AsyncEngine) else url_or_engine
    return url.startswith("postgresql")


def _sqlite_path(url: str) -> str:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


class InlineSQLiteConnection(aiosqlite.Connection):
    """aiosqlite's connection, its calls made on the event loop's own thread.

    For the connection that writes only: a write transaction is a few short statements under
    the process's write lock, and sending each to a worker thread and back (about three hops a
    statement) costs more than the statement itself and holds the lock for the round trips.
    Long reads stay on the threaded engine, so they never block the loop.
    """

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    def __await__(self) -> Generator[Any, None, InlineSQLiteConnection]:
        return self._open().__await__()

    async def _open(self) -> InlineSQLiteConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys are off by default.
    # synchronous=NORMAL in WAL syncs the log at checkpoints, not at every commit: a commit
    # survives the process crashing; only a power cut can lose the last few (never the file).
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _no_autocheckpoint(dbapi_conn: Any, _record: Any) -> None:
    # The write connection runs on the event loop's thread, where a checkpoint's fsync would
    # stall every request; `Database` checkpoints on a worker thread instead.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


def create_engine(url: str, *, inline: bool = False, **kwargs: Any) -> AsyncEngine:
    """The engine for `url`; `inline` (SQLite only) makes the event-loop-thread write engine."""
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if inline:

            def connect() -> sqlite3.Connection:
                return sqlite3.connect(path, timeout=30, check_same_thread=False)

            async def creator() -> InlineSQLiteConnection:
                return await InlineSQLiteConnection(connect)

            engine = create_async_engine(
                url, async_creator=creator, pool_size=1, max_overflow=4, **kwargs
            )
        else:
            engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if inline:
            event.listen(engine.sync_engine, "connect", _no_autocheckpoint)
        return engine
    # Sized for one process's concurrent requests plus its relay and consumer; a replica or
    # uvicorn worker has its own pool (PostgreSQL's default of 100 connections covers 8x20).
    engine = create_async_engine(url, pool_size=10, max_overflow=10, **kwargs)
    _ping_when_idle(engine)
    return engine


# A connection back in the pool for longer than this is pinged before it is used again.
IDLE_PING_SECONDS = 2.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Test a pooled connection before use only when it has been idle: the pool's own pre-ping
    costs three round trips (BEGIN, a statement, ROLLBACK) on every checkout, more than a
    request's inserts; a connection in steady use is known to be alive, and one that fails
    anyway gets 503 and has the pool recycle every connection it had."""
    pool_events = engine.sync_engine.pool

    def fresh(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # The pool drops this connection and checks out another (or connects anew).
            raise sa_exc.DisconnectionError(f"idle connection is gone: {exc}") from exc

    event.listen(pool_events, "connect", fresh)
    event.listen(pool_events, "checkin", fresh)
    event.listen(pool_events, "checkout", checkout)


# SQLSTATEs of a server that is away or refusing for now: connection exceptions (class 08),
# shutting down or starting up (57P01-57P03), too many connections (53300).
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P01", "57P02", "57P03", "53300")


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database is briefly away (restarting, refusing connections,
    a connection dropped), not that the statement or the data is wrong: worth a retry."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, sa_exc.TimeoutError | ConnectionError | TimeoutError):
            return True  # pool checkout timed out, or the socket was refused or reset
        sqlstate = getattr(e, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
            return True
        name = type(e).__name__
        if name in ("ConnectionDoesNotExistError", "InternalClientError"):
            # asyncpg: the connection closed mid-operation, or was left mid-operation by one.
            return True
        if name == "OperationalError" and "database is locked" in str(e):
            return True  # SQLite: another writer held the file past busy_timeout
        todo.extend([getattr(e, "orig", None), e.__cause__, e.__context__])
    return False


# Write transactions between two checkpoints of a SQLite file: about SQLite's own default of
# 1000 pages at some 15 pages a write (a row and its indexes, its audit entry, its event).
CHECKPOINT_EVERY_WRITES = 64


class Database:
    """The engine, its session factory, and an in-process signal that the outbox has rows."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.outbox_signal = asyncio.Event()
        # SQLite allows one writer: serialise this process's write transactions on it, on a
        # connection that runs in the loop's thread (see InlineSQLiteConnection).
        self.write_lock: asyncio.Lock | None = None if is_postgres(url) else asyncio.Lock()
        self.write_engine = (
            self.engine if self.write_lock is None else create_engine(url, inline=True)
        )
        self.write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)
        self._writes_since_checkpoint = 0
        self._checkpoint: asyncio.Task[None] | None = None
        self.checkpoints = 0  # completed, for tests and logs

    @property
    def is_postgres(self) -> bool:
        return is_postgres(self.url)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction: committed on success, rolled back on error."""
        if self.write_lock is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self.write_lock, self.write_sessions() as session, session.begin():
            yield session
        self._writes_since_checkpoint += 1
        if self._writes_since_checkpoint >= CHECKPOINT_EVERY_WRITES and self._checkpoint is None:
            self._writes_since_checkpoint = 0
            self._checkpoint = asyncio.create_task(self._checkpoint_wal())

    async def _checkpoint_wal(self) -> None:
        """Copy the log's committed pages into the file (and sync it) on the threaded engine,
        the loop free meanwhile. This process's writers wait for it: a log copied whole is
        started again from its beginning by the next write, else it would only grow."""
        assert self.write_lock is not None
        try:
            async with self.write_lock, self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            self.checkpoints += 1
        except Exception as exc:  # the next one tries again; SQLite keeps the log meanwhile
            log.warning("SQLite checkpoint failed (%s)", exc)
        finally:
            self._checkpoint = None

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self._checkpoint is not None:
            await asyncio.wait([self._checkpoint])
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
