"""Keeping up with where a family is allocated, and letting its open plan follow it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from goals.adapters.repository import FamilyAllocations, PlanRepository


@dataclass(frozen=True)
class RecordAllocation:
    family_id: uuid.UUID
    allocation_id: uuid.UUID
    team_id: str
    cluster_id: str
    as_of: datetime
    closed_on: date | None = None


async def record_allocation(cmd: RecordAllocation, session: AsyncSession) -> bool:
    """Apply an allocation, reallocation or closure unless a later one is already known."""
    applied = await FamilyAllocations(session).allocate(
        cmd.family_id,
        team_id=cmd.team_id,
        cluster_id=cmd.cluster_id,
        allocation_id=cmd.allocation_id,
        as_of=cmd.as_of,
        closed_on=cmd.closed_on,
    )
    if not applied:
        return False
    plans = PlanRepository(session)
    for plan in await plans.open_plans_of(cmd.family_id):
        if plan.allocate_to_team(cmd.team_id, cmd.cluster_id):
            await plans.save(plan)
    return True
