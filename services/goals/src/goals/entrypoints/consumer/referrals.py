"""Handlers of the referrals service's allocation events: which RES team works with a family."""

from __future__ import annotations

from contracts.referrals.v1 import AllocationClosed, FamilyAllocated, FamilyReallocated
from runtime.consumer import Handler, HandlerContext

from goals.service_layer.allocations import RecordAllocation, record_allocation


async def family_allocated(ctx: HandlerContext, event: FamilyAllocated) -> None:
    await record_allocation(
        RecordAllocation(
            event.family_id,
            event.allocation_id,
            event.team_id,
            event.cluster_id,
            event.allocated_at,
        ),
        ctx.session,
    )


async def family_reallocated(ctx: HandlerContext, event: FamilyReallocated) -> None:
    await record_allocation(
        RecordAllocation(
            event.family_id,
            event.allocation_id,
            event.team_id,
            event.cluster_id,
            event.reallocated_at,
        ),
        ctx.session,
    )


async def allocation_closed(ctx: HandlerContext, event: AllocationClosed) -> None:
    # From the closure on the team sees nothing of the family (runtime.policy: need to know).
    await record_allocation(
        RecordAllocation(
            event.family_id,
            event.allocation_id,
            event.team_id,
            event.cluster_id,
            event.recorded_at,
            closed_on=event.closed_on,
        ),
        ctx.session,
    )


HANDLERS: dict[str, Handler] = {
    FamilyAllocated.event_type: family_allocated,
    FamilyReallocated.event_type: family_reallocated,
    AllocationClosed.event_type: allocation_closed,
}
