"""The family's feedback at closure (section 3.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from contracts.goals import v1 as events
from goals.domain.closure import ClosingReview, Support, SustainabilityPlan
from goals.domain.errors import FeedbackAlreadyRecorded, FeedbackBeforeClosure, InvalidFeedback
from goals.domain.feedback import FamilyFeedback
from goals.domain.plan import FamilyPlan

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def _feedback(**overrides: Any) -> FamilyFeedback:
    fields: dict[str, Any] = {
        "treated_with_respect": True,
        "would_recommend": False,
        "service_rating": 8,
        "worker_communication_rating": 10,
        "understood_process_rating": 1,
    }
    fields.update(overrides)
    return FamilyFeedback(**fields)


def _close(plan: FamilyPlan) -> None:
    plan.close(
        review=ClosingReview(
            held_on=date(2025, 6, 30),
            sustainability_plan=SustainabilityPlan(
                worked_on="Routines",
                achieved="Calmer mornings",
                how_family_continues="Keep the chart",
                supports=(Support("Family hub", "Drop-in on Tuesdays", "hub@example.org"),),
                look_out_for="School holidays",
            ),
        ),
        reason="all_goals_achieved",
        closed_on=date(2025, 6, 30),
        now=NOW,
    )


def test_feedback_is_recorded_after_closure(plan: FamilyPlan) -> None:
    _close(plan)
    feedback = _feedback()

    plan.record_feedback(feedback, now=NOW)

    assert plan.feedback == feedback
    event = plan.events[-1]
    assert isinstance(event, events.FeedbackRecorded)
    assert (event.treated_with_respect, event.would_recommend) == (True, False)
    assert (
        event.service_rating,
        event.worker_communication_rating,
        event.understood_process_rating,
    ) == (8, 10, 1)


def test_feedback_before_closure_is_refused(plan: FamilyPlan) -> None:
    with pytest.raises(FeedbackBeforeClosure) as refused:
        plan.record_feedback(_feedback(), now=NOW)
    assert refused.value.status == 409
    assert plan.feedback is None


def test_feedback_is_recorded_once(plan: FamilyPlan) -> None:
    _close(plan)
    plan.record_feedback(_feedback(service_rating=9), now=NOW)

    with pytest.raises(FeedbackAlreadyRecorded) as refused:
        plan.record_feedback(_feedback(service_rating=2), now=NOW)

    assert refused.value.status == 409
    assert plan.feedback is not None and plan.feedback.service_rating == 9


@pytest.mark.parametrize(
    "rating_field", ["service_rating", "worker_communication_rating", "understood_process_rating"]
)
@pytest.mark.parametrize("rating", [0, 11, -3, 7.5, "8", True])
def test_ratings_are_whole_numbers_from_1_to_10(rating_field: str, rating: object) -> None:
    with pytest.raises(InvalidFeedback) as refused:
        _feedback(**{rating_field: rating})
    assert [e.field for e in refused.value.errors] == [rating_field]
    assert refused.value.status == 422


@pytest.mark.parametrize("answer_field", ["treated_with_respect", "would_recommend"])
@pytest.mark.parametrize("answer", [1, "yes", None])
def test_yes_no_answers_are_booleans(answer_field: str, answer: object) -> None:
    with pytest.raises(InvalidFeedback) as refused:
        _feedback(**{answer_field: answer})
    assert [e.field for e in refused.value.errors] == [answer_field]


@pytest.mark.parametrize("rating", [1, 10])
def test_the_ends_of_the_rating_scale_are_accepted(rating: int) -> None:
    assert _feedback(service_rating=rating).service_rating == rating
