"""Administration: import the formulations of the council's existing history."""

from __future__ import annotations

import uuid

from contracts.history import HistoryImport
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from runtime import audit
from runtime.app import get_uow
from runtime.db import utcnow
from runtime.identity import Principal
from runtime.security import principal
from runtime.uow import UnitOfWork

from formulation.service_layer.history import import_history

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class ImportResponse(BaseModel):
    source_system: str
    rows: int
    imported: list[str] = Field(description="rows whose formulation this run imported")
    already_imported: list[str] = Field(description="rows an earlier run had imported")
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
        for f in result.formulations:
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
        source_system=body.source_system,
        rows=len(body.referrals),
        imported=result.imported,
        already_imported=result.already_imported,
        formulation_ids=[f.id for f in result.formulations],
    )
