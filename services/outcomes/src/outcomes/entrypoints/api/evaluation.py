"""The evaluation's quantitative results, computed from the events: goal movement, closure
reasons, improvement by category and Tables 1-4.

Goal movement, closure reasons, improvement by category and Table 4 take the scorecard's
filters; Tables 1-3 take a cluster (their rows are clusters)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contracts.outcomes.v1 import ResponseKind
from contracts.reference import costs
from fastapi import APIRouter, Depends, Query
from runtime.app import get_db
from runtime.db import Database
from runtime.fields import IsoDate

from outcomes.domain.goal_measures import (
    activity_progress,
    improvement_by_category,
    summarise_closures,
)
from outcomes.domain.intervention import (
    allocations_share_of_contacts,
    goals_worked_on_over,
    length_of_intervention,
    live_plans,
)
from outcomes.domain.months import month_end
from outcomes.domain.movement import summarise_movement
from outcomes.domain.scorecard import closed_plans_in_scope, goals_in_scope
from outcomes.entrypoints.api.schemas import (
    BeforeAfterResponse,
    CategoryImprovementRow,
    ClosureReasonsResponse,
    ImprovementByCategoryResponse,
    InterventionResponse,
    MovementResponse,
    Table3Response,
    Table4Response,
    Table4Row,
)
from outcomes.entrypoints.api.scorecard import FilterParams
from outcomes.service_layer import measures

router = APIRouter(prefix="/v1/evaluation", tags=["evaluation"])

WINDOW_FROM = Query(None, alias="from", description="first day of the window (default April 2015)")
WINDOW_TO = Query(None, alias="to", description="last day of the window (default: this month)")


@router.get("/goal-movement", summary="Goals improved / unchanged / deteriorated from baseline")
async def goal_movement(
    params: FilterParams = Depends(), db: Database = Depends(get_db)
) -> MovementResponse:
    flt = params.filter()
    recs = await measures.records(db, measures.filter_scope(flt, measures.GOALS))
    return MovementResponse.of(summarise_movement(goals_in_scope(recs, flt)))


@router.get("/closure-reasons", summary="Why completed plans closed")
async def closure_reasons(
    params: FilterParams = Depends(), db: Database = Depends(get_db)
) -> ClosureReasonsResponse:
    flt = params.filter()
    flt.refuse_goal_filters("closure reasons of plans")
    recs = await measures.records(db, measures.filter_scope(flt, measures.PLANS))
    return ClosureReasonsResponse.of(summarise_closures(closed_plans_in_scope(recs, flt)))


@router.get(
    "/intervention",
    summary="Length of intervention, goals over three months, live plans, allocations' share",
)
async def intervention(
    params: FilterParams = Depends(), db: Database = Depends(get_db)
) -> InterventionResponse:
    flt = params.filter()
    flt.refuse_goal_filters("plans, contacts and allocations")
    recs = await measures.records(db, measures.filter_scope(flt, measures.INTERVENTION))
    # A snapshot is of a day: the period's last day, else the end of this month.
    as_of = flt.period_to or month_end(datetime.now(UTC).date())
    return InterventionResponse.of(
        flt.period_from,
        as_of,
        length_of_intervention(recs.plans, flt),
        goals_worked_on_over(goals_in_scope(recs, flt), as_of),
        live_plans(recs.plans, flt, as_of),
        allocations_share_of_contacts(recs.contacts, flt),
    )


@router.get(
    "/improvement-by-category", summary="Goals and the share improved, by reporting category"
)
async def by_category(
    params: FilterParams = Depends(), db: Database = Depends(get_db)
) -> ImprovementByCategoryResponse:
    flt = params.filter()
    recs = await measures.records(db, measures.filter_scope(flt, measures.GOALS))
    rows = improvement_by_category(goals_in_scope(recs, flt))
    return ImprovementByCategoryResponse(rows=[CategoryImprovementRow.of(r) for r in rows])


@router.get("/table-4", summary="Table 4: actions by category against their goal's progress")
async def table_4(
    params: FilterParams = Depends(), db: Database = Depends(get_db)
) -> Table4Response:
    flt = params.filter()
    recs = await measures.records(db, measures.filter_scope(flt, measures.TABLE_4))
    # Actions of goals outside the filter are left out with their goals.
    rows = activity_progress(recs.actions, goals_in_scope(recs, flt))
    return Table4Response(rows=[Table4Row.of(r) for r in rows])


CLUSTER = Query(None, max_length=64, description="one cluster's row (default: every RES cluster)")


async def _before_after(
    db: Database, kind: ResponseKind, start: date | None, end: date | None, cluster: str | None
) -> BeforeAfterResponse:
    window = measures.Window.of(start, end)
    recs = await measures.records(db, measures.window_scope(measures.RESPONSES, window, cluster))
    table = measures.service_response_table(recs, kind, window, cluster)
    return BeforeAfterResponse.of(kind.value, window.start, window.end, table)


@router.get("/table-1", summary="Table 1: children made subject to a CP plan, before/after RES")
async def table_1(
    start: IsoDate | None = WINDOW_FROM,
    end: IsoDate | None = WINDOW_TO,
    cluster_id: str | None = CLUSTER,
    db: Database = Depends(get_db),
) -> BeforeAfterResponse:
    return await _before_after(db, ResponseKind.CP_PLAN, start, end, cluster_id)


@router.get("/table-2", summary="Table 2: children becoming looked after, before/after RES")
async def table_2(
    start: IsoDate | None = WINDOW_FROM,
    end: IsoDate | None = WINDOW_TO,
    cluster_id: str | None = CLUSTER,
    db: Database = Depends(get_db),
) -> BeforeAfterResponse:
    return await _before_after(db, ResponseKind.LOOKED_AFTER, start, end, cluster_id)


@router.get("/table-3", summary="Table 3: monthly costs before/after RES, and the saving")
async def table_3(
    start: IsoDate | None = WINDOW_FROM,
    end: IsoDate | None = WINDOW_TO,
    edition: str | None = Query(
        None,
        max_length=40,
        description="unit cost edition (default: the one in force)",
        json_schema_extra={"enum": sorted(costs.EDITIONS)},
    ),
    cluster_id: str | None = CLUSTER,
    db: Database = Depends(get_db),
) -> Table3Response:
    window = measures.Window.of(start, end)
    recs = await measures.records(db, measures.window_scope(measures.COSTS, window, cluster_id))
    comparison = measures.cost_table(recs, window, edition, cluster_id)
    return Table3Response.of(window.start, window.end, comparison)
