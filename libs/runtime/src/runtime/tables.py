"""Tables every service database has: outbox, inbox, audit log and idempotency keys.

Each service calls `platform_tables(metadata)` on its own MetaData so that its Alembic
migrations own these tables like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

from runtime.db import UtcDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
SequenceId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class PlatformTables:
    outbox: Table
    processed_messages: Table
    audit_log: Table
    idempotency_keys: Table


def platform_tables(metadata: MetaData) -> PlatformTables:
    outbox = Table(
        "outbox",
        metadata,
        # seq orders the log; id is the event id (the envelope's CloudEvents id).
        Column("seq", SequenceId, primary_key=True, autoincrement=True),
        Column("id", Uuid, nullable=False, unique=True),
        Column("aggregate_type", String(64), nullable=False),
        Column("aggregate_id", String(64), nullable=False),
        Column("event_type", String(128), nullable=False),
        Column("topic", String(128), nullable=False),
        Column("key", String(128), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("published_at", UtcDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime, nullable=False),
        Column("last_error", Text, nullable=True),
    )
    Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.seq)
    processed = Table(
        "processed_messages",
        metadata,
        Column("handler", String(128), primary_key=True),
        Column("event_id", Uuid, primary_key=True),
        Column("event_type", String(128), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False),
    )
    audit = Table(
        "audit_log",
        metadata,
        Column("seq", SequenceId, primary_key=True, autoincrement=True),
        Column("at", UtcDateTime, nullable=False),
        Column("subject", String(128), nullable=False),
        Column("role", String(64), nullable=True),
        Column("agency_id", String(64), nullable=True),
        Column("team_id", String(64), nullable=True),
        Column("action", String(32), nullable=False),
        Column("record_type", String(64), nullable=False),
        Column("record_id", String(64), nullable=False),
        Column("family_id", String(64), nullable=True),
        Column("person_id", String(64), nullable=True),
        Column("method", String(8), nullable=False),
        Column("path", String(512), nullable=False),
        Column("status", Integer, nullable=False),
        Column("request_id", String(64), nullable=False),
        Column("trace_id", String(32), nullable=True),
        Column("purpose", String(256), nullable=True),
        # Why a refused request was refused (403/404); the caller's own request id and purpose,
        # as it sent them: labelled as the caller's, never taken for the server's.
        Column("reason", String(256), nullable=True),
        Column("caller_request_id", String(64), nullable=True),
        Column("caller_purpose", String(256), nullable=True),
    )
    Index("ix_audit_family", audit.c.family_id, audit.c.seq)
    Index("ix_audit_person", audit.c.person_id, audit.c.seq)
    idem = Table(
        "idempotency_keys",
        metadata,
        Column("client", String(128), primary_key=True),
        Column("key", String(128), primary_key=True),
        Column("method", String(8), nullable=False),
        Column("path", String(512), nullable=False),
        Column("body_hash", String(64), nullable=False),
        Column("status", Integer, nullable=False),
        Column("response_headers", JSON, nullable=False),
        Column("response_body", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
    )
    return PlatformTables(outbox, processed, audit, idem)
