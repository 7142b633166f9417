"""Alembic, one environment per service database, run as a step (never on app start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config

from runtime.db import create_engine


def alembic_config(script_location: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Apply migrations (blocking; call from a thread when inside an event loop)."""
    if url.startswith("sqlite"):
        create_engine(url)  # creates the data folder
    command.upgrade(alembic_config(script_location, url), revision)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's `migrations/env.py`."""
    from alembic import context

    config = context.config

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    if context.is_offline_mode():
        context.configure(
            url=config.get_main_option("sqlalchemy.url"),
            target_metadata=target_metadata,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    async def run_async() -> None:
        engine = async_engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    asyncio.run(run_async())


# -- shared steps of every service's migrations --------------------------------------------------

# What an audit entry adds for a subject access request: why a request was refused, and what
# the caller said of itself (its own request id and purpose), kept apart from the server's.
_AUDIT_TRAIL_COLUMNS = (("reason", 256), ("caller_request_id", 64), ("caller_purpose", 256))


def add_audit_trail_columns() -> None:
    """Upgrade step: the audit log's refusal reason and the caller's own labels."""
    from alembic import op

    with op.batch_alter_table("audit_log") as batch:
        for name, length in _AUDIT_TRAIL_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=length), nullable=True))


def drop_audit_trail_columns() -> None:
    from alembic import op

    with op.batch_alter_table("audit_log") as batch:
        for name, _ in reversed(_AUDIT_TRAIL_COLUMNS):
            batch.drop_column(name)
