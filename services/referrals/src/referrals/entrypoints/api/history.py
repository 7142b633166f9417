"""Administration: import the front door's history from the council's case system."""

from __future__ import annotations

import uuid

from contracts.history import HistoryImport
from fastapi import APIRouter, Depends, Request
from pydantic import Field
from runtime import audit
from runtime.db import utcnow
from runtime.history import ImportReport
from runtime.identity import Principal
from runtime.security import principal

from referrals.domain.allocation import CaseloadLimits
from referrals.entrypoints.api.access import caseload_limits, get_referrals_uow
from referrals.service_layer.history import import_history
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class ImportResponse(ImportReport):
    contact_ids: list[uuid.UUID] = Field(description="the contacts this run imported")


@router.post(
    "/imports",
    summary="Import historical referrals (all rows or none; rows already imported are found)",
)
async def import_referrals(
    body: HistoryImport,
    request: Request,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
    limits: CaseloadLimits = Depends(caseload_limits),
) -> ImportResponse:
    async with uow:
        result = await import_history(body, uow, utcnow(), limits, caller.subject)
        for contact_id in result.records:
            await audit.record(
                uow.session, uow.tables, request, caller, "import", "contact", contact_id
            )
        await uow.commit()
    return ImportResponse(
        **ImportReport.of(body.source_system, len(body.referrals), result),
        contact_ids=result.records,
    )
