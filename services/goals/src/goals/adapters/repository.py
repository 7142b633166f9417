"""The plan repository and the read models built from other services' events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from contracts.reference.goals import PlanStatus
from runtime.db import utcnow
from runtime.families import consent_condition
from runtime.repository import SnapshotRepository
from sqlalchemy import ColumnElement, delete, false, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from goals.adapters import orm
from goals.domain.access import Visibility
from goals.domain.opening import CompletedFormulation
from goals.domain.plan import FamilyPlan
from goals.domain.reviews import review_due_on


def visible(visibility: Visibility) -> ColumnElement[bool]:
    """A condition on `plans` joined to nothing: the family is allocated to the caller's team."""
    if visibility.everyone:
        return consent_condition(orm.family_facts, orm.plans.c.family_id, visibility.audience)
    if visibility.team_id is None:
        return false()
    # runtime.policy's need to know: only while the family's allocation to the team is open.
    return orm.plans.c.family_id.in_(
        select(orm.families.c.family_id).where(
            orm.families.c.team_id == visibility.team_id, orm.families.c.closed_on.is_(None)
        )
    )


class PlanRepository(SnapshotRepository[FamilyPlan, uuid.UUID]):
    table = orm.plans
    aggregate = FamilyPlan
    record_type = "plan"

    def key_of(self, plan: FamilyPlan) -> uuid.UUID:
        return plan.id

    async def get(  # type: ignore[override]
        self, plan_id: uuid.UUID, visibility: Visibility
    ) -> FamilyPlan | None:
        """The plan, or None when there is none or the caller may not see it."""
        return await super().get(plan_id, visible(visibility))

    async def open_plans_of(self, family_id: uuid.UUID) -> list[FamilyPlan]:
        rows = (
            await self.session.execute(
                select(orm.plans.c.plan_id, orm.plans.c.state, orm.plans.c.version)
                .where(
                    orm.plans.c.family_id == family_id,
                    orm.plans.c.status == PlanStatus.OPEN.value,
                )
                .order_by(orm.plans.c.opened_at)
            )
        ).all()
        return [self._remember(row.plan_id, row.state, row.version) for row in rows]

    def _columns(self, plan: FamilyPlan) -> dict[str, object]:
        return {
            "family_id": plan.family_id,
            "formulation_id": plan.formulation_id,
            "team_id": plan.team_id,
            "cluster_id": plan.cluster_id,
            "status": str(plan.status),
            "opened_at": plan.opened_at,
            "updated_at": utcnow(),
        }

    async def _after_write(self, plan: FamilyPlan) -> None:
        await self._index_sub_goals(plan)

    async def _index_sub_goals(self, plan: FamilyPlan) -> None:
        await self.session.execute(delete(orm.sub_goals).where(orm.sub_goals.c.plan_id == plan.id))
        if not plan.sub_goals:
            return
        rows = []
        for position, sub_goal in enumerate(plan.sub_goals):
            due_on = review_due_on(sub_goal) if plan.is_open else None
            last_reviewed = None
            if due_on is not None:
                last_reviewed = sub_goal.last_reviewed_on() or sub_goal.activated_on
            rows.append(
                {
                    "sub_goal_id": sub_goal.id,
                    "plan_id": plan.id,
                    "family_id": plan.family_id,
                    "position": position,
                    "code": sub_goal.code,
                    "status": str(sub_goal.status),
                    "tracking_frequency_days": sub_goal.tracking_frequency_days,
                    "last_reviewed_on": last_reviewed,
                    "review_due_on": due_on,
                }
            )
        await self.session.execute(insert(orm.sub_goals), rows)


class FamilyAllocations:
    """family -> RES team, kept from the referrals service's allocation events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def team_of(self, family_id: uuid.UUID) -> tuple[str, str] | None:
        """The team and cluster the family is allocated to now; None once the allocation closed."""
        row = (
            await self.session.execute(
                select(orm.families.c.team_id, orm.families.c.cluster_id).where(
                    orm.families.c.family_id == family_id, orm.families.c.closed_on.is_(None)
                )
            )
        ).first()
        return None if row is None else (row.team_id, row.cluster_id)

    async def allocate(
        self,
        family_id: uuid.UUID,
        *,
        team_id: str,
        cluster_id: str,
        allocation_id: uuid.UUID,
        as_of: datetime,
        closed_on: date | None = None,
    ) -> bool:
        """Record the family's allocation unless a later one is already known; True if applied."""
        current = await self.session.scalar(
            select(orm.families.c.as_of).where(orm.families.c.family_id == family_id)
        )
        values = {
            "team_id": team_id,
            "cluster_id": cluster_id,
            "allocation_id": allocation_id,
            "as_of": as_of,
            "closed_on": closed_on,
        }
        if current is None:
            await self.session.execute(insert(orm.families).values(family_id=family_id, **values))
            return True
        if as_of < current:
            return False
        await self.session.execute(
            update(orm.families).where(orm.families.c.family_id == family_id).values(**values)
        )
        return True


class CompletedFormulations:
    """Completed formulations, kept from the formulation service's events."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, formulation_id: uuid.UUID) -> CompletedFormulation | None:
        f = orm.formulations.c
        row = (
            await self.session.execute(
                select(f.family_id, f.lineage_id, f.version, f.held_on).where(
                    f.formulation_id == formulation_id
                )
            )
        ).first()
        if row is None:
            return None
        newest = await self.session.scalar(
            select(f.formulation_id)
            .where(f.lineage_id == row.lineage_id, f.version > row.version)
            .order_by(f.version.desc())
            .limit(1)
        )
        return CompletedFormulation(
            formulation_id, row.family_id, superseded_by=newest, held_on=row.held_on
        )

    async def add(
        self,
        formulation_id: uuid.UUID,
        *,
        lineage_id: uuid.UUID,
        version: int,
        family_id: uuid.UUID | None,
        completed_at: datetime,
        held_on: date | None = None,
    ) -> None:
        if await self.get(formulation_id) is not None:
            return
        await self.session.execute(
            insert(orm.formulations).values(
                formulation_id=formulation_id,
                lineage_id=lineage_id,
                version=version,
                family_id=family_id,
                completed_at=completed_at,
                held_on=held_on,
            )
        )
