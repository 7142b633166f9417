"""Baseline first, then tracking scores and evaluations, all whole numbers from 0 to 10."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from contracts.goals import v1 as events
from contracts.reference.goals import EvaluationDecision, Movement, ScorerKind
from goals.domain.errors import (
    BaselineAlreadyRecorded,
    BaselineRequired,
    InvalidEvaluation,
    InvalidScore,
    SubGoalNotActive,
)
from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.scores import Scorer, classify_movement, ensure_score_in_range

WORKER = Scorer.worker("worker-17")


def test_a_tracking_score_before_the_baseline_is_refused(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = set_goal()
    with pytest.raises(BaselineRequired) as refused:
        plan.record_score(sub_goal.id, score=5, on=sub_goal.set_on, given_by=WORKER)
    assert refused.value.status == 409
    assert sub_goal.scores == []


def test_an_action_before_the_baseline_is_refused(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = set_goal()
    with pytest.raises(BaselineRequired):
        plan.agree_action(
            sub_goal.id,
            what="Weekly parenting session",
            who="Worker and mum",
            by_when=sub_goal.by_when,
            category="parenting_work",
            on=sub_goal.set_on,
        )
    assert sub_goal.actions == []


def test_an_evaluation_before_the_baseline_is_refused(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = set_goal()
    with pytest.raises(BaselineRequired):
        plan.evaluate(
            sub_goal.id, score=5, on=sub_goal.set_on, decision="continue", rationale="Going well"
        )


def test_the_baseline_is_recorded_once(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    sub_goal = set_goal()
    plan.record_baseline(sub_goal.id, score=3, on=sub_goal.set_on, given_by=mum)

    with pytest.raises(BaselineAlreadyRecorded) as refused:
        plan.record_baseline(sub_goal.id, score=6, on=sub_goal.set_on, given_by=mum)

    assert refused.value.status == 409
    assert sub_goal.baseline is not None and sub_goal.baseline.score == 3
    event = plan.events[-1]
    assert isinstance(event, events.BaselineRecorded)
    assert (event.baseline, event.scored_by, event.tracking_frequency_days) == (
        3,
        ScorerKind.FAMILY,
        7,
    )


def test_the_baseline_is_given_by_the_family_not_the_worker(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = set_goal()
    with pytest.raises(InvalidScore):
        plan.record_baseline(sub_goal.id, score=3, on=sub_goal.set_on, given_by=WORKER)
    assert sub_goal.baseline is None


def test_a_queued_sub_goal_is_not_scored(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    queued = set_goal(queue=True)
    with pytest.raises(SubGoalNotActive):
        plan.record_baseline(queued.id, score=3, on=queued.set_on, given_by=mum)


@pytest.mark.parametrize("score", [-1, 11, 100, 5.5, "7", True, None])
def test_scores_outside_0_to_10_or_not_whole_are_refused(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer, score: object
) -> None:
    sub_goal = started_goal()
    with pytest.raises(InvalidScore) as refused:
        plan.record_score(sub_goal.id, score=score, on=sub_goal.set_on, given_by=mum)  # type: ignore[arg-type]
    assert refused.value.status == 422
    assert sub_goal.scores == []


@pytest.mark.parametrize("baseline", [-1, 11])
def test_a_baseline_outside_0_to_10_is_refused(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal], mum: Scorer, baseline: int
) -> None:
    sub_goal = set_goal()
    with pytest.raises(InvalidScore):
        plan.record_baseline(sub_goal.id, score=baseline, on=sub_goal.set_on, given_by=mum)
    assert sub_goal.baseline is None


@pytest.mark.parametrize("score", [0, 10])
def test_the_ends_of_the_scale_are_scores(score: int) -> None:
    assert ensure_score_in_range(score) == score


def test_a_tracking_score_is_dated_and_says_who_gave_it(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal(baseline=3)
    child = Scorer.family(uuid.uuid4())
    on = sub_goal.set_on + timedelta(days=7)

    plan.record_score(sub_goal.id, score=5, on=on, given_by=child, note="Got to school 4 days")

    (score,) = sub_goal.scores
    assert (score.score, score.on, score.given_by, score.note) == (
        5,
        on,
        child,
        "Got to school 4 days",
    )
    event = plan.events[-1]
    assert isinstance(event, events.ScoreRecorded)
    assert (event.score, event.baseline, event.scored_on, event.scored_by) == (
        5,
        3,
        on,
        ScorerKind.FAMILY,
    )


def test_a_score_dated_before_the_baseline_is_refused(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal()
    with pytest.raises(InvalidScore):
        plan.record_score(
            sub_goal.id, score=5, on=sub_goal.set_on - timedelta(days=1), given_by=WORKER
        )


def test_an_evaluation_records_score_decision_and_rationale(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal]
) -> None:
    sub_goal = started_goal(baseline=4)
    on = sub_goal.set_on + timedelta(days=14)

    plan.evaluate(
        sub_goal.id, score=3, on=on, decision="change", rationale="Mornings still hard; try a rota"
    )

    (evaluation,) = sub_goal.evaluations
    assert evaluation.decision is EvaluationDecision.CHANGE
    assert sub_goal.movement is Movement.DETERIORATED
    event = plan.events[-1]
    assert isinstance(event, events.SubGoalEvaluated)
    assert (event.score, event.decision, event.baseline) == (3, EvaluationDecision.CHANGE, 4)


@pytest.mark.parametrize(("decision", "rationale"), [("carry_on", "Fine"), ("continue", "  ")])
def test_an_evaluation_needs_a_known_decision_and_a_rationale(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], decision: str, rationale: str
) -> None:
    sub_goal = started_goal()
    with pytest.raises(InvalidEvaluation):
        plan.evaluate(
            sub_goal.id, score=5, on=sub_goal.set_on, decision=decision, rationale=rationale
        )
    assert sub_goal.evaluations == []


@pytest.mark.parametrize(
    ("baseline", "latest", "movement"),
    [
        (3, 8, Movement.IMPROVED),
        (0, 1, Movement.IMPROVED),
        (5, 5, Movement.UNCHANGED),
        (7, 2, Movement.DETERIORATED),
        (10, 9, Movement.DETERIORATED),
        (3, None, Movement.NO_SCORE),
        (None, 6, Movement.NO_SCORE),
        (None, None, Movement.NO_SCORE),
    ],
)
def test_movement_is_classified_from_baseline_to_latest_score(
    baseline: int | None, latest: int | None, movement: Movement
) -> None:
    assert classify_movement(baseline, latest) is movement


def test_movement_uses_the_latest_score_by_date_not_the_last_entered(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    sub_goal = started_goal(baseline=4)
    start = sub_goal.set_on
    plan.record_score(sub_goal.id, score=7, on=start + timedelta(days=14), given_by=mum)
    # Written up late: an earlier visit's lower score is entered afterwards.
    plan.record_score(sub_goal.id, score=2, on=start + timedelta(days=7), given_by=mum)

    assert sub_goal.latest_score is not None and sub_goal.latest_score.score == 7
    assert sub_goal.movement is Movement.IMPROVED


def test_a_sub_goal_never_scored_after_its_baseline_has_no_score(
    started_goal: Callable[..., SubGoal],
) -> None:
    assert started_goal(baseline=5).movement is Movement.NO_SCORE


def test_a_sub_goal_without_a_baseline_has_no_score(set_goal: Callable[..., SubGoal]) -> None:
    assert set_goal().movement is Movement.NO_SCORE


def test_score_history_starts_with_the_baseline_and_runs_in_date_order(
    plan: FamilyPlan, started_goal: Callable[..., SubGoal], mum: Scorer
) -> None:
    sub_goal = started_goal(baseline=2)
    start = sub_goal.set_on
    plan.record_score(sub_goal.id, score=6, on=start + timedelta(days=14), given_by=mum)
    plan.evaluate(
        sub_goal.id, score=4, on=start + timedelta(days=7), decision="continue", rationale="Ok"
    )

    history = [(p.on - start).days for p in sub_goal.score_history()]
    assert history == [0, 7, 14]
    assert sub_goal.score_history()[0].is_baseline
    assert sub_goal.last_reviewed_on() == start + timedelta(days=14)
