"""The database layer against real databases: connections that went away while idle, and the
SQLite log kept in check without the request's commit doing it."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from runtime import db as db_module
from runtime.db import CHECKPOINT_EVERY_WRITES, Database
from runtime.testing import postgres_database, require_postgres
from sqlalchemy import text

pytestmark = pytest.mark.integration


async def _backend_pid(db: Database) -> int:
    async with db.transaction() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_postgres_connection_killed_while_idle_is_replaced_before_use(monkeypatch):
    require_postgres()
    async with postgres_database("lpm_test_idle") as url:
        db = Database(url)
        try:
            first = await _backend_pid(db)
            admin = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", first)
            finally:
                await admin.close()
            # As if the pooled connection had waited past the idle limit.
            monkeypatch.setattr(db_module, "IDLE_PING_SECONDS", 0.0)
            assert await _backend_pid(db) != first
        finally:
            await db.dispose()


async def test_sqlite_writes_checkpoint_the_log_off_the_write_connection(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
        async with db.write_engine.connect() as conn:
            # The write connection leaves checkpoints to the database's own task.
            assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == 0
        for _ in range(CHECKPOINT_EVERY_WRITES * 3):
            async with db.transaction() as session:
                await session.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": "x" * 3000})
            await asyncio.sleep(0.001)  # as a server goes back to its loop between requests
        if db._checkpoint is not None:
            await db._checkpoint
        assert db.checkpoints >= 2, db.checkpoints
        async with db.engine.connect() as conn:
            _busy, logged, _copied = (
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
            ).one()
        # The log was started again after each checkpoint, so it holds at most the last two
        # checkpoints' worth of writes (3 pages or fewer each), not all of them (576 pages).
        assert logged <= CHECKPOINT_EVERY_WRITES * 2 * 3, logged
        async with db.engine.connect() as conn:
            count = (await conn.exec_driver_sql("SELECT count(*) FROM t")).scalar()
        assert count == CHECKPOINT_EVERY_WRITES * 3
    finally:
        await db.dispose()
