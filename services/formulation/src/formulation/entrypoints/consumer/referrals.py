"""Handlers of the referrals service's events: referral-stage formulations the front door asks
for, and the read model of which RES team each family is allocated to.
"""

from __future__ import annotations

from contracts.referrals.v1 import (
    AllocationClosed,
    FamilyAllocated,
    FamilyReallocated,
    FormulationRequested,
)
from runtime.consumer import Handler, HandlerContext
from runtime.db import utcnow

from formulation.adapters.repository import FamilyAllocations
from formulation.service_layer.formulations import (
    OpenRequestedFormulation,
    open_requested_formulation,
)


async def formulation_requested(ctx: HandlerContext, event: FormulationRequested) -> None:
    """Open a draft referral-stage formulation of the contact; FormulationStarted carries the
    contact id back to referrals. The same request arriving again opens nothing more.
    """
    cmd = OpenRequestedFormulation(
        formulation_request_id=event.formulation_request_id,
        contact_id=event.contact_id,
        family_id=event.family_id,
        requested_at=event.requested_at,
        requested_by=event.requested_by,
    )
    formulation = await open_requested_formulation(cmd, ctx, utcnow())
    if formulation is not None:
        await ctx.audit("create", "formulation", formulation.id, family_id=event.family_id)


async def family_allocated(ctx: HandlerContext, event: FamilyAllocated) -> None:
    await FamilyAllocations(ctx.session).record(
        event.family_id,
        allocation_id=event.allocation_id,
        team_id=event.team_id,
        is_open=True,
        at=event.allocated_at,
    )


async def family_reallocated(ctx: HandlerContext, event: FamilyReallocated) -> None:
    await FamilyAllocations(ctx.session).record(
        event.family_id,
        allocation_id=event.allocation_id,
        team_id=event.team_id,
        is_open=True,
        at=event.reallocated_at,
    )


async def allocation_closed(ctx: HandlerContext, event: AllocationClosed) -> None:
    await FamilyAllocations(ctx.session).record(
        event.family_id,
        allocation_id=event.allocation_id,
        team_id=event.team_id,
        is_open=False,
        at=event.recorded_at,
    )


HANDLERS: dict[str, Handler] = {
    FormulationRequested.event_type: formulation_requested,
    FamilyAllocated.event_type: family_allocated,
    FamilyReallocated.event_type: family_reallocated,
    AllocationClosed.event_type: allocation_closed,
}
