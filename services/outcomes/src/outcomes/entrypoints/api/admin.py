"""Administration: rebuild the read models from the topics, and watch its progress."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from runtime.domain import NotFound
from runtime.identity import Principal
from runtime.security import principal

from outcomes.service_layer.rebuild import Rebuilder, RebuildStatus

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class RebuildResponse(BaseModel):
    group_id: str
    status: str
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    target_records: int
    records_read: int
    events_applied: int
    lag: int

    @classmethod
    def of(cls, s: RebuildStatus) -> RebuildResponse:
        return cls(
            group_id=s.group_id,
            status=s.status,
            requested_by=s.requested_by,
            started_at=s.started_at,
            finished_at=s.finished_at,
            target_records=s.target_records,
            records_read=s.records_read,
            events_applied=s.events_applied,
            lag=s.lag,
        )


async def _rebuilder(request: Request) -> Rebuilder:
    rebuilder: Rebuilder = request.app.state.rebuilder
    return rebuilder


@router.post("/rebuild", status_code=202, summary="Drop the read models and re-read every topic")
async def start_rebuild(
    caller: Principal = Depends(principal), rebuilder: Rebuilder = Depends(_rebuilder)
) -> RebuildResponse:
    return RebuildResponse.of(await rebuilder.start(caller.subject))


@router.get(
    "/rebuild",
    summary="Progress of the latest rebuild: records read, applied, lag",
    responses={404: {"description": "No rebuild has run yet"}},
)
async def rebuild_progress(rebuilder: Rebuilder = Depends(_rebuilder)) -> RebuildResponse:
    status = await rebuilder.latest()
    if status is None:
        raise NotFound(detail="no rebuild has run")
    return RebuildResponse.of(status)
