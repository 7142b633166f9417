"""One page of formulations or meetings: keyset cursor bound to the caller and the filters,
the caller's family scope, and a read audit entry per record listed."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from typing import Any, Protocol

from fastapi import Request
from runtime import audit
from runtime.db import Database
from runtime.errors import ProblemError
from runtime.families import members_by_family, per_person
from runtime.identity import Principal
from runtime.pagination import next_cursor, page_request
from sqlalchemy import ColumnElement, Row

from formulation.adapters import orm
from formulation.adapters.repository import FormulationRepository, MeetingRepository
from formulation.entrypoints.api.callers import scope_of


class Filters(Protocol):
    def conditions(self) -> list[ColumnElement[bool]]: ...


async def list_page(
    request: Request,
    caller: Principal,
    db: Database,
    repository: type[FormulationRepository] | type[MeetingRepository],
    filters: Filters,
    *,
    limit: int | None,
    cursor: str | None,
) -> tuple[list[Row[Any]], str | None]:
    """The rows of one page, newest held first, and the cursor of the next (None at the end)."""
    record_type = repository.record_type
    key = repository.table.primary_key.columns.values()[0].name
    scope = scope_of(caller)
    # A cursor is only good for the caller, the record type and the filters it was minted for.
    cursor_scope = {
        "caller": caller.rate_key,
        "scope": str(scope),
        "record": record_type,
        **asdict(filters),  # type: ignore[call-overload]
    }
    page = page_request(limit, cursor, cursor_scope)
    after = None
    if page.after is not None:
        try:
            after = (date.fromisoformat(page.after[0]), uuid.UUID(page.after[1]))
        except (IndexError, TypeError, ValueError):
            raise ProblemError(400, "the cursor is not valid", code="invalid-cursor") from None
    async with db.sessions() as session:
        rows = await repository(session).summaries(
            filters.conditions(), scope, limit=page.limit + 1, after=after
        )
        items, next_page = next_cursor(
            rows, page.limit, lambda r: (r.held_on.isoformat(), str(getattr(r, key))), cursor_scope
        )
        members = await members_by_family(session, orm.family_facts, (r.family_id for r in items))
    # One entry per member of each family listed, so each one's subject access request finds it.
    await audit.record_reads(
        db,
        request.app.state.tables,
        request,
        caller,
        record_type,
        per_person(((getattr(row, key), row.family_id) for row in items), members),
    )
    return items, next_page
