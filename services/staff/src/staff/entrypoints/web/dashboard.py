"""The Best Council Plan dashboards for managers and the BI team, from the outcomes API: the OBA
scorecard (how much, how well, is anyone better off), run charts, goal movement by reporting
category and the evaluation's Tables 1-4, filtered by period, cluster, team and code. Every
table downloads as CSV; every chart has the same figures as a table beside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from contracts.reference.codes import REPORTING_CATEGORY_LABELS, ReportingCategory, codes
from contracts.reference.goals import ACTIVITY_CATEGORY_LABELS
from contracts.reference.referrals import RES_TEAMS
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from staff.entrypoints.web import charts
from staff.entrypoints.web.api import Api, ApiError
from staff.entrypoints.web.deps import api
from staff.entrypoints.web.forms import FormErrors
from staff.entrypoints.web.tables import Cell, Table
from staff.entrypoints.web.templating import render

router = APIRouter(prefix="/dashboard")

ApiDep = Annotated[Api, Depends(api)]

OUTCOMES = "outcomes"

# (measure, label, a percentage?) for the run charts, in the order the scorecard reads.
CHARTED: tuple[tuple[str, str, bool], ...] = (
    ("contacts", "Contacts received", False),
    ("families_allocated", "Families allocated to RES", False),
    ("formulations_completed", "Formulations completed", False),
    ("sub_goals_set", "Sub-goals set", False),
    ("reviews_on_time_percent", "Reviews on time", True),
    ("goals_improved_percent", "Goals improved from baseline", True),
    ("plans_closed", "Plans closed", False),
    ("all_goals_achieved_percent", "Plans closed with all goals achieved", True),
)

CLOSURE_LABELS = {
    "all_goals_achieved": "All goals achieved",
    "family_withdrew": "Family no longer wanted support",
    "escalated_to_area_social_work": "Escalation to area social work",
    "further_formulation": "Continued intervention with a further formulation",
    "another_service": "Support from another service",
}
COST_ROW_LABELS = {
    "contacts": "Contacts",
    "referrals": "Referrals",
    "re_referrals": "Re-referrals",
    "cp_plans": "Child protection plans",
    "looked_after": "Children looked after",
}
CLUSTER_NAMES = {cluster: team.name for team in RES_TEAMS for cluster in team.cluster_ids}


# --- Filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the person asked for, checked before anything is sent: a bad date is named on the
    page, like any API error, and the input kept."""

    period_from: str = ""
    period_to: str = ""
    cluster_id: str = ""
    team_id: str = ""
    code: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str]) -> Filters:
        return cls(
            period_from=query.get("from", "").strip(),
            period_to=query.get("to", "").strip(),
            cluster_id=query.get("cluster_id", "").strip(),
            team_id=query.get("team_id", "").strip(),
            code=query.get("code", "").strip().upper(),
        )

    def errors(self) -> FormErrors:
        found = FormErrors()
        dates: dict[str, date] = {}
        for name, value, label in (
            ("from", self.period_from, "From"),
            ("to", self.period_to, "To"),
        ):
            if not value:
                continue
            try:
                dates[name] = date.fromisoformat(value)
            except ValueError:
                found.add(name, f"{label} must be a real date, like 2026-04-01")
        if "from" in dates and "to" in dates and dates["from"] > dates["to"]:
            found.add("to", "To must be the same as or after From")
        if self.cluster_id and self.cluster_id not in CLUSTER_NAMES:
            found.add("cluster_id", "Choose a cluster from the list")
        if self.team_id and self.team_id not in {t.team_id for t in RES_TEAMS}:
            found.add("team_id", "Choose a team from the list")
        if self.code and self.code not in codes():
            found.add("code", "Choose a Children and Families code from the list")
        return found

    def scorecard_params(self) -> dict[str, str]:
        return {
            "from": self.period_from,
            "to": self.period_to,
            "cluster_id": self.cluster_id,
            "team_id": self.team_id,
            "code": self.code,
        }

    def place_params(self) -> dict[str, str]:
        """Plans (closure reasons): a period and a place; plans carry no goal coding."""
        return {
            "from": self.period_from,
            "to": self.period_to,
            "cluster_id": self.cluster_id,
            "team_id": self.team_id,
        }

    def window_params(self) -> dict[str, str]:
        """Tables 1-3: a window and a cluster (their rows are clusters)."""
        return {"from": self.period_from, "to": self.period_to, "cluster_id": self.cluster_id}

    def query(self) -> str:
        return urlencode({k: v for k, v in self.scorecard_params().items() if v})

    def described(self) -> str:
        parts = []
        if self.period_from or self.period_to:
            parts.append(f"from {self.period_from or 'the start'} to {self.period_to or 'today'}")
        if self.cluster_id:
            parts.append(f"cluster {CLUSTER_NAMES.get(self.cluster_id, self.cluster_id)}")
        if self.team_id:
            parts.append(f"team {self.team_id}")
        if self.code:
            parts.append(f"code {self.code}")
        return ", ".join(parts) or "every period, cluster, team and code"


