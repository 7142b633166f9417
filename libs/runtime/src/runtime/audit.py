"""Append-only audit of every read and write of a family's or a person's record.

Entries are inserted, never updated or deleted: no code path here or in the API changes one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Request
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.db import Database, utcnow
from runtime.identity import Principal
from runtime.tables import PlatformTables
from runtime.telemetry import current_trace_id


def _what(
    action: str, record_type: str, record_id: object, family_id: object, person_id: object
) -> dict[str, Any]:
    """The part of an entry that says what was done to which record, whoever did it."""
    return {
        "at": utcnow(),
        "action": action,
        "record_type": record_type,
        "record_id": str(record_id),
        "family_id": str(family_id) if family_id else None,
        "person_id": str(person_id) if person_id else None,
    }


def _entry(
    request: Request,
    principal: Principal,
    action: str,
    record_type: str,
    record_id: object,
    family_id: object,
    person_id: object,
    status: int,
) -> dict[str, Any]:
    return {
        **_what(action, record_type, record_id, family_id, person_id),
        "subject": principal.subject,
        "role": str(principal.role),
        "agency_id": principal.agency_id,
        "team_id": principal.team_id,
        "method": request.method,
        "path": request.url.path[:512],
        "status": status,
        "request_id": getattr(request.state, "request_id", "") or "",
        "trace_id": current_trace_id(),
        "purpose": (request.headers.get("x-purpose") or None)
        and request.headers["x-purpose"][:256],
    }


async def record(
    session: AsyncSession,
    tables: PlatformTables,
    request: Request,
    principal: Principal,
    action: str,
    record_type: str,
    record_id: object,
    *,
    family_id: object | None = None,
    person_id: object | None = None,
    status: int = 200,
) -> None:
    """Append an entry inside the caller's transaction (writes: with the change itself)."""
    await session.execute(
        insert(tables.audit_log),
        _entry(request, principal, action, record_type, record_id, family_id, person_id, status),
    )


async def record_event(
    session: AsyncSession,
    tables: PlatformTables,
    *,
    service: str,
    event_id: object,
    event_type: str,
    traceparent: str | None,
    action: str,
    record_type: str,
    record_id: object,
    family_id: object | None = None,
    person_id: object | None = None,
) -> None:
    """Append an entry for a write the service made itself on another service's event.

    The subject is the service, the request id the causing event's id, and the path its type,
    so a subject access request shows who asked (through the event) as well as what changed.
    """
    trace_id = traceparent.split("-")[1] if traceparent and traceparent.count("-") == 3 else None
    await session.execute(
        insert(tables.audit_log).values(
            **_what(action, record_type, record_id, family_id, person_id),
            subject=service[:128],
            role="service",
            agency_id=None,
            team_id=None,
            method="EVENT",
            path=event_type[:512],
            status=200,
            request_id=str(event_id),
            trace_id=trace_id,
            purpose=None,
        )
    )


async def record_read(
    db: Database,
    tables: PlatformTables,
    request: Request,
    principal: Principal,
    record_type: str,
    record_id: object,
    *,
    family_id: object | None = None,
    person_id: object | None = None,
) -> None:
    """Append a read entry in its own short transaction."""
    async with db.transaction() as session:
        await record(
            session,
            tables,
            request,
            principal,
            "read",
            record_type,
            record_id,
            family_id=family_id,
            person_id=person_id,
        )


async def record_reads(
    db: Database,
    tables: PlatformTables,
    request: Request,
    principal: Principal,
    record_type: str,
    records: Iterable[tuple[object, object | None]],
) -> None:
    """One read entry per record a list returned, as (record id, family id), in one insert."""
    rows = [
        _entry(request, principal, "read", record_type, record_id, family_id, None, 200)
        for record_id, family_id in records
    ]
    if rows:
        async with db.transaction() as session:
            await session.execute(insert(tables.audit_log), rows)


async def query(
    db: Database,
    tables: PlatformTables,
    *,
    family_id: str | None = None,
    person_id: str | None = None,
    record_id: str | None = None,
    after_seq: int = 0,
    limit: int = 100,
) -> list[dict[str, Any]]:
    audit = tables.audit_log
    q = select(audit).where(audit.c.seq > after_seq).order_by(audit.c.seq).limit(limit)
    if family_id:
        q = q.where(audit.c.family_id == family_id)
    if person_id:
        q = q.where(audit.c.person_id == person_id)
    if record_id:
        q = q.where(audit.c.record_id == record_id)
    async with db.sessions() as session:
        rows = (await session.execute(q)).mappings().all()
    return [dict(r) for r in rows]
