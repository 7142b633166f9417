"""Section 3.3 and Table 4 rebuilt from 1,445 goal records, 473 plans and their actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from contracts.outcomes.v1 import ClosureReason, GoalMovement
from contracts.reference import evaluation
from contracts.reference.codes import ReportingCategory
from outcomes.domain.errors import InvalidScore, UnknownGoalCode
from outcomes.domain.goal_measures import (
    activity_progress,
    improvement_by_category,
    summarise_closures,
)
from outcomes.domain.movement import classify_movement, summarise_movement
from outcomes.domain.records import OutcomeRecords, SubGoalRecord
from outcomes.domain.scorecard import build_scorecard


def test_goal_movement_reproduces_84_10_6_of_1445_goals(evaluation_records: OutcomeRecords) -> None:
    summary = summarise_movement(evaluation_records.sub_goals)
    assert summary.total == evaluation.GOALS
    assert summary.no_score > 0
    for movement, printed in evaluation.GOAL_MOVEMENT_PERCENT.items():
        assert summary.share(GoalMovement(movement)).percent() == printed


def test_goal_movement_shares_are_of_scored_goals(evaluation_records: OutcomeRecords) -> None:
    summary = summarise_movement(evaluation_records.sub_goals)
    share = summary.share(GoalMovement.IMPROVED)
    assert share.denominator == summary.scored == summary.total - summary.no_score
    assert summary.share(GoalMovement.NO_SCORE).denominator == summary.total


def test_closure_reasons_reproduce_the_shares_of_353_completed_plans(
    evaluation_records: OutcomeRecords,
) -> None:
    closures = summarise_closures(evaluation_records.plans)
    assert closures.completed == evaluation.COMPLETED_PLANS
    assert len(evaluation_records.plans) - closures.completed == evaluation.LIVE_PLANS
    for reason, printed in evaluation.CLOSURE_PERCENT.items():
        assert closures.share(ClosureReason(reason)).percent() == printed


def test_improvement_by_category_reproduces_n_and_percent(
    evaluation_records: OutcomeRecords,
) -> None:
    rows = {row.category: row for row in improvement_by_category(evaluation_records.sub_goals)}
    for figure in evaluation.CATEGORY_IMPROVEMENT:
        row = rows[ReportingCategory(figure.category)]
        assert (row.goals, row.improved.percent()) == (figure.goals, figure.percent_improved)
    # "Goals chosen most frequently": safeguarding leads, and is 30% of all goals (section 4).
    first = improvement_by_category(evaluation_records.sub_goals)[0]
    assert first.category is ReportingCategory.CHILD_SAFEGUARDING
    assert first.movement.total * 100 // evaluation.GOALS == 30


def test_table_4_rows_are_reproduced_from_actions(evaluation_records: OutcomeRecords) -> None:
    rows = activity_progress(evaluation_records.actions, evaluation_records.sub_goals)
    computed = [
        (
            r.activity_category,
            r.deteriorated,
            r.unchanged,
            r.improved,
            r.no_score,
            r.total,
            r.on_improving_goals.percent(),
        )
        for r in rows[:4]
    ]
    printed = [
        (
            r.activity,
            r.deteriorated,
            r.unchanged,
            r.improved,
            r.no_score,
            r.total,
            Decimal(r.percent_on_improving),
        )
        for r in evaluation.TABLE_4
    ]
    assert computed == printed
    assert rows[4].activity_category == "housing_support"


def test_actions_on_goals_not_held_are_left_out() -> None:
    from outcomes.domain.records import ActionRecord

    goal = SubGoalRecord("g1", "p1", "S1", "2019", date(2019, 1, 1), baseline=2, latest_score=5)
    rows = activity_progress(
        [ActionRecord("a1", "g1", "parenting_work"), ActionRecord("a2", "gone", "parenting_work")],
        [goal],
    )
    assert [(r.improved, r.total) for r in rows] == [(1, 1)]


def test_the_scorecard_agrees_with_the_section_3_3_figures(
    evaluation_records: OutcomeRecords,
) -> None:
    card = build_scorecard(evaluation_records)
    assert card.better_off.goal_movement.share(GoalMovement.IMPROVED).percent() == 84
    assert card.better_off.all_goals_achieved.percent() == 57
    assert card.how_much.sub_goals_set == evaluation.GOALS
    assert card.how_much.plans_opened == evaluation.PLANS


@pytest.mark.parametrize(
    ("baseline", "latest", "movement"),
    [
        (3, 8, GoalMovement.IMPROVED),
        (5, 5, GoalMovement.UNCHANGED),
        (6, 2, GoalMovement.DETERIORATED),
        (None, 4, GoalMovement.NO_SCORE),
        (4, None, GoalMovement.NO_SCORE),
        (0, 10, GoalMovement.IMPROVED),
    ],
)
def test_classify_movement(
    baseline: int | None, latest: int | None, movement: GoalMovement
) -> None:
    assert classify_movement(baseline, latest) is movement


@pytest.mark.parametrize(("baseline", "latest"), [(11, 3), (3, -1)])
def test_a_score_outside_0_to_10_is_refused(baseline: int, latest: int) -> None:
    with pytest.raises(InvalidScore) as caught:
        classify_movement(baseline, latest)
    assert caught.value.code == "invalid-score" and caught.value.status == 422


def test_a_goal_with_an_unknown_code_is_refused() -> None:
    goal = SubGoalRecord("g1", "p1", "Z9", "2019", date(2019, 1, 1), baseline=2, latest_score=5)
    with pytest.raises(UnknownGoalCode):
        improvement_by_category([goal])
