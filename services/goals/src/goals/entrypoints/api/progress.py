"""Progress for people: each sub-goal's scores over time, as data and as an SVG chart."""

from __future__ import annotations

import uuid
from datetime import date

from contracts.reference.goals import Movement, SubGoalStatus
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from runtime import audit
from runtime.app import get_db
from runtime.concurrency import set_etag
from runtime.db import Database
from runtime.families import people_touched
from runtime.identity import Principal
from runtime.security import principal

from goals.adapters import orm
from goals.adapters.chart import render_progress_chart, series_for_plan
from goals.adapters.repository import PlanRepository
from goals.domain.plan import FamilyPlan
from goals.entrypoints.api.fields import visibility_of
from goals.service_layer.plans import read_plan

router = APIRouter(prefix="/v1/plans", tags=["progress"])

SVG = "image/svg+xml"


class PointResponse(BaseModel):
    on: date
    score: int
    is_baseline: bool


class SubGoalProgressResponse(BaseModel):
    sub_goal_id: uuid.UUID
    code: str
    what: str
    status: SubGoalStatus
    baseline: int | None
    latest_score: int | None
    movement: Movement
    points: list[PointResponse]


class ProgressResponse(BaseModel):
    plan_id: uuid.UUID
    family_id: uuid.UUID
    overall_goal: str
    movement: dict[Movement, int]
    sub_goals: list[SubGoalProgressResponse]


async def _load(
    plan_id: uuid.UUID, request: Request, caller: Principal, db: Database, record_type: str
) -> tuple[FamilyPlan, int]:
    async with db.sessions() as session:
        plan, version = await read_plan(plan_id, PlanRepository(session), visibility_of(caller))
        people = await people_touched(session, orm.family_facts, plan.family_id, plan.people())
    await audit.record_read(
        db,
        request.app.state.tables,
        request,
        caller,
        record_type,
        plan_id,
        family_id=plan.family_id,
        person_ids=people,
    )
    return plan, version


@router.get("/{plan_id}/progress", summary="Each sub-goal's scores over time, as data")
async def read_progress(
    plan_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> ProgressResponse:
    plan, version = await _load(plan_id, request, caller, db, "plan_progress")
    set_etag(response, version)
    return ProgressResponse(
        plan_id=plan.id,
        family_id=plan.family_id,
        overall_goal=plan.overall_goal,
        movement=plan.movement_counts(),
        sub_goals=[
            SubGoalProgressResponse(
                sub_goal_id=sg.id,
                code=sg.code,
                what=sg.what,
                status=sg.status,
                baseline=None if sg.baseline is None else sg.baseline.score,
                latest_score=None if (latest := sg.latest_score) is None else latest.score,
                movement=sg.movement,
                points=[
                    PointResponse(on=p.on, score=p.score, is_baseline=p.is_baseline)
                    for p in sg.score_history()
                ],
            )
            for sg in plan.sub_goals
            if sg.was_active
        ],
    )


@router.get(
    "/{plan_id}/progress.svg",
    summary="Each sub-goal's scores over time, as a picture to share with the family",
    response_class=Response,
    responses={200: {"content": {SVG: {}}, "description": "an SVG line chart"}},
)
async def read_progress_chart(
    plan_id: uuid.UUID,
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> Response:
    plan, version = await _load(plan_id, request, caller, db, "plan_progress_chart")
    svg = render_progress_chart(series_for_plan(plan))
    response = Response(
        svg,
        media_type=SVG,
        headers={
            # A family's record: never cached by a shared cache; the picture runs no script.
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )
    set_etag(response, version)
    return response
