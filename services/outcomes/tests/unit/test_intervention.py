"""Average length of intervention, goals worked on for over three months, live plans and new
allocations as a share of contacts, on hand-worked records; and the latest score in a period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from contracts.reference.goals import ScoreEntry, ScoreKind
from outcomes.domain.intervention import (
    add_months,
    allocations_share_of_contacts,
    goals_worked_on_over,
    length_of_intervention,
    live_plans,
)
from outcomes.domain.movement import summarise_movement
from outcomes.domain.records import ContactRecord, OutcomeRecords, PlanRecord, SubGoalRecord
from outcomes.domain.scorecard import Filter, goals_in_scope

PLANS = (
    # 90 days and 120 days: a mean of 105 days, 105 / 30.4375 = 3.4497 months.
    PlanRecord("p1", "f1", "east", "res-east", date(2019, 1, 1), date(2019, 4, 1)),
    PlanRecord("p2", "f2", "east", "res-east", date(2019, 2, 1), date(2019, 6, 1)),
    # Elsewhere, 31 days; and one still open.
    PlanRecord("p3", "f3", "west", "res-west", date(2019, 3, 1), date(2019, 4, 1)),
    PlanRecord("p4", "f4", "east", "res-east", date(2019, 5, 1)),
)


def test_the_length_of_intervention_is_the_mean_from_opening_to_closing_in_months():
    east = length_of_intervention(PLANS, Filter(cluster_id="east"))
    assert (east.plans, east.mean_days, east.mean_months) == (2, Decimal("105.0"), Decimal("3.4"))
    # All three closed plans: (90 + 120 + 31) / 3 = 80.33 days = 2.64 months.
    everywhere = length_of_intervention(PLANS, Filter())
    assert (everywhere.plans, everywhere.mean_months) == (3, Decimal("2.6"))
    # Only plans that closed in the period: p1 and p3 closed in April.
    april = length_of_intervention(PLANS, Filter(date(2019, 4, 1), date(2019, 4, 30)))
    assert (april.plans, april.mean_days) == (2, Decimal("60.5"))
    assert length_of_intervention((), Filter()).mean_months is None


def test_live_plans_are_those_open_on_the_last_day():
    assert live_plans(PLANS, Filter(), date(2019, 5, 15)) == 2  # p2 and p4
    assert live_plans(PLANS, Filter(), date(2019, 4, 15)) == 1  # p2 (p1, p3 closed on 1 April)
    assert live_plans(PLANS, Filter(), date(2019, 6, 1)) == 1  # p4: p2 closed that day
    assert live_plans(PLANS, Filter(cluster_id="west"), date(2019, 3, 31)) == 1
    assert live_plans(PLANS, Filter(), date(2018, 12, 31)) == 0


def goal(goal_id: str, set_at: date, ended_on: date | None = None) -> SubGoalRecord:
    return SubGoalRecord(goal_id, "p1", "S1", "2019", set_at, ended_on=ended_on)


def test_goals_worked_on_for_more_than_three_calendar_months():
    goals = [
        goal("exactly-three", date(2019, 1, 10), date(2019, 4, 10)),
        goal("a-day-more", date(2019, 1, 10), date(2019, 4, 11)),
        goal("still-going", date(2019, 1, 31)),  # 30 April + 1 day is over three months
        goal("short", date(2019, 3, 1), date(2019, 3, 20)),
    ]
    share = goals_worked_on_over(goals, as_of=date(2019, 5, 1))
    assert (share.numerator, share.denominator) == (2, 4)
    # Seen from the end of April the open one is exactly three months old: not over.
    assert goals_worked_on_over(goals, as_of=date(2019, 4, 30)).numerator == 1
    assert add_months(date(2019, 11, 30), 3) == date(2020, 2, 29)


def contact(cid: str, cluster: str, opened: datetime, allocated: datetime | None) -> ContactRecord:
    return ContactRecord(cid, "school", cluster, None, opened, allocated_at=allocated)


def test_new_allocations_are_a_share_of_the_contacts_received_in_the_same_place_and_period():
    jan, feb = datetime(2019, 1, 7, tzinfo=UTC), datetime(2019, 2, 7, tzinfo=UTC)
    contacts = [
        contact("a", "east", jan, feb),
        contact("b", "east", jan, None),
        contact("c", "east", feb, None),
        contact("d", "west", jan, jan),
    ]
    share = allocations_share_of_contacts(contacts, Filter(cluster_id="east"))
    assert (share.numerator, share.denominator) == (1, 3)
    january = allocations_share_of_contacts(contacts, Filter(date(2019, 1, 1), date(2019, 1, 31)))
    # Received in January: a, b, d; allocated in January: d only.
    assert (january.numerator, january.denominator) == (1, 3)


def test_a_period_reads_the_latest_score_within_it():
    scores = (
        ScoreEntry(date(2019, 1, 14), 6, ScoreKind.TRACKING, 0),
        ScoreEntry(date(2019, 3, 4), 2, ScoreKind.TRACKING, 1),
    )
    g = SubGoalRecord("g", "p1", "S1", "2019", date(2019, 1, 7), 4, 2, scores=scores)
    records = OutcomeRecords(plans=PLANS, sub_goals=(g,))
    ever = summarise_movement(goals_in_scope(records, Filter()))
    january = summarise_movement(
        goals_in_scope(records, Filter(date(2019, 1, 1), date(2019, 1, 31)))
    )
    assert (ever.deteriorated, ever.improved) == (1, 0)
    assert (january.improved, january.deteriorated) == (1, 0)
