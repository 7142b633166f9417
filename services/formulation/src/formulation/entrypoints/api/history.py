"""Administration: import the formulations of the council's existing history."""

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

from formulation.service_layer.history import import_history

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class ImportResponse(ImportReport):
    formulation_ids: list[uuid.UUID] = Field(description="the formulations this run imported")


@router.post(
    "/imports",
    summary="Import the formulations of historical referrals (all rows or none)",
)
async def import_formulations(
    body: HistoryImport,
    request: Request,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> ImportResponse:
    async with uow:
        result = await import_history(body, uow, utcnow(), caller.subject)
        for f in result.records:
            await audit.record(
                uow.session,
                uow.tables,
                request,
                caller,
                "import",
                "formulation",
                f.id,
                family_id=f.subject.family_id,
            )
        await uow.commit()
    return ImportResponse(
        **ImportReport.of(body.source_system, len(body.referrals), result),
        formulation_ids=[f.id for f in result.records],
    )
