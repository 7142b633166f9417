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


def create_platform_tables() -> None:
    """Upgrade step of every service's first revision: outbox, inbox, audit log and idempotency
    keys as they were then. Frozen: later changes are steps of their own, like the one below."""
    from alembic import op

    import runtime.db

    op.create_table(
        "audit_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=True),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.String(length=64), nullable=True),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("purpose", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_family", ["family_id", "seq"], unique=False)
        batch_op.create_index("ix_audit_person", ["person_id", "seq"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("client", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=512), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("aggregate_type", sa.String(length=64), nullable=False),
        sa.Column("aggregate_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("topic", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", runtime.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("id", name=op.f("uq_outbox_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "seq"], unique=False)
    op.create_table(
        "processed_messages",
        sa.Column("handler", sa.String(length=128), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("processed_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("handler", "event_id", name=op.f("pk_processed_messages")),
    )


def drop_platform_tables() -> None:
    from alembic import op

    op.drop_table("processed_messages")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")
    op.drop_table("outbox")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_person")
        batch_op.drop_index("ix_audit_family")
    op.drop_table("audit_log")


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


def create_family_facts() -> None:
    """Upgrade step: the family members and consent read model (runtime.families)."""
    from alembic import op

    from runtime.families import TABLE, family_facts_table

    columns = family_facts_table(MetaData()).columns
    op.create_table(TABLE, *(column._copy() for column in columns))


def drop_family_facts() -> None:
    from alembic import op

    from runtime.families import TABLE

    op.drop_table(TABLE)
