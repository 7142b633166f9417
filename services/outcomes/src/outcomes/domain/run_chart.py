"""Run charts: one scorecard measure per calendar month, with its median as the centre line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from contracts.outcomes.v1 import ClosureReason, GoalMovement

from outcomes.domain.errors import InvalidPeriod, UnknownMeasure
from outcomes.domain.months import month_label, months_between
from outcomes.domain.records import OutcomeRecords
from outcomes.domain.scorecard import Filter, Scorecard, scorecards_by_month
from outcomes.domain.shares import median


class RunChartMeasure(StrEnum):
    """The scorecard measures that have a run chart."""

    CONTACTS = "contacts"
    DECISIONS = "decisions"
    FAMILIES_ALLOCATED = "families_allocated"
    FORMULATIONS_COMPLETED = "formulations_completed"
    PLANS_OPENED = "plans_opened"
    SUB_GOALS_SET = "sub_goals_set"
    REVIEWS_RECORDED = "reviews_recorded"
    FORMULATIONS_SIX_PS_AND_WALK_BACK_PERCENT = "formulations_six_ps_and_walk_back_percent"
    SUB_GOALS_WITH_BASELINE_PERCENT = "sub_goals_with_baseline_percent"
    REVIEWS_ON_TIME_PERCENT = "reviews_on_time_percent"
    TREATED_WITH_RESPECT_PERCENT = "treated_with_respect_percent"
    WOULD_RECOMMEND_PERCENT = "would_recommend_percent"
    MEAN_DAYS_CONTACT_TO_DECISION = "mean_days_contact_to_decision"
    MEAN_DAYS_CONTACT_TO_ALLOCATION = "mean_days_contact_to_allocation"
    GOALS_IMPROVED_PERCENT = "goals_improved_percent"
    GOALS_DETERIORATED_PERCENT = "goals_deteriorated_percent"
    PLANS_CLOSED = "plans_closed"
    ALL_GOALS_ACHIEVED_PERCENT = "all_goals_achieved_percent"
    ESCALATIONS_TO_AREA_SOCIAL_WORK = "escalations_to_area_social_work"
    RE_REFERRALS_PERCENT = "re_referrals_percent"


Extractor = Callable[[Scorecard], Decimal | int | None]

RUN_CHART_MEASURES: dict[RunChartMeasure, Extractor] = {
    RunChartMeasure.CONTACTS: lambda s: s.how_much.contacts,
    RunChartMeasure.DECISIONS: lambda s: sum(s.how_much.decisions_by_type.values()),
    RunChartMeasure.FAMILIES_ALLOCATED: lambda s: s.how_much.families_allocated,
    RunChartMeasure.FORMULATIONS_COMPLETED: lambda s: s.how_much.formulations_completed,
    RunChartMeasure.PLANS_OPENED: lambda s: s.how_much.plans_opened,
    RunChartMeasure.SUB_GOALS_SET: lambda s: s.how_much.sub_goals_set,
    RunChartMeasure.REVIEWS_RECORDED: lambda s: s.how_much.reviews_recorded,
    RunChartMeasure.FORMULATIONS_SIX_PS_AND_WALK_BACK_PERCENT: lambda s: (
        s.how_well.formulations_six_ps_and_walk_back.percent(1)
    ),
    RunChartMeasure.SUB_GOALS_WITH_BASELINE_PERCENT: lambda s: (
        s.how_well.sub_goals_with_baseline.percent(1)
    ),
    RunChartMeasure.REVIEWS_ON_TIME_PERCENT: lambda s: s.how_well.reviews_on_time.percent(1),
    RunChartMeasure.TREATED_WITH_RESPECT_PERCENT: lambda s: (
        s.how_well.feedback_treated_with_respect.percent(1)
    ),
    RunChartMeasure.WOULD_RECOMMEND_PERCENT: lambda s: s.how_well.feedback_would_recommend.percent(
        1
    ),
    RunChartMeasure.MEAN_DAYS_CONTACT_TO_DECISION: lambda s: (
        s.how_well.days_contact_to_decision.mean_days
    ),
    RunChartMeasure.MEAN_DAYS_CONTACT_TO_ALLOCATION: lambda s: (
        s.how_well.days_contact_to_allocation.mean_days
    ),
    RunChartMeasure.GOALS_IMPROVED_PERCENT: lambda s: s.better_off.goal_movement.share(
        GoalMovement.IMPROVED
    ).percent(1),
    RunChartMeasure.GOALS_DETERIORATED_PERCENT: lambda s: s.better_off.goal_movement.share(
        GoalMovement.DETERIORATED
    ).percent(1),
    RunChartMeasure.PLANS_CLOSED: lambda s: s.better_off.closures.completed,
    RunChartMeasure.ALL_GOALS_ACHIEVED_PERCENT: lambda s: s.better_off.closures.share(
        ClosureReason.ALL_GOALS_ACHIEVED
    ).percent(1),
    RunChartMeasure.ESCALATIONS_TO_AREA_SOCIAL_WORK: lambda s: (
        s.better_off.escalations_to_area_social_work
    ),
    RunChartMeasure.RE_REFERRALS_PERCENT: lambda s: (
        s.better_off.re_referrals_within_12_months.percent(1)
    ),
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
    return run_charts(records, [measure], first_month, last_month, flt)[0]


def run_charts(
    records: OutcomeRecords,
    measures: Sequence[str],
    first_month: date,
    last_month: date,
    flt: Filter = Filter(),
) -> tuple[RunChart, ...]:
    """Each measure's run chart (in the order given, once each), all from one scorecard per
    month: a month's value is its measure of `build_scorecard` for that month."""
    wanted = list(dict.fromkeys(measures))
    unknown = [m for m in wanted if m not in RUN_CHART_MEASURES]
    if unknown:
        raise UnknownMeasure(detail=f"no run chart measure {unknown[0]!r}")
    if first_month > last_month:
        raise InvalidPeriod(detail=f"first month {first_month} is after last month {last_month}")
    months = list(months_between(first_month, last_month))
    cards = scorecards_by_month(records, months, flt)
    charts = []
    for measure in wanted:
        extract = RUN_CHART_MEASURES[RunChartMeasure(measure)]
        points = []
        for month, card in zip(months, cards, strict=True):
            value = extract(card)
            points.append(
                RunChartPoint(month_label(month), None if value is None else Decimal(value))
            )
        charts.append(RunChart(RunChartMeasure(measure).value, tuple(points)))
    return tuple(charts)
