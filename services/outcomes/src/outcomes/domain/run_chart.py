"""Run charts: one scorecard measure per calendar month, with its median as the centre line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from contracts.outcomes.v1 import ClosureReason, GoalMovement

from outcomes.domain.errors import InvalidPeriod, UnknownMeasure
from outcomes.domain.months import month_label, months_between
from outcomes.domain.records import OutcomeRecords
from outcomes.domain.scorecard import Filter, Scorecard, build_scorecard
from outcomes.domain.shares import median

Extractor = Callable[[Scorecard], Decimal | int | None]

RUN_CHART_MEASURES: dict[str, Extractor] = {
    "contacts": lambda s: s.how_much.contacts,
    "decisions": lambda s: sum(s.how_much.decisions_by_type.values()),
    "families_allocated": lambda s: s.how_much.families_allocated,
    "formulations_completed": lambda s: s.how_much.formulations_completed,
    "plans_opened": lambda s: s.how_much.plans_opened,
    "sub_goals_set": lambda s: s.how_much.sub_goals_set,
    "reviews_recorded": lambda s: s.how_much.reviews_recorded,
    "formulations_six_ps_and_walk_back_percent": lambda s: (
        s.how_well.formulations_six_ps_and_walk_back.percent(1)
    ),
    "sub_goals_with_baseline_percent": lambda s: s.how_well.sub_goals_with_baseline.percent(1),
    "reviews_on_time_percent": lambda s: s.how_well.reviews_on_time.percent(1),
    "treated_with_respect_percent": lambda s: s.how_well.feedback_treated_with_respect.percent(1),
    "would_recommend_percent": lambda s: s.how_well.feedback_would_recommend.percent(1),
    "mean_days_contact_to_decision": lambda s: s.how_well.days_contact_to_decision.mean_days,
    "mean_days_contact_to_allocation": lambda s: s.how_well.days_contact_to_allocation.mean_days,
    "goals_improved_percent": lambda s: s.better_off.goal_movement.share(
        GoalMovement.IMPROVED
    ).percent(1),
    "goals_deteriorated_percent": lambda s: s.better_off.goal_movement.share(
        GoalMovement.DETERIORATED
    ).percent(1),
    "plans_closed": lambda s: s.better_off.closures.completed,
    "all_goals_achieved_percent": lambda s: s.better_off.closures.share(
        ClosureReason.ALL_GOALS_ACHIEVED
    ).percent(1),
    "escalations_to_area_social_work": lambda s: s.better_off.escalations_to_area_social_work,
    "re_referrals_percent": lambda s: s.better_off.re_referrals_within_12_months.percent(1),
}


@dataclass(frozen=True)
class RunChartPoint:
    month: str
    value: Decimal | None


@dataclass(frozen=True)
class RunChart:
    measure: str
    points: tuple[RunChartPoint, ...]

    @property
    def centre_line(self) -> Decimal | None:
        """The median of the months that have a value."""
        return median(Decimal(p.value) for p in self.points if p.value is not None)


def run_chart(
    records: OutcomeRecords,
    measure: str,
    first_month: date,
    last_month: date,
    flt: Filter = Filter(),
) -> RunChart:
    extract = RUN_CHART_MEASURES.get(measure)
    if extract is None:
        raise UnknownMeasure(detail=f"no run chart measure {measure!r}")
    if first_month > last_month:
        raise InvalidPeriod(detail=f"first month {first_month} is after last month {last_month}")
    points = []
    for month in months_between(first_month, last_month):
        value = extract(build_scorecard(records, flt.for_month(month)))
        points.append(RunChartPoint(month_label(month), None if value is None else Decimal(value)))
    return RunChart(measure, tuple(points))
