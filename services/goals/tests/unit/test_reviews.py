"""Active sub-goals overdue a review at their agreed tracking frequency."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.reviews import overdue_reviews, review_due_on
from goals.domain.scores import Scorer

START = date(2025, 3, 3)


def test_a_weekly_goal_scored_eight_days_ago_is_overdue(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()

    (overdue,) = overdue_reviews([plan], today=START + timedelta(days=8))

    assert overdue.sub_goal_id == sub_goal.id
    assert overdue.plan_id == plan.id and overdue.family_id == plan.family_id
    assert overdue.last_reviewed_on == START
    assert overdue.due_on == START + timedelta(days=7)
    assert overdue.days_overdue == 1


def test_a_goal_due_today_is_not_yet_overdue(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    started_goal()
    assert overdue_reviews([plan], today=START + timedelta(days=7)) == []


def test_the_latest_score_resets_the_clock(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    sub_goal = started_goal()
    plan.record_score(sub_goal.id, score=5, on=START + timedelta(days=6), given_by=mum)

    assert overdue_reviews([plan], today=START + timedelta(days=10)) == []
    assert review_due_on(sub_goal) == START + timedelta(days=13)


def test_an_evaluation_counts_as_a_review(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    plan.evaluate(
        sub_goal.id,
        score=4,
        on=START + timedelta(days=7),
        decision="continue",
        rationale="Steady progress",
    )
    assert overdue_reviews([plan], today=START + timedelta(days=10)) == []


def test_the_agreed_frequency_sets_when_a_review_is_due(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    weekly = started_goal("S1")
    started_goal("E5", tracking_frequency="monthly")

    overdue = overdue_reviews([plan], today=START + timedelta(days=20))

    assert [o.sub_goal_id for o in overdue] == [weekly.id]


def test_a_goal_without_a_baseline_is_due_a_week_after_it_started(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = set_goal()
    (overdue,) = overdue_reviews([plan], today=START + timedelta(days=8))
    assert overdue.sub_goal_id == sub_goal.id


def test_queued_and_ended_goals_are_never_overdue(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], set_goal: Callable[..., SubGoal]
) -> None:
    ended = started_goal("S1")
    plan.end_sub_goal(ended.id, "achieved", on=START, promote_next=False)
    set_goal("H1", queue=True)

    assert overdue_reviews([plan], today=START + timedelta(days=60)) == []


def test_goals_of_closed_plans_are_never_overdue(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    started_goal()
    plan.return_to_formulation(
        reason="goals_not_right", rationale="Re-formulate", on=START, now=plan.opened_at
    )
    assert overdue_reviews([plan], today=START + timedelta(days=60)) == []


def test_the_most_overdue_come_first(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    recent = started_goal("S1")
    oldest = started_goal("E5")
    plan.record_score(recent.id, score=4, on=START + timedelta(days=5), given_by=mum)

    overdue = overdue_reviews([plan], today=START + timedelta(days=30))

    assert [o.sub_goal_id for o in overdue] == [oldest.id, recent.id]
    assert [o.days_overdue for o in overdue] == [23, 18]
