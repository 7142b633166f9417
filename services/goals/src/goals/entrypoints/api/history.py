"""Administration: import the family plans of the council's existing history."""

from __future__ import annotations

import uuid

from contracts.history import HistoryImport
from fastapi import APIRouter, Depends, Request
from pydantic import Field
from runtime import audit
from runtime.app import get_uow
from runtime.db import utcnow
from runtime.history import ImportReport
from runtime.identity import Principal
from runtime.security import principal
from runtime.uow import UnitOfWork

from goals.service_layer.history import import_history

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class ImportResponse(ImportReport):
    plan_ids: list[uuid.UUID] = Field(description="the plans this run imported")


@router.post(
    "/imports",
    summary="Import the family plans of historical referrals (all rows or none)",
    responses={409: {"description": "A row's formulation is not known here yet: retry"}},
)
async def import_plans(
    body: HistoryImport,
    request: Request,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> ImportResponse:
    async with uow:
        result = await import_history(body, uow, utcnow(), caller.subject)
        for plan in result.records:
            await audit.record(
                uow.session,
                uow.tables,
                request,
                caller,
                "import",
                "plan",
                plan.id,
                family_id=plan.family_id,
            )
        await uow.commit()
    return ImportResponse(
        **ImportReport.of(body.source_system, len(body.referrals), result),
        plan_ids=[plan.id for plan in result.records],
    )
