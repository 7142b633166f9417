"""Append-only audit of every read and write of a family's or a person's record.

Entries are inserted, never updated; no code path here or in the API changes one. Only
`lpm prune` deletes them, past their legal retention (runtime.retention).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import func, insert, select
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


def _request_part(request: Request) -> dict[str, Any]:
    """What an entry says of the request: the server's own request id and purpose (the declared
    rule of the route), and, labelled apart, what the caller said of itself, unchecked."""
    rule = getattr(request.state, "rule", None)
    purpose = getattr(rule, "summary", "") or None
    caller_purpose = request.headers.get("x-purpose") or None
    return {
        "method": request.method,
        "path": _path(request)[:512],
        "request_id": getattr(request.state, "request_id", "") or "",
        "caller_request_id": getattr(request.state, "caller_request_id", None),
        "trace_id": current_trace_id(),
        "purpose": purpose and purpose[:256],
        "caller_purpose": caller_purpose and caller_purpose[:256],
    }


def _path(request: Request) -> str:
    """The request's path as `request.url.path` gives it, without building the whole URL."""
    return str(request.scope["path"]).replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")


def _who(principal: Principal) -> dict[str, Any]:
    return {
        "subject": principal.subject,
        "role": str(principal.role),
        "agency_id": principal.agency_id,
        "team_id": principal.team_id,
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
    override = principal.consent_override
    return {
        **_what(action, record_type, record_id, family_id, person_id),
        **_who(principal),
        **_request_part(request),
        "status": status,
        # A record shown without the family's consent says so, and why (runtime.policy).
        "reason": f"consent overridden: {override}"[:256] if override else None,
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
    person_ids: Iterable[object] = (),
    status: int = 200,
) -> None:
    """Append an entry inside the caller's transaction (writes: with the change itself).

    A record that names several people (a contact's children and adults) gets one entry per
    person in `person_ids`, so each one's subject access request finds it."""
    people = list(person_ids) or [person_id]
    rows = [
        _entry(request, principal, action, record_type, record_id, family_id, p, status)
        for p in people
    ]
    await session.execute(insert(tables.audit_log), rows[0] if len(rows) == 1 else rows)


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
    person_ids: Iterable[object] = (),
) -> None:
    """Append a read entry in its own short transaction (one per person of `person_ids`)."""
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
            person_ids=person_ids,
        )


async def record_reads(
    db: Database,
    tables: PlatformTables,
    request: Request,
    principal: Principal,
    record_type: str,
    records: Iterable[tuple[object, ...]],
    status: int = 200,
) -> None:
    """One read entry per record a list returned, as (record id, family id[, person id]), in
    one insert; a record shown for several people comes once per person."""
    rows = [
        _entry(
            request,
            principal,
            "read",
            record_type,
            record_id,
            family_id,
            person[0] if person else None,
            status,
        )
        for record_id, family_id, *person in records
    ]
    if rows:
        async with db.transaction() as session:
            await session.execute(insert(tables.audit_log), rows)


def _route_ids(request: Request) -> tuple[str, str, str | None, str | None]:
    """The record a request aimed at, from its route: (record type, record id, family, person)."""
    params = {**request.query_params, **request.path_params}
    family_id = params.get("family_id")
    person_id = params.get("person_id")
    route = request.scope.get("route")
    template = str(getattr(route, "path", request.url.path))
    names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    if names:
        last = names[-1]
        return last.removesuffix("_id"), str(request.path_params[last]), family_id, person_id
    collection = template.rstrip("/").rsplit("/", 1)[-1] or "request"
    return collection, family_id or person_id or "-", family_id, person_id


async def record_refusal(
    db: Database,
    tables: PlatformTables,
    request: Request,
    principal: Principal,
    status: int,
    reason: str,
    *,
    family_id: object | None = None,
    person_ids: Iterable[object] = (),
) -> None:
    """Append an entry for a refused attempt (403, 404): who tried, at what, and why not; one
    per person of the record aimed at, when the service knows them (`person_ids`)."""
    record_type, record_id, route_family, route_person = _route_ids(request)
    people = list(person_ids) or [route_person]
    rows = []
    for person in people:
        entry = _entry(
            request,
            principal,
            "refused",
            record_type[:64],
            record_id[:64],
            family_id or route_family,
            person,
            status,
        )
        entry["reason"] = reason[:256] or entry["reason"]
        rows.append(entry)
    async with db.transaction() as session:
        await session.execute(insert(tables.audit_log), rows)


async def record_replay(
    db: Database,
    tables: PlatformTables,
    request: Request,
    principal: Principal,
    status: int,
    headers: Iterable[tuple[str, str]],
    body: str,
) -> None:
    """Append an entry for an idempotent replay: the stored answer was shown again.

    The record is the one the first answer named (its Location, else its person or family id).
    """
    try:
        shown = json.loads(body)
    except ValueError:
        shown = None
    shown = shown if isinstance(shown, dict) else {}
    person_id = shown.get("person_id") if isinstance(shown.get("person_id"), str) else None
    family_id = shown.get("family_id") if isinstance(shown.get("family_id"), str) else None
    location = next((v for k, v in headers if k.lower() == "location"), "")
    record_id = location.rstrip("/").rsplit("/", 1)[-1] or person_id or family_id or "-"
    entry = _entry(
        request, principal, "replay", "request", record_id[:64], family_id, person_id, status
    )
    async with db.transaction() as session:
        await session.execute(insert(tables.audit_log).values(entry))


async def refusal_counts(
    db: Database, tables: PlatformTables, since: datetime | None = None
) -> dict[str, Any]:
    """Refused attempts by status and by role, for monitoring (from the trail itself, so every
    replica and every restart counts the same)."""
    audit = tables.audit_log
    q = (
        select(audit.c.status, audit.c.role, func.count())
        .where(audit.c.action == "refused")
        .group_by(audit.c.status, audit.c.role)
    )
    if since is not None:
        q = q.where(audit.c.at >= since)
    async with db.sessions() as session:
        rows = (await session.execute(q)).all()
    by_status: dict[str, int] = {}
    by_role: dict[str, int] = {}
    for status, role, n in rows:
        by_status[str(status)] = by_status.get(str(status), 0) + int(n)
        by_role[str(role)] = by_role.get(str(role), 0) + int(n)
    return {"total": sum(by_status.values()), "by_status": by_status, "by_role": by_role}


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
