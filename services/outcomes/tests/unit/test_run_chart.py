"""Run charts: a scorecard measure per month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from outcomes.domain.errors import InvalidPeriod, UnknownMeasure
from outcomes.domain.records import ContactRecord, OutcomeRecords, PlanRecord, SubGoalRecord
from outcomes.domain.run_chart import RUN_CHART_MEASURES, run_chart
from outcomes.domain.scorecard import Filter


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
