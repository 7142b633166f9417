"""The OBA scorecard on small, hand-checked histories, and its filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from contracts.outcomes.v1 import ClosureReason, GoalMovement
from contracts.reference.codes import ReportingCategory
from outcomes.domain.errors import InvalidPeriod
from outcomes.domain.records import (
    ContactRecord,
    DecisionType,
    FeedbackRecord,
    FormulationRecord,
    OutcomeRecords,
    PlanRecord,
    SubGoalRecord,
)
from outcomes.domain.scorecard import (
    Filter,
    build_scorecard,
    closed_plans_in_scope,
    goals_in_scope,
    reviews_on_time,
)


def at(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2019, month, day, hour, tzinfo=UTC)


def history() -> OutcomeRecords:
    contacts = (
        # Decided after 1 day and allocated after 3: a RES acceptance from a school.
        ContactRecord(
            "c1",
            "school",
            "east",
            "res-a",
            at(1),
            at(2),
            DecisionType.ACCEPT_FOR_RES_EARLY_HELP,
            at(4),
        ),
        # Stepped up after 2 days; a re-referral.
        ContactRecord(
            "c2",
            "police",
            "east",
            "res-a",
            at(5),
            at(7),
            DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK,
            re_referral=True,
        ),
        # Signposted after half a day: not a referral.
        ContactRecord(
            "c3", "school", "west", "res-b", at(5), at(5, 21), DecisionType.SIGNPOST_TO_CLUSTER
        ),
        # Still undecided.
        ContactRecord("c4", "parent", "west", "res-b", at(20)),
        # Another month.
        ContactRecord(
            "c5",
            "school",
            "east",
            "res-a",
            at(3, month=4),
            at(4, month=4),
            DecisionType.NO_FURTHER_ACTION,
        ),
    )
    formulations = (
        FormulationRecord("f1", "fam1", "east", "res-a", at(3), at(6), True, True),
        FormulationRecord("f2", "fam2", "west", "res-b", at(3), at(8), True, False),
        FormulationRecord("f3", "fam3", "west", "res-b", at(3), None, True, True),
    )
    plans = (
        PlanRecord(
            "p1",
            "fam1",
            "east",
            "res-a",
            date(2019, 3, 10),
            date(2019, 3, 30),
            ClosureReason.ALL_GOALS_ACHIEVED,
        ),
        PlanRecord(
            "p2",
            "fam2",
            "west",
            "res-b",
            date(2019, 3, 12),
            date(2019, 3, 28),
            ClosureReason.ESCALATED_TO_AREA_SOCIAL_WORK,
        ),
        PlanRecord("p3", "fam3", "west", "res-b", date(2019, 3, 15)),
    )
    d = date(2019, 3, 10)
    sub_goals = (
        # S1 safeguarding: 3 -> 7, reviewed weekly, once late.
        SubGoalRecord(
            "g1",
            "p1",
            "S1",
            "2019",
            d,
            3,
            7,
            tracking_frequency_days=7,
            review_dates=(d + timedelta(days=7), d + timedelta(days=17), d + timedelta(days=21)),
        ),
        # E5 education: 5 -> 4.
        SubGoalRecord(
            "g2",
            "p1",
            "E5",
            "2019",
            d,
            5,
            4,
            tracking_frequency_days=7,
            review_dates=(d + timedelta(days=8),),
        ),
        # S2 safeguarding: 2 -> 2.
        SubGoalRecord("g3", "p2", "S2", "2019", d, 2, 2),
        # A5 adult behaviour: no baseline yet.
        SubGoalRecord("g4", "p3", "A5", "2019", d, None, None),
    )
    feedback = (
        FeedbackRecord("fb1", "p1", date(2019, 3, 30), True, True, 9, 10, 8),
        FeedbackRecord("fb2", "p2", date(2019, 3, 28), True, False, 6, 7, None),
    )
    return OutcomeRecords(contacts, formulations, plans, sub_goals, (), feedback)


MARCH = Filter(period_from=date(2019, 3, 1), period_to=date(2019, 3, 31))


def test_how_much_counts_what_was_done_in_the_period() -> None:
    much = build_scorecard(history(), MARCH).how_much
    assert much.contacts == 4
    assert much.referrals_by_source == {"police": 1, "school": 1}
    assert much.decisions_by_type == {
        "accept_for_res_early_help": 1,
        "signpost_to_cluster": 1,
        "step_up_to_area_social_work": 1,
    }
    assert much.families_allocated == 1
    assert much.formulations_completed == 2
    assert much.plans_opened == 3
    assert much.sub_goals_set == 4
    assert much.reviews_recorded == 4


def test_how_well_measures_quality_and_timeliness() -> None:
    well = build_scorecard(history(), MARCH).how_well
    assert (
        well.formulations_six_ps_and_walk_back.numerator,
        well.formulations_six_ps_and_walk_back.denominator,
    ) == (1, 2)
    assert well.sub_goals_with_baseline.percent() == 75
    # g1: 7 days on time, 10 late, 4 on time; g2: 8 days is within the grace.
    assert (well.reviews_on_time.numerator, well.reviews_on_time.denominator) == (3, 4)
    assert well.feedback_treated_with_respect.percent() == 100
    assert well.feedback_would_recommend.percent() == 50
    assert well.mean_service_rating == Decimal("7.50")
    assert well.mean_communication_rating == Decimal("8.50")
    assert well.mean_understanding_rating == Decimal("8.00")
    # Decisions after 1, 2 and 0.5 days.
    assert well.days_contact_to_decision.n == 3
    assert well.days_contact_to_decision.mean_days == Decimal("1.17")
    assert well.days_contact_to_decision.median_days == Decimal("1.00")
    assert well.days_contact_to_allocation.mean_days == Decimal("3.00")


def test_is_anyone_better_off_reports_movement_closures_and_change() -> None:
    better = build_scorecard(history(), MARCH).better_off
    movement = better.goal_movement
    assert (movement.improved, movement.unchanged, movement.deteriorated, movement.no_score) == (
        1,
        1,
        1,
        1,
    )
    assert movement.share(GoalMovement.IMPROVED).denominator == 3
    assert better.closures.completed == 2
    assert better.all_goals_achieved.percent() == 50
    assert better.escalations_to_area_social_work == 1
    assert better.mean_score_change_by_code == {
        "E5": Decimal("-1.00"),
        "S1": Decimal("4.00"),
        "S2": Decimal("0.00"),
    }
    assert better.mean_score_change_by_category == {
        ReportingCategory.CHILD_SAFEGUARDING: Decimal("2.00"),
        ReportingCategory.EDUCATION_OUTCOMES: Decimal("-1.00"),
    }
    assert (
        better.re_referrals_within_12_months.numerator,
        better.re_referrals_within_12_months.denominator,
    ) == (1, 2)


def test_filter_by_cluster_and_team() -> None:
    east = build_scorecard(history(), Filter(cluster_id="east"))
    assert east.how_much.contacts == 3
    assert east.how_much.sub_goals_set == 2
    assert east.better_off.closures.by_reason[ClosureReason.ALL_GOALS_ACHIEVED] == 1
    assert east.better_off.escalations_to_area_social_work == 0
    team_b = build_scorecard(history(), Filter(team_id="res-b"))
    assert team_b.how_much.contacts == 2
    assert team_b.how_much.formulations_completed == 1
    assert team_b.how_well.feedback_would_recommend.percent() == 0


def test_filter_by_period_excludes_other_months() -> None:
    april = build_scorecard(
        history(), Filter(period_from=date(2019, 4, 1), period_to=date(2019, 4, 30))
    )
    assert april.how_much.contacts == 1
    assert april.how_much.decisions_by_type == {"no_further_action": 1}
    assert april.how_much.plans_opened == 0
    # Goals that had not ended are still being worked on in April.
    assert april.better_off.goal_movement.total == 4


@pytest.mark.parametrize(
    ("flt", "codes"),
    [
        (Filter(code="S1"), {"S1"}),
        (Filter(category=ReportingCategory.CHILD_SAFEGUARDING), {"S1", "S2"}),
        (Filter(outcome="All children and young people are safe from harm"), {"S1", "S2"}),
        (Filter(priority="Reduce the incidents of domestic violence"), set()),
        (Filter(cluster_id="west", category=ReportingCategory.CHILD_SAFEGUARDING), {"S2"}),
    ],
)
def test_goal_filters_narrow_the_goal_measures(flt: Filter, codes: set[str]) -> None:
    card = build_scorecard(history(), flt)
    assert set(card.better_off.mean_score_change_by_code) == codes
    # Contacts are not coded: a goal filter leaves them alone.
    assert card.how_much.contacts == (5 if flt.cluster_id is None else 2)


def test_a_priority_filter_counts_goals_without_a_score() -> None:
    card = build_scorecard(history(), Filter(priority="Reduce the incidents of domestic violence"))
    assert card.how_much.sub_goals_set == 1
    assert card.better_off.goal_movement.no_score == 1


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(InvalidPeriod) as caught:
        Filter(period_from=date(2019, 5, 1), period_to=date(2019, 4, 1))
    assert caught.value.code == "invalid-period"


def test_reviews_without_an_agreed_frequency_are_not_judged() -> None:
    goal = SubGoalRecord("g", "p", "S1", "2019", date(2019, 1, 1), review_dates=(date(2019, 2, 1),))
    assert reviews_on_time(goal) == []


def test_an_empty_history_gives_empty_shares_not_errors() -> None:
    card = build_scorecard(OutcomeRecords())
    assert card.how_well.sub_goals_with_baseline.percent() is None
    assert card.how_well.days_contact_to_decision.mean_days is None
    assert card.better_off.all_goals_achieved.percent() is None


def test_goals_in_scope_follow_their_plans_place_coding_and_period() -> None:
    recs = history()
    assert {g.sub_goal_id for g in goals_in_scope(recs)} == {"g1", "g2", "g3", "g4"}
    assert {g.sub_goal_id for g in goals_in_scope(recs, Filter(cluster_id="east"))} == {"g1", "g2"}
    west_s = Filter(team_id="res-b", category=ReportingCategory.CHILD_SAFEGUARDING)
    assert [g.sub_goal_id for g in goals_in_scope(recs, west_s)] == ["g3"]
    before = Filter(period_from=date(2019, 1, 1), period_to=date(2019, 2, 28))
    assert goals_in_scope(recs, before) == []


def test_closed_plans_in_scope_are_completed_in_the_place_and_period() -> None:
    recs = history()
    assert [p.plan_id for p in closed_plans_in_scope(recs)] == ["p1", "p2"]
    assert [p.plan_id for p in closed_plans_in_scope(recs, Filter(cluster_id="west"))] == ["p2"]
    april = Filter(period_from=date(2019, 4, 1), period_to=date(2019, 4, 30))
    assert closed_plans_in_scope(recs, april) == []
