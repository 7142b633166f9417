"""Sub-goals overdue a review at their agreed tracking frequency, most overdue first."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from runtime import audit
from runtime.app import get_db
from runtime.db import Database
from runtime.families import members_by_family, per_person
from runtime.fields import today
from runtime.identity import Principal
from runtime.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    PageCursor,
    next_cursor,
    page_request,
)
from runtime.security import principal

from goals.adapters import orm
from goals.adapters.views import list_overdue_reviews
from goals.entrypoints.api.fields import visibility_of

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])


class OverdueReviewResponse(BaseModel):
    plan_id: uuid.UUID
    family_id: uuid.UUID
    team_id: str | None
    sub_goal_id: uuid.UUID
    code: str
    last_reviewed_on: date
    due_on: date
    days_overdue: int


class OverdueReviewPageResponse(BaseModel):
    items: list[OverdueReviewResponse]
    next_cursor: str | None


@router.get("/overdue", summary="Active sub-goals whose review fell due before today")
async def list_overdue(
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
    team_id: str | None = Query(None, max_length=64),
    limit: int = Query(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
    cursor: PageCursor = None,
) -> OverdueReviewPageResponse:
    on = today()
    scope: dict[str, Any] = {
        "subject": caller.subject,
        "role": str(caller.role),
        "team": caller.team_id,
        "team_id": team_id,
        "today": on,
    }
    page = page_request(limit, cursor, scope)
    async with db.sessions() as session:
        rows = await list_overdue_reviews(session, visibility_of(caller), team_id, page, on)
        items, next_page = next_cursor(
            rows, limit, lambda r: (r.due_on.isoformat(), str(r.sub_goal_id)), scope
        )
        members = await members_by_family(session, orm.family_facts, (r.family_id for r in items))
    await audit.record_reads(
        db,
        request.app.state.tables,
        request,
        caller,
        "sub_goal",
        per_person(((row.sub_goal_id, row.family_id) for row in items), members),
    )
    return OverdueReviewPageResponse(
        items=[OverdueReviewResponse(**vars(row)) for row in items], next_cursor=next_page
    )
