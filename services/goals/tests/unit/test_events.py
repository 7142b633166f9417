"""Goals events: on the plan topic keyed by family, ids, codes, scores and dates, never free text."""

from __future__ import annotations

import json
import types
import typing
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from contracts import topics
from contracts.envelope import Envelope, EventPayload
from contracts.goals import v1 as goals_events
from contracts.reference.goals import ScorerKind, SubGoalStatus
from contracts.registry import all_events, parse_payload
from goals.domain.closure import ClosingReview, Support, SustainabilityPlan
from goals.domain.feedback import FamilyFeedback
from goals.domain.plan import FamilyPlan, SubGoal
from goals.domain.scores import Scorer
from pydantic import ValidationError

# The only plain-string fields a goals payload may have: codes and reference ids.
ALLOWED_STRING_FIELDS = {"code", "code_edition", "team_id", "cluster_id"}

SECRETS = (
    "Jayden gets to school on time",
    "Mum scores mornings",
    "Nan helps on Fridays",
    "Call 07700 900123",
    "Dad's drinking",
    "Weekly session with Mum",
    "Chart made with Jayden",
    "Re-formulate with school",
)


def _goals_payloads() -> list[type[EventPayload]]:
    return [cls for cls in all_events() if cls.event_type.startswith("goals.")]


def _is_plain_str(annotation: object) -> bool:
    if annotation is str:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return any(_is_plain_str(arg) for arg in typing.get_args(annotation))
    return False


def test_goals_events_travel_on_the_plan_topic_keyed_by_family() -> None:
    payloads = _goals_payloads()
    assert len(payloads) >= 10
    for cls in payloads:
        assert cls.topic == topics.GOALS_PLAN
        assert cls.key_field == "family_id"
        assert cls.aggregate_type == "plan"
        assert cls.event_type.startswith("goals.plan.") and cls.event_type.endswith(".v1")
        assert {"plan_id", "family_id"} <= set(cls.model_fields)


def test_no_goals_event_has_a_free_text_field() -> None:
    for cls in _goals_payloads():
        text_fields = {
            name for name, info in cls.model_fields.items() if _is_plain_str(info.annotation)
        }
        assert text_fields <= ALLOWED_STRING_FIELDS, (cls.event_type, text_fields)


def test_event_scores_and_ratings_are_bounded() -> None:
    ids = {"plan_id": uuid.uuid4(), "family_id": uuid.uuid4(), "sub_goal_id": uuid.uuid4()}
    with pytest.raises(ValidationError):
        goals_events.ScoreRecorded(
            **ids,
            code="S1",
            code_edition="2019",
            score=11,
            scored_on=date(2025, 3, 3),
            scored_by=ScorerKind.FAMILY,
            baseline=3,
            status=SubGoalStatus.ACTIVE,
        )
    with pytest.raises(ValidationError):
        goals_events.FeedbackRecorded(
            plan_id=ids["plan_id"],
            family_id=ids["family_id"],
            treated_with_respect=True,
            would_recommend=True,
            service_rating=0,
            worker_communication_rating=5,
            understood_process_rating=5,
            recorded_at=datetime(2025, 3, 3, tzinfo=UTC),
        )


def test_a_whole_journey_emits_events_without_any_family_text(
    plan: FamilyPlan, set_goal: Callable[..., SubGoal]
) -> None:
    mum = Scorer.family(uuid.uuid4())
    now = datetime(2025, 3, 3, 10, tzinfo=UTC)
    sub_goal = set_goal("E5", what=SECRETS[0], measure=SECRETS[1])
    waiting = set_goal("F2", queue=True, what=SECRETS[4])
    start = sub_goal.set_on
    plan.record_baseline(sub_goal.id, score=3, on=start, given_by=mum)
    action = plan.agree_action(
        sub_goal.id,
        what=SECRETS[5],
        who="Mum",
        by_when=start + timedelta(days=30),
        category="parenting_work",
        on=start,
    )
    plan.record_action_progress(
        sub_goal.id, action.id, on=start + timedelta(days=1), note=SECRETS[6], now=now
    )
    plan.record_score(
        sub_goal.id, score=6, on=start + timedelta(days=7), given_by=mum, note=SECRETS[1]
    )
    plan.evaluate(
        sub_goal.id,
        score=7,
        on=start + timedelta(days=14),
        decision="continue",
        rationale=SECRETS[4],
    )
    plan.agree_tracking_frequency(sub_goal.id, "fortnightly")
    plan.end_sub_goal(sub_goal.id, "achieved", on=start + timedelta(days=28))
    plan.record_baseline(waiting.id, score=5, on=start + timedelta(days=28), given_by=mum)
    plan.close(
        review=ClosingReview(
            held_on=date(2025, 6, 1),
            sustainability_plan=SustainabilityPlan(
                worked_on=SECRETS[0],
                achieved=SECRETS[0],
                how_family_continues=SECRETS[1],
                supports=(Support(SECRETS[2], SECRETS[2], SECRETS[3]),),
                look_out_for=SECRETS[4],
            ),
        ),
        reason="continued_intervention_further_formulation",
        closed_on=date(2025, 6, 1),
        now=now,
    )
    plan.record_feedback(FamilyFeedback(True, True, 8, 9, 9), now=now, on=date(2025, 6, 1))

    types_seen = [e.event_type for e in plan.events]
    assert types_seen == [
        "goals.plan.opened.v1",
        "goals.plan.sub_goal_set.v1",
        "goals.plan.sub_goal_set.v1",
        "goals.plan.baseline_recorded.v1",
        "goals.plan.action_recorded.v1",
        "goals.plan.action_progress_recorded.v1",
        "goals.plan.score_recorded.v1",
        "goals.plan.sub_goal_evaluated.v1",
        "goals.plan.tracking_frequency_agreed.v1",
        "goals.plan.sub_goal_ended.v1",
        "goals.plan.sub_goal_activated.v1",
        "goals.plan.baseline_recorded.v1",
        "goals.plan.sub_goal_ended.v1",
        "goals.plan.closed.v1",
        "goals.plan.feedback_recorded.v1",
    ]
    for payload in plan.events:
        envelope = Envelope.wrap(payload, source="/goals")
        wire = Envelope.from_kafka(envelope.kafka_headers(), envelope.kafka_value())
        assert parse_payload(wire) == payload
        assert envelope.subject == str(plan.family_id)
        body = json.dumps(envelope.data)
        for secret in (*SECRETS, "Mum"):
            assert secret not in body, (payload.event_type, secret)
