"""How much are we doing: counts from the read models."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from runtime.app import get_db
from runtime.db import Database
from sqlalchemy import func, select

from outcomes.adapters import orm

router = APIRouter(prefix="/v1/measures", tags=["measures"])


class ContactCountsResponse(BaseModel):
    total: int
    by_source: dict[str, int]


@router.get("/contacts", summary="Contacts received, in total and by referral source")
async def contact_counts(db: Database = Depends(get_db)) -> ContactCountsResponse:
    c = orm.contacts.c
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(c.source, func.count())
                .where(c.opened_at.is_not(None), c.source.is_not(None))
                .group_by(c.source)
            )
        ).all()
    by_source = {source: int(n) for source, n in rows}
    return ContactCountsResponse(total=sum(by_source.values()), by_source=by_source)