def filter_choices(filters: Filters) -> dict[str, list[dict[str, Any]]]:
    """Items of the filter selects, the chosen one selected."""

    def items(pairs: list[tuple[str, str]], chosen: str, every: str) -> list[dict[str, Any]]:
        return [{"value": "", "text": every}] + [
            {"value": v, "text": t, "selected": v == chosen} for v, t in pairs
        ]

    clusters = sorted(CLUSTER_NAMES.items(), key=lambda kv: kv[1])
    teams = [(t.team_id, t.name) for t in sorted(RES_TEAMS, key=lambda t: t.name)]
    return {
        "cluster_id": items(
            [(c, f"{name} ({c})") for c, name in clusters], filters.cluster_id, "Every cluster"
        ),
        "team_id": items(teams, filters.team_id, "Every team"),
        "code": items([(c, c) for c in codes()], filters.code, "Every code"),
    }


# --- Tables from the outcomes API ------------------------------------------------------------


def _share(share: Mapping[str, Any]) -> str | None:
    if share.get("percent") is None:
        return None
    return f"{share['percent']:g}% ({share['numerator']} of {share['denominator']})"


def scorecard_tables(card: Mapping[str, Any]) -> list[Table]:
    much, well, better = card["how_much"], card["how_well"], card["better_off"]
    movement = better["goal_movement"]
    improved = (
        None
        if movement["improved_percent"] is None
        else f"{movement['improved_percent']:g}% ({movement['improved']} of {movement['scored']})"
    )
    head = ["Measure", "Value"]
    return [
        Table(
            "how-much",
            "How much did we do?",
            head,
            [
                ["Contacts received", much["contacts"]],
                ["Referrals", sum(much["referrals_by_source"].values())],
                ["Families allocated to RES", much["families_allocated"]],
                ["Formulations completed", much["formulations_completed"]],
                ["Plans opened", much["plans_opened"]],
                ["Sub-goals set", much["sub_goals_set"]],
                ["Reviews recorded", much["reviews_recorded"]],
            ],
        ),
        Table(
            "how-well",
            "How well did we do it?",
            head,
            [
                [
                    "Formulations with all 6 Ps and a walk back",
                    _share(well["formulations_six_ps_and_walk_back"]),
                ],
                ["Sub-goals with a baseline score", _share(well["sub_goals_with_baseline"])],
                ["Reviews on time", _share(well["reviews_on_time"])],
                [
                    "Families who felt treated with respect",
                    _share(well["feedback_treated_with_respect"]),
                ],
                [
                    "Families who would recommend the service",
                    _share(well["feedback_would_recommend"]),
                ],
                [
                    "Mean days from contact to decision",
                    well["days_contact_to_decision"]["mean_days"],
                ],
                [
                    "Mean days from contact to allocation",
                    well["days_contact_to_allocation"]["mean_days"],
                ],
            ],
        ),
        Table(
            "better-off",
            "Is anyone better off?",
            head,
            [
                ["Goals improved from baseline", improved],
                ["Plans closed", better["closures"]["completed"]],
                ["Plans closed with all goals achieved", _share(better["all_goals_achieved"])],
                ["Escalations to area social work", better["escalations_to_area_social_work"]],
                ["Re-referrals within 12 months", _share(better["re_referrals_within_12_months"])],
            ],
        ),
    ]


