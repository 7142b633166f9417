"""Read-side queries for lists: plans by filter and sub-goals overdue a review, cursor-paged."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contracts.reference.goals import PlanStatus, SubGoalStatus
from runtime.errors import ProblemError
from runtime.pagination import PageRequest
from runtime.snapshots import from_snapshot
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals.adapters import orm
from goals.adapters.repository import visible
from goals.domain.access import Visibility
from goals.domain.plan import FamilyPlan


@dataclass(frozen=True)
class PlanFilters:
    family_id: uuid.UUID | None = None
    team_id: str | None = None
    code: str | None = None
    status: PlanStatus | None = None
    overdue: bool | None = None


@dataclass(frozen=True)
class PlanRow:
    plan: FamilyPlan
    version: int


@dataclass(frozen=True)
class OverdueRow:
    plan_id: uuid.UUID
    family_id: uuid.UUID
    team_id: str | None
    sub_goal_id: uuid.UUID
    code: str
    last_reviewed_on: date
    due_on: date
    days_overdue: int


def _overdue_condition(today: date) -> Any:
    sg = orm.sub_goals
    return and_(
        sg.c.status == SubGoalStatus.ACTIVE.value,
        sg.c.review_due_on.is_not(None),
        sg.c.review_due_on < today,
    )


def _cursor_values(after: list[Any], *types: type) -> list[Any]:
    try:
        if len(after) != len(types):
            raise ValueError("wrong length")
        return [
            datetime.fromisoformat(v)
            if t is datetime
            else date.fromisoformat(v)
            if t is date
            else uuid.UUID(v)
            for v, t in zip(after, types, strict=True)
        ]
    except (TypeError, ValueError):
        raise ProblemError(400, "the cursor is not valid", code="invalid-cursor") from None


async def list_plans(
    session: AsyncSession,
    visibility: Visibility,
    filters: PlanFilters,
    page: PageRequest,
    today: date,
) -> list[PlanRow]:
    """Newest first; up to `page.limit + 1` rows so the caller can tell if there is more."""
    p = orm.plans
    query = select(p.c.plan_id, p.c.opened_at, p.c.state, p.c.version).where(visible(visibility))
    if filters.family_id is not None:
        query = query.where(p.c.family_id == filters.family_id)
    if filters.team_id is not None:
        query = query.where(p.c.team_id == filters.team_id)
    if filters.status is not None:
        query = query.where(p.c.status == filters.status.value)
    if filters.code is not None:
        query = query.where(
            exists().where(
                orm.sub_goals.c.plan_id == p.c.plan_id, orm.sub_goals.c.code == filters.code
            )
        )
    if filters.overdue is not None:
        overdue = exists().where(orm.sub_goals.c.plan_id == p.c.plan_id, _overdue_condition(today))
        query = query.where(overdue if filters.overdue else ~overdue)
    if page.after is not None:
        opened_at, plan_id = _cursor_values(page.after, datetime, uuid.UUID)
        query = query.where(
            or_(p.c.opened_at < opened_at, and_(p.c.opened_at == opened_at, p.c.plan_id < plan_id))
        )
    query = query.order_by(p.c.opened_at.desc(), p.c.plan_id.desc()).limit(page.limit + 1)
    rows = (await session.execute(query)).all()
    return [PlanRow(from_snapshot(FamilyPlan, r.state), r.version) for r in rows]


async def list_overdue_reviews(
    session: AsyncSession,
    visibility: Visibility,
    team_id: str | None,
    page: PageRequest,
    today: date,
) -> list[OverdueRow]:
    """Active sub-goals of open plans whose review fell due before today, most overdue first."""
    sg, p = orm.sub_goals, orm.plans
    query = (
        select(
            sg.c.plan_id,
            sg.c.family_id,
            p.c.team_id,
            sg.c.sub_goal_id,
            sg.c.code,
            sg.c.last_reviewed_on,
            sg.c.review_due_on,
        )
        .join(p, p.c.plan_id == sg.c.plan_id)
        .where(_overdue_condition(today), p.c.status == PlanStatus.OPEN.value, visible(visibility))
    )
    if team_id is not None:
        query = query.where(p.c.team_id == team_id)
    if page.after is not None:
        due_on, sub_goal_id = _cursor_values(page.after, date, uuid.UUID)
        query = query.where(
            or_(
                sg.c.review_due_on > due_on,
                and_(sg.c.review_due_on == due_on, sg.c.sub_goal_id > sub_goal_id),
            )
        )
    query = query.order_by(sg.c.review_due_on, sg.c.sub_goal_id).limit(page.limit + 1)
    rows = (await session.execute(query)).all()
    return [
        OverdueRow(
            plan_id=r.plan_id,
            family_id=r.family_id,
            team_id=r.team_id,
            sub_goal_id=r.sub_goal_id,
            code=r.code,
            last_reviewed_on=r.last_reviewed_on,
            due_on=r.review_due_on,
            days_overdue=(today - r.review_due_on).days,
        )
        for r in rows
    ]
