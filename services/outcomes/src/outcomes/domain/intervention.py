"""Section 3.1 and 3.3 figures of the intervention itself: its average length, goals worked on
for more than three months, live plans, and new RES allocations as a share of contacts.

Definitions are in `outcomes.domain.definitions`; every function takes records and a filter,
nothing else, so the records may come from any store.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from outcomes.domain.records import ContactRecord, PlanRecord, SubGoalRecord
from outcomes.domain.scorecard import Filter
from outcomes.domain.shares import Share, round_half_up

# A month of a year's 365.25 days: the mean length of a calendar month.
DAYS_PER_MONTH = Fraction(36525, 1200)
LONG_GOAL_MONTHS = 3


@dataclass(frozen=True)
class InterventionLength:
    plans: int
    mean_months: Decimal | None
    mean_days: Decimal | None


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def length_of_intervention(plans: Iterable[PlanRecord], flt: Filter) -> InterventionLength:
    """Opening to closing of the plans of the filter's place that closed in its period."""
    days = [
        (p.closed_at - p.opened_at).days
        for p in plans
        if p.closed_at is not None
        and p.closed_at >= p.opened_at
        and flt.in_place(p.cluster_id, p.team_id)
        and flt.in_period(p.closed_at)
    ]
    if not days:
        return InterventionLength(0, None, None)
    mean_days = Fraction(sum(days), len(days))
    return InterventionLength(
        plans=len(days),
        mean_months=round_half_up(mean_days / DAYS_PER_MONTH, 1),
        mean_days=round_half_up(mean_days, 1),
    )


def goals_worked_on_over(
    goals: Iterable[SubGoalRecord], as_of: date, months: int = LONG_GOAL_MONTHS
) -> Share:
    """Of the goals given (already narrowed to the filter), those whose span from being set to
    ending, or to `as_of` while still going, is more than `months` calendar months."""
    items = list(goals)
    long = sum(1 for g in items if min(g.ended_on or as_of, as_of) > add_months(g.set_at, months))
    return Share(long, len(items))


def live_plans(plans: Iterable[PlanRecord], flt: Filter, as_of: date) -> int:
    """Plans of the filter's place open on `as_of`."""
    return sum(
        1
        for p in plans
        if flt.in_place(p.cluster_id, p.team_id)
        and p.opened_at <= as_of
        and (p.closed_at is None or p.closed_at > as_of)
    )


def allocations_share_of_contacts(contacts: Iterable[ContactRecord], flt: Filter) -> Share:
    """Families allocated to RES in the period over the contacts received in it, in one place."""
    placed = [c for c in contacts if flt.in_place(c.cluster_id, c.team_id)]
    allocated = sum(1 for c in placed if flt.in_period(c.allocated_at))
    received = sum(1 for c in placed if flt.in_period(c.opened_at))
    return Share(allocated, received)