def intervention_table(body: Mapping[str, Any]) -> Table:
    length = body["length_of_intervention"]
    return Table(
        "intervention",
        "The intervention",
        ["Measure", "Value"],
        [
            ["Plans closed in the period", length["plans"]],
            ["Average length of intervention (days)", length["mean_days"]],
            ["Average length of intervention (months)", length["mean_months"]],
            ["Live plans on " + str(body["as_of"]), body["live_plans"]],
            [
                "Goals worked on for over three months",
                _share(body["goals_worked_on_over_three_months"]),
            ],
            [
                "New RES allocations as a share of contacts",
                _share(body["new_allocations_share_of_contacts"]),
            ],
        ],
    )


def run_chart_table(measure: str, label: str, body: Mapping[str, Any]) -> Table:
    rows: list[list[Cell]] = [[charts.month_label(p["month"]), p["value"]] for p in body["points"]]
    return Table(
        f"run-chart-{measure.replace('_', '-')}",
        f"{label} by month",
        ["Month", label],
        rows,
        foot=[["Median", body.get("centre_line")]],
    )


def category_table(body: Mapping[str, Any]) -> Table:
    rows: list[list[Cell]] = []
    for r in body["rows"]:
        category = ReportingCategory(r["category"])
        improved = None if r["improved_percent"] is None else f"{r['improved_percent']:g}%"
        rows.append(
            [
                REPORTING_CATEGORY_LABELS[category],
                r["goals"],
                r["improved"],
                r["unchanged"],
                r["deteriorated"],
                r["no_score"],
                improved,
            ]
        )
    return Table(
        "goal-movement-by-category",
        "Goal movement by reporting category",
        [
            "Reporting category",
            "Goals",
            "Improved",
            "Unchanged",
            "Deteriorated",
            "No score yet",
            "Improved (of scored)",
        ],
        rows,
    )


