"""The dashboard page for people: one HTML document with inline SVG, readable without scripts.

It needs a bearer token like every endpoint, so it is fetched with one and saved
(`curl -H "Authorization: Bearer $T" .../v1/dashboard > dashboard.html`), then opened.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from contracts.outcomes.v1 import GoalMovement, ResponseKind
from contracts.reference.codes import REPORTING_CATEGORY_LABELS
from contracts.reference.goals import ACTIVITY_CATEGORY_LABELS
from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from runtime.app import get_db
from runtime.db import Database

from outcomes.domain import definitions
from outcomes.domain.before_after import BeforeAfterTable
from outcomes.domain.cost_comparison import CostComparison
from outcomes.domain.goal_measures import activity_progress, improvement_by_category
from outcomes.domain.months import month_index, month_start
from outcomes.domain.records import OutcomeRecords
from outcomes.domain.run_chart import run_chart
from outcomes.domain.scorecard import Scorecard, build_scorecard, goals_in_scope
from outcomes.domain.shares import Share
from outcomes.entrypoints.api.charts import run_chart_svg, share_bars_svg
from outcomes.entrypoints.api.scorecard import FilterParams
from outcomes.service_layer import measures

router = APIRouter(tags=["dashboard"])

CHARTED: tuple[tuple[str, str], ...] = (
    ("contacts", "Contacts received"),
    ("families_allocated", "Families allocated to RES"),
    ("formulations_completed", "Formulations completed"),
    ("sub_goals_set", "Sub-goals set"),
    ("reviews_on_time_percent", "Reviews on time (%)"),
    ("goals_improved_percent", "Goals improved from baseline (%)"),
    ("plans_closed", "Plans closed"),
    ("all_goals_achieved_percent", "Plans closed with all goals achieved (%)"),
)

STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #ccc;padding:.25rem .6rem}
td.n,th.n{text-align:right}.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}figcaption{font-weight:600}.muted{color:#666}
"""


def _pct(share: Share) -> str:
    value = share.percent(1)
    return "–" if value is None else f"{value}% ({share.numerator} of {share.denominator})"


def _value(value: object | None) -> object:
    """A figure, or a dash when there is none: zero is a figure (decided the same day)."""
    return "–" if value is None else value


