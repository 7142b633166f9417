"""Run charts: a scorecard measure per month."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from contracts.outcomes.v1 import ClosureReason
from contracts.reference.codes import ReportingCategory
from contracts.reference.goals import ScoreEntry, ScoreKind, latest_score
from outcomes.domain.errors import InvalidPeriod, UnknownMeasure
from outcomes.domain.months import months_between
from outcomes.domain.records import (
    ContactRecord,
    DecisionType,
    FeedbackRecord,
    FormulationRecord,
    OutcomeRecords,
    PlanRecord,
    SubGoalRecord,
)
from outcomes.domain.run_chart import RUN_CHART_MEASURES, RunChartMeasure, run_chart, run_charts
from outcomes.domain.scorecard import Filter, build_scorecard, scorecards_by_month

T = TypeVar("T")


def contacts(per_month: dict[int, int], cluster: str = "east") -> tuple[ContactRecord, ...]:
    return tuple(
        ContactRecord(
            f"{cluster}-{m}-{i}", "school", cluster, None, datetime(2019, m, 1 + i, tzinfo=UTC)
        )
        for m, n in per_month.items()
        for i in range(n)
    )


def test_contacts_are_counted_per_month() -> None:
    records = OutcomeRecords(contacts=contacts({1: 2, 3: 5}) + contacts({1: 9}, "west"))
    chart = run_chart(
        records, "contacts", date(2019, 1, 1), date(2019, 4, 1), Filter(cluster_id="east")
    )
    assert [(p.month, p.value) for p in chart.points] == [
        ("2019-01", Decimal(2)),
        ("2019-02", Decimal(0)),
        ("2019-03", Decimal(5)),
        ("2019-04", Decimal(0)),
    ]
    assert chart.centre_line == Decimal("1.00")


def test_a_share_is_empty_in_a_month_with_nothing_to_share() -> None:
    plan = PlanRecord("p", "f", "east", None, date(2019, 1, 5))
    goals = (
        SubGoalRecord("g1", "p", "S1", "2019", date(2019, 1, 5), baseline=2),
        SubGoalRecord("g2", "p", "S1", "2019", date(2019, 1, 9)),
        SubGoalRecord("g3", "p", "S1", "2019", date(2019, 3, 9), baseline=4),
    )
    records = OutcomeRecords(plans=(plan,), sub_goals=goals)
    chart = run_chart(
        records, "sub_goals_with_baseline_percent", date(2019, 1, 1), date(2019, 3, 31)
    )
    assert [p.value for p in chart.points] == [Decimal("50.0"), None, Decimal("100.0")]


def test_every_measure_can_be_charted() -> None:
    for measure in RUN_CHART_MEASURES:
        chart = run_chart(OutcomeRecords(), measure, date(2019, 1, 1), date(2019, 2, 1))
        assert len(chart.points) == 2


def test_an_unknown_measure_is_refused() -> None:
    with pytest.raises(UnknownMeasure):
        run_chart(OutcomeRecords(), "happiness", date(2019, 1, 1), date(2019, 2, 1))


def test_months_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(InvalidPeriod):
        run_chart(OutcomeRecords(), "contacts", date(2019, 3, 1), date(2019, 2, 1))


# -- one scorecard per month, built over that month's records only ------------------------------


def scattered_history(seed: int) -> OutcomeRecords:
    """Records strewn over 2018-2020 with every irregularity the read models can hold: no
    place, a plan that is not held, goals that never end or end before they were set, scores
    before a goal was set and after it ended, contacts decided months after they opened."""
    rng = random.Random(seed)
    start = date(2018, 1, 1)

    def day() -> date:
        return start + timedelta(days=rng.randrange(3 * 365))

    def when() -> datetime:
        return datetime.combine(day(), time(rng.randrange(24), rng.randrange(60)), tzinfo=UTC)

    def maybe(value: T) -> T | None:
        return value if rng.random() < 0.7 else None

    def place() -> tuple[str | None, str | None]:
        return rng.choice([("east", "res-a"), ("west", "res-b"), ("east", None), (None, None)])

    plans = []
    for i in range(40):
        cluster, team = place()
        opened = day()
        closed = maybe(opened + timedelta(days=rng.randrange(-20, 300)))
        reason = rng.choice(list(ClosureReason)) if closed and rng.random() < 0.8 else None
        plans.append(PlanRecord(f"p{i}", f"f{i}", cluster, team, opened, closed, reason))
    plan_ids = [p.plan_id for p in plans] + ["not-held"]
    goals = []
    for i in range(120):
        set_at = day()
        entries = tuple(
            ScoreEntry(day(), rng.randrange(11), rng.choice(list(ScoreKind)), seq)
            for seq in range(rng.randrange(6))
        )
        point = latest_score(entries)
        goals.append(
            SubGoalRecord(
                f"g{i}",
                rng.choice(plan_ids),
                rng.choice(["S1", "E2", "H3", "A5"]),
                "2019",
                set_at,
                baseline=maybe(rng.randrange(11)),
                latest_score=point.score if point else None,
                ended_on=maybe(set_at + timedelta(days=rng.randrange(-30, 400))),
                tracking_frequency_days=maybe(14),
                review_dates=tuple(sorted({e.on for e in entries})),
                scores=entries,
            )
        )
    contacts = []
    for i in range(200):
        cluster, team = place()
        opened = when()
        decided = maybe(opened + timedelta(hours=rng.randrange(2000)))
        contacts.append(
            ContactRecord(
                f"c{i}",
                rng.choice(["school", "police"]),
                cluster,
                team,
                opened,
                decided,
                rng.choice(list(DecisionType)) if decided else None,
                maybe(opened + timedelta(days=rng.randrange(90))),
                re_referral=rng.random() < 0.2,
            )
        )
    formulations = []
    for i in range(60):
        cluster, team = place()
        started = when()
        completed = maybe(started + timedelta(days=rng.randrange(60)))
        formulations.append(
            FormulationRecord(
                f"fm{i}", None, cluster, team, started, completed, rng.random() < 0.5, True
            )
        )
    feedback = tuple(
        FeedbackRecord(
            f"fb{i}", rng.choice(plan_ids), day(), maybe(True), rng.random() < 0.5, 3, 4, 5
        )
        for i in range(50)
    )
    return OutcomeRecords(
        contacts=tuple(contacts),
        formulations=tuple(formulations),
        plans=tuple(plans),
        sub_goals=tuple(goals),
        feedback=feedback,
    )


CHART_FILTERS = [
    Filter(),
    Filter(cluster_id="east"),
    Filter(team_id="res-a", period_from=date(2018, 11, 20)),
    Filter(cluster_id="west", code="E2", period_to=date(2019, 10, 3)),
    Filter(category=ReportingCategory.CHILD_SAFEGUARDING),
    # Starts after the first months charted: each of those is the filter's first day.
    Filter(period_from=date(2019, 4, 12), period_to=date(2019, 6, 30)),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("flt", CHART_FILTERS)
def test_each_months_figures_are_those_of_a_scorecard_of_every_record(seed, flt) -> None:
    records = scattered_history(seed)
    first, last = date(2018, 6, 1), date(2019, 12, 31)
    charts = run_charts(records, list(RUN_CHART_MEASURES), first, last, flt)
    months = list(months_between(first, last))
    reference = [build_scorecard(records, flt.for_month(month)) for month in months]
    assert scorecards_by_month(records, months, flt) == reference
    for chart in charts:
        extract = RUN_CHART_MEASURES[RunChartMeasure(chart.measure)]
        expected = [extract(card) for card in reference]
        assert [p.value for p in chart.points] == [
            None if v is None else Decimal(v) for v in expected
        ]
    # The history is varied enough that the months differ.
    assert len({repr((card.how_much, card.better_off)) for card in reference}) > 5


def test_several_charts_come_once_each_in_the_order_asked() -> None:
    records = scattered_history(4)
    asked = ["plans_closed", "contacts", "plans_closed", "goals_improved_percent"]
    charts = run_charts(records, asked, date(2019, 1, 1), date(2019, 12, 1))
    assert [c.measure for c in charts] == ["plans_closed", "contacts", "goals_improved_percent"]
    assert charts[1] == run_chart(records, "contacts", date(2019, 1, 1), date(2019, 12, 1))
    with pytest.raises(UnknownMeasure):
        run_charts(records, ["contacts", "happiness"], date(2019, 1, 1), date(2019, 2, 1))