def closure_table(body: Mapping[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [CLOSURE_LABELS.get(reason, reason), share["numerator"], _share(share)]
        for reason, share in body["by_reason"].items()
    ]
    return Table(
        "closure-reasons",
        "Why completed plans closed",
        ["Closure reason", "Plans", "Share"],
        rows,
        foot=[["Completed plans", body["completed"], None]],
    )


def table_4(body: Mapping[str, Any]) -> Table:
    rows: list[list[Cell]] = []
    for r in body["rows"]:
        label = ACTIVITY_CATEGORY_LABELS.get(r["activity_category"], r["activity_category"])
        pct = None if r["percent_on_improving"] is None else f"{r['percent_on_improving']:g}%"
        rows.append(
            [
                label,
                r["deteriorated"],
                r["unchanged"],
                r["improved"],
                r["no_score"],
                r["total"],
                pct,
            ]
        )
    return Table(
        "table-4",
        "Table 4: activities against goal progress",
        [
            "Activity",
            "Deteriorated",
            "Unchanged",
            "Improved",
            "No score",
            "Total",
            "% on improving goals",
        ],
        rows,
    )


def before_after_table(name: str, caption: str, body: Mapping[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [
            CLUSTER_NAMES.get(r["cluster_id"], r["cluster_id"]),
            r["months_before"],
            r["count_before"],
            r["average_before"],
            r["months_after"],
            r["count_after"],
            r["average_after"],
            r["difference"],
        ]
        for r in body["rows"]
    ]
    t = body["totals"]
    return Table(
        name,
        caption,
        [
            "Cluster",
            "Months before RES",
            "Children before",
            "Monthly average before",
            "Months after RES",
            "Children after",
            "Monthly average after",
            "Difference",
        ],
        rows,
        notes=f"Monthly averages from {body['window_from']} to {body['window_to']}, split at "
        "the month each cluster's RES team started.",
        foot=[
            [
                "Total",
                None,
                t["count_before"],
                t["average_before"],
                None,
                t["count_after"],
                t["average_after"],
                t["difference"],
            ]
        ],
    )


def _money(value: str) -> str:
    return f"£{float(value):,.2f}"


def table_3(body: Mapping[str, Any]) -> Table:
    rows: list[list[Cell]] = [
        [
            COST_ROW_LABELS.get(line["row"], line["row"]),
            _money(line["unit_cost"]),
            line["monthly_volume_before"],
            _money(line["before"]),
            line["monthly_volume_after"],
            _money(line["after"]),
        ]
        for line in body["lines"]
    ]
    return Table(
        "table-3",
        f"Table 3: costs and cost avoidance (unit costs {body['edition']})",
        [
            "Row",
            "Unit cost",
            "A month before RES",
            "Cost a month before",
            "A month after RES",
            "Cost a month after",
        ],
        rows,
        notes=f"From {body['window_from']} to {body['window_to']}.",
        foot=[
            ["Total", None, None, _money(body["total_before"]), None, _money(body["total_after"])],
            ["Saving a month", None, None, None, None, _money(body["saving"])],
        ],
    )


# --- Loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One table: where its figures come from, how they become the table, and its chart."""

    path: str
    table: Callable[[Any], Table]
    chart: Callable[[Any], charts.Chart] | None = None
    # "goals": every filter; "plans": period and place; "window": Tables 1-3, a window and a
    # cluster (they count children and costs, which carry no Children and Families code).
    scope: str = "goals"
    # A run chart's measure: the page asks for all its run charts at once (`RUN_CHARTS`).
    measure: str | None = None

    def params(self, filters: Filters) -> dict[str, str]:
        if self.scope == "window":
            return filters.window_params()
        if self.scope == "plans":
            return filters.place_params()
        return filters.scorecard_params()

    def shown(self, filters: Filters) -> bool:
        return not (self.scope == "window" and filters.code)


def _movement_chart(body: Mapping[str, Any]) -> charts.Chart:
    rows = [
        (
            REPORTING_CATEGORY_LABELS[ReportingCategory(r["category"])],
            r["improved"],
            r["unchanged"],
            r["deteriorated"],
        )
        for r in body["rows"]
    ]
    return charts.movement_bars(rows, "Goal movement by reporting category")


def _run_chart_source(measure: str, label: str, percent: bool) -> Source:
    return Source(
        f"/v1/run-charts/{measure}",
        lambda body: run_chart_table(measure, label, body),
        lambda body: charts.run_chart(
            label,
            [(p["month"], p["value"]) for p in body["points"]],
            body.get("centre_line"),
            percent=percent,
        ),
        measure=measure,
    )


def _scorecard_part(index: int) -> Callable[[Any], Table]:
    return lambda body: scorecard_tables(body)[index]


# Every table the page shows, by its download name, in page order.
SOURCES: dict[str, Source] = {
    "how-much": Source("/v1/scorecard", _scorecard_part(0)),
    "how-well": Source("/v1/scorecard", _scorecard_part(1)),
    "better-off": Source("/v1/scorecard", _scorecard_part(2)),
    **{
        f"run-chart-{measure.replace('_', '-')}": _run_chart_source(measure, label, percent)
        for measure, label, percent in CHARTED
    },
    "goal-movement-by-category": Source(
        "/v1/evaluation/improvement-by-category", category_table, _movement_chart
    ),
    "closure-reasons": Source("/v1/evaluation/closure-reasons", closure_table, scope="plans"),
    "intervention": Source("/v1/evaluation/intervention", intervention_table, scope="plans"),
    "table-4": Source("/v1/evaluation/table-4", table_4),
    "table-1": Source(
        "/v1/evaluation/table-1",
        lambda b: before_after_table(
            "table-1", "Table 1: children made subject to a child protection plan", b
        ),
        scope="window",
    ),
    "table-2": Source(
        "/v1/evaluation/table-2",
        lambda b: before_after_table("table-2", "Table 2: children becoming looked after", b),
        scope="window",
    ),
    "table-3": Source("/v1/evaluation/table-3", table_3, scope="window"),
}


@dataclass(frozen=True)
class Part:
    """A table of the page, its chart if it has one, and where to download it."""

    table: Table
    chart: charts.Chart | None
    download: str


async def load_table(client: Api, name: str, filters: Filters) -> Table:
    source = SOURCES[name]
    return source.table((await client.get(OUTCOMES, source.path, source.params(filters))).body)


def definitions(bodies: Mapping[str, Any]) -> list[dict[str, str]]:
    """Every definition the figures were made with, once each, as the API states them."""
    found: dict[str, dict[str, str]] = {}
    for body in bodies.values():
        for item in body.get("definitions", []) if isinstance(body, Mapping) else []:
            found.setdefault(item["key"], item)
    return sorted(found.values(), key=lambda d: d["key"])


# The page's run charts in one answer: one reading of the records for all of them.
RUN_CHARTS = "/v1/run-charts:batch"


async def load_dashboard(client: Api, filters: Filters) -> tuple[dict[str, Part], list[Any]]:
    """Every part of the page: each API answer asked for once, all at the same time (the run
    charts in one answer), and each answer's charts drawn off the event loop as soon as it
    comes, while the service still works out the others (drawing is work for the processor)."""
    shown = {name: s for name, s in SOURCES.items() if s.shown(filters)}
    query = filters.query()
    # The parts each answer makes: a scorecard makes three tables, the run charts' one answer
    # every chart.
    asked: dict[str, list[str]] = {}
    for name, source in shown.items():
        asked.setdefault(RUN_CHARTS if source.measure else source.path, []).append(name)

    def params(path: str, names: list[str]) -> dict[str, Any]:
        given: dict[str, Any] = shown[names[0]].params(filters)
        if path == RUN_CHARTS:
            given["measure"] = [shown[name].measure for name in names]
        return given

    def bodies_of(path: str, names: list[str], body: Any) -> dict[str, Any]:
        if path != RUN_CHARTS:
            return dict.fromkeys(names, body)
        charted = {chart["measure"]: chart for chart in body["charts"]}
        return {name: charted[shown[name].measure] for name in names}

    def build(bodies: Mapping[str, Any]) -> dict[str, Part]:
        built = {}
        for name, body in bodies.items():
            source = shown[name]
            built[name] = Part(
                source.table(body),
                source.chart(body) if source.chart else None,
                f"/dashboard/{name}.csv" + (f"?{query}" if query else ""),
            )
        return built

    async def load(path: str, names: list[str]) -> tuple[dict[str, Any], dict[str, Part]]:
        answer = await client.get(OUTCOMES, path, params(path, names))
        bodies = bodies_of(path, names, answer.body)
        return bodies, await run_in_threadpool(build, bodies)

    loaded = await asyncio.gather(*(load(path, names) for path, names in asked.items()))
    parts: dict[str, Part] = {}
    bodies: dict[str, Any] = {}
    for some_bodies, some_parts in loaded:
        bodies.update(some_bodies)
        parts.update(some_parts)
    return {name: parts[name] for name in shown}, definitions(bodies)


# --- Pages -----------------------------------------------------------------------------------


@router.get("")
async def dashboard(request: Request, client: ApiDep) -> Response:
    filters = Filters.of(request.query_params)
    errors = filters.errors()
    context: dict[str, Any] = {
        "filters": filters,
        "choices": filter_choices(filters),
        "described": filters.described(),
        "parts": {},
        "run_charts": [
            (f"run-chart-{measure.replace('_', '-')}", label) for measure, label, _ in CHARTED
        ],
    }
    values = dict(request.query_params)
    if errors:
        return render(
            request, "dashboard/index.html", context, errors=errors, values=values, status_code=400
        )
    try:
        context["parts"], context["definitions"] = await load_dashboard(client, filters)
    except ApiError as exc:
        if exc.status >= 500 or exc.status in (401, 403, 404):
            raise
        problem = FormErrors.from_api(
            exc,
            {
                "from": "from",
                "to": "to",
                "cluster_id": "cluster_id",
                "team_id": "team_id",
                "code": "code",
                "period_from": "from",
                "period_to": "to",
            },
            fallback="filters",
        )
        return render(
            request,
            "dashboard/index.html",
            context,
            errors=problem,
            values=values,
            status_code=exc.status,
        )
    return render(request, "dashboard/index.html", context, values=values)


@router.get("/{name}.csv")
async def download(name: str, request: Request, client: ApiDep) -> Response:
    filters = Filters.of(request.query_params)
    if name not in SOURCES or not SOURCES[name].shown(filters):
        return Response("No such table", status_code=404, media_type="text/plain")
    if filters.errors():
        return Response("Check the filters", status_code=400, media_type="text/plain")
    table = await load_table(client, name, filters)
    return Response(
        table.csv(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",
        },
    )