def _table(head: list[str], rows: list[list[object]], numeric_from: int = 1) -> str:
    cells = "".join(
        f"<th{' class=n' if i >= numeric_from else ''}>{escape(h)}</th>" for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=n' if i >= numeric_from else ''}>{escape(str(c))}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _scorecard(s: Scorecard) -> str:
    m, w, b = s.how_much, s.how_well, s.better_off
    much: list[list[object]] = [
        ["Contacts received", m.contacts],
        ["Referrals", sum(m.referrals_by_source.values())],
        ["Families allocated to RES", m.families_allocated],
        ["Formulations completed", m.formulations_completed],
        ["Plans opened", m.plans_opened],
        ["Sub-goals set", m.sub_goals_set],
        ["Reviews recorded", m.reviews_recorded],
    ]
    well: list[list[object]] = [
        ["Formulations with all 6 Ps and a walk back", _pct(w.formulations_six_ps_and_walk_back)],
        ["Sub-goals with a baseline score", _pct(w.sub_goals_with_baseline)],
        ["Reviews on time", _pct(w.reviews_on_time)],
        ["Families who felt treated with respect", _pct(w.feedback_treated_with_respect)],
        ["Families who would recommend the service", _pct(w.feedback_would_recommend)],
        ["Mean days from contact to decision", _value(w.days_contact_to_decision.mean_days)],
    ]
    movement = b.goal_movement
    better: list[list[object]] = [
        ["Goals improved from baseline", _pct(movement.share(GoalMovement.IMPROVED))],
        ["Plans closed", b.closures.completed],
        ["Plans closed with all goals achieved", _pct(b.all_goals_achieved)],
        ["Escalations to area social work", b.escalations_to_area_social_work],
        ["Re-referrals within 12 months", _pct(b.re_referrals_within_12_months)],
    ]
    return (
        "<h3>How much did we do?</h3>"
        + _table(["Measure", "Value"], much)
        + "<h3>How well did we do it?</h3>"
        + _table(["Measure", "Value"], well)
        + "<h3>Is anyone better off?</h3>"
        + _table(["Measure", "Value"], better)
    )


def _definitions() -> str:
    items = "".join(
        f"<dt>{escape(x.key)}</dt><dd>{escape(x.text)} <span class=muted>Source: "
        f"{escape(x.source)}.</span></dd>"
        for x in definitions.ALL
    )
    return f"<dl>{items}</dl>"


NOT_CODED = """<h2>Tables 1-3</h2>
<p class="muted">Not shown for a goal outcome, priority, code or category: child protection
plans, care episodes, contacts and referrals carry no Children and Families code.</p>"""


def _tables_1_to_3(
    recs: OutcomeRecords, window: measures.Window, place: dict[str, str | None]
) -> str:
    table_1 = measures.service_response_table(recs, ResponseKind.CP_PLAN, window, **place)
    table_2 = measures.service_response_table(recs, ResponseKind.LOOKED_AFTER, window, **place)
    table_3 = measures.cost_table(recs, window, None, **place)
    return f"""<h2>Table 1: children made subject to a child protection plan</h2>
<p class="muted">Children per month (a child counts once a month) from {window.start} to
{window.end}, split at each cluster's RES start; a cluster whose team started outside these
dates has no split and is not in the totals.</p>
{_before_after(table_1)}
<h2>Table 2: children becoming looked after</h2>
{_before_after(table_2)}
<h2>Table 3: costs and cost avoidance (unit costs {escape(table_3.edition)})</h2>
{_costs(table_3)}"""


def _before_after(t: BeforeAfterTable) -> str:
    rows: list[list[object]] = [
        [
            r.cluster_id,
            r.months_before,
            r.count_before,
            r.average_before,
            r.months_after,
            r.count_after,
            r.average_after,
            "no split in window" if r.difference is None else r.difference,
        ]
        for r in t.rows
    ]
    rows.append(
        [
            "Total",
            "",
            t.count_before,
            t.average_before,
            "",
            t.count_after,
            t.average_after,
            t.difference,
        ]
    )
    return _table(
        [
            "Cluster",
            "Months before",
            "Children",
            "Monthly average",
            "Months after",
            "Children",
            "Monthly average",
            "Difference",
        ],
        rows,
    )


def _costs(c: CostComparison) -> str:
    rows: list[list[object]] = [
        [
            line.row.value.replace("_", " "),
            f"£{line.unit_cost:,.2f}",
            f"£{line.before:,.2f}",
            f"£{line.after:,.2f}",
        ]
        for line in c.lines
    ]
    rows.append(["Total", "", f"£{c.total_before:,.2f}", f"£{c.total_after:,.2f}"])
    rows.append(["Saving a month", "", "", f"£{c.saving:,.2f}"])
    return _table(["Row", "Unit cost", "Before RES (a month)", "After RES (a month)"], rows)


@router.get(
    "/v1/dashboard", response_class=HTMLResponse, summary="Dashboard page (HTML, no scripts)"
)
async def dashboard(
    params: FilterParams = Depends(),
    months: int = Query(12, ge=2, le=60, description="months in each run chart"),
    db: Database = Depends(get_db),
) -> HTMLResponse:
    recs = await measures.records(db)
    flt = params.filter()
    card = build_scorecard(recs, flt)
    last = measures.chart_window(None, flt.period_to).end
    first = month_start(month_index(last) - months + 1)
    charts = "".join(
        f"<figure><figcaption>{escape(label)}</figcaption>"
        f"{run_chart_svg(run_chart(recs, measure, first, last, flt), label)}</figure>"
        for measure, label in CHARTED
    )
    # Every figure below takes the page's filters: goals by place, coding and period; Tables 1-3
    # by period and place (their rows are clusters), and not shown when the goals' coding is
    # asked for, which a CP plan or a care episode does not have.
    goals = goals_in_scope(recs, flt)
    categories = improvement_by_category(goals)
    bars = share_bars_svg(
        [
            (
                REPORTING_CATEGORY_LABELS[c.category],
                c.movement.improved,
                c.movement.unchanged,
                c.movement.deteriorated,
            )
            for c in categories
        ],
        "Goal movement by reporting category",
    )
    category_rows: list[list[object]] = [
        [
            REPORTING_CATEGORY_LABELS[c.category],
            c.goals,
            c.movement.improved,
            c.movement.unchanged,
            c.movement.deteriorated,
            c.movement.no_score,
            _pct(c.improved),
        ]
        for c in categories
    ]
    table_4 = [
        [
            ACTIVITY_CATEGORY_LABELS.get(r.activity_category, r.activity_category),  # type: ignore[call-overload]
            r.deteriorated,
            r.unchanged,
            r.improved,
            r.no_score,
            r.total,
            f"{r.on_improving_goals.percent(0) or 0}%",
        ]
        for r in activity_progress(recs.actions, goals)
    ]
    window = measures.Window.of(flt.period_from, flt.period_to)
    place = {"cluster_id": flt.cluster_id, "team_id": flt.team_id}
    tables = "" if flt.narrows_goals else _tables_1_to_3(recs, window, place)
    described = (
        ", ".join(f"{k}={v}" for k, v in vars(params).items() if v is not None)
        or "all periods, clusters and teams"
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Leeds Practice Model: outcomes dashboard</title><style>{STYLE}</style></head>
<body>
<h1>Leeds Practice Model: outcomes dashboard</h1>
<p class="muted">Scorecard for {escape(described)}. Generated {generated}.
Counts only: no family can be identified from this page.</p>
<h2>Scorecard (Outcomes Based Accountability)</h2>
{_scorecard(card)}
<h2>Run charts</h2>
<p class="muted">Each measure by month; the dashed line is the median of the months shown.</p>
<div class="charts">{charts}</div>
<h2>Goal movement by reporting category</h2>
<p class="muted">Green improved, grey unchanged, red deteriorated, as shares of scored goals.</p>
{bars}
{
        _table(
            [
                "Category",
                "Goals",
                "Improved",
                "Unchanged",
                "Deteriorated",
                "No score",
                "Improved (of scored)",
            ],
            category_rows,
        )
    }
<h2>Table 4: activities against goal progress</h2>
{
        _table(
            [
                "Activity",
                "Deteriorated",
                "Unchanged",
                "Improved",
                "No score",
                "Total",
                "% on improving goals",
            ],
            table_4,
        )
    }
{tables or NOT_CODED}
<h2>Definitions</h2>
<p class="muted">How the figures above are made where the evaluation leaves the choice open.</p>
{_definitions()}
</body></html>"""
    return HTMLResponse(html)
