"""The OBA scorecard and its run charts, filterable by period, place and goal coding."""

from __future__ import annotations

from contracts.reference.codes import ReportingCategory
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from runtime.app import get_db
from runtime.db import Database
from runtime.fields import IsoDate

from outcomes.domain.run_chart import (
    RUN_CHART_MEASURES,
    RunChart,
    RunChartMeasure,
    run_chart,
    run_charts,
)
from outcomes.domain.scorecard import Filter, build_scorecard
from outcomes.entrypoints.api.schemas import ScorecardResponse
from outcomes.service_layer import measures

router = APIRouter(prefix="/v1", tags=["scorecard"])


class FilterParams:
    """Query parameters shared by the scorecard, the run charts and the evaluation's figures."""

    def __init__(
        self,
        from_: IsoDate | None = Query(None, alias="from", description="first day of the period"),
        to: IsoDate | None = Query(None, description="last day of the period"),
        cluster_id: str | None = Query(None, max_length=64),
        team_id: str | None = Query(None, max_length=64),
        outcome: str | None = Query(None, max_length=200, description="CYPP or BCP outcome"),
        priority: str | None = Query(None, max_length=200),
        code: str | None = Query(None, pattern=r"^[SEHFCA][1-5]$"),
        category: ReportingCategory | None = None,
    ) -> None:
        self.from_ = from_
        self.to = to
        self.cluster_id = cluster_id
        self.team_id = team_id
        self.outcome = outcome
        self.priority = priority
        self.code = code
        self.category = category

    def filter(self) -> Filter:
        return Filter(
            period_from=self.from_,
            period_to=self.to,
            cluster_id=self.cluster_id,
            team_id=self.team_id,
            outcome=self.outcome,
            priority=self.priority,
            code=self.code,
            category=self.category,
        )


@router.get("/scorecard", summary="OBA scorecard: how much, how well, is anyone better off")
async def scorecard(
    params: FilterParams = Depends(), db: Database = Depends(get_db)
) -> ScorecardResponse:
    flt = params.filter()
    recs = await measures.records(db, measures.filter_scope(flt, measures.SCORECARD))
    return ScorecardResponse.of(build_scorecard(recs, flt))


class RunChartPointResponse(BaseModel):
    month: str
    value: float | None


class RunChartResponse(BaseModel):
    measure: str
    centre_line: float | None
    points: list[RunChartPointResponse]

    @classmethod
    def of(cls, chart: RunChart) -> RunChartResponse:
        centre = chart.centre_line
        return cls(
            measure=chart.measure,
            centre_line=None if centre is None else float(centre),
            points=[
                RunChartPointResponse(
                    month=p.month, value=None if p.value is None else float(p.value)
                )
                for p in chart.points
            ],
        )


class RunChartsResponse(BaseModel):
    charts: list[RunChartResponse]


@router.get("/run-charts", summary="The measures that have a run chart")
async def run_chart_measures() -> list[str]:
    return sorted(RUN_CHART_MEASURES)


@router.get("/run-charts/{measure}", summary="One measure per month with its median centre line")
async def one_run_chart(
    measure: str,
    params: FilterParams = Depends(),
    db: Database = Depends(get_db),
) -> RunChartResponse:
    flt = params.filter()
    window, recs = await measures.chart_records(db, flt)
    return RunChartResponse.of(run_chart(recs, measure, window.start, window.end, flt))


@router.get(
    "/run-charts:batch",
    summary="Several measures per month, each with its median centre line",
    description="The charts of `GET /v1/run-charts/{measure}` for each `measure` named (once "
    "each, in the order named), from one reading of the records: a page that shows several "
    "charts of the same filters asks once.",
)
async def several_run_charts(
    measure: list[RunChartMeasure] = Query(
        ..., description="a measure to chart (repeat the parameter for each)"
    ),
    params: FilterParams = Depends(),
    db: Database = Depends(get_db),
) -> RunChartsResponse:
    flt = params.filter()
    window, recs = await measures.chart_records(db, flt)
    charts = run_charts(recs, measure, window.start, window.end, flt)
    return RunChartsResponse(charts=[RunChartResponse.of(chart) for chart in charts])
