"""Outcome focused supervision: is the plan likely to achieve the goal; if not, why not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from contracts.formulation import v1
from contracts.reference.formulation import SupervisionKind
from formulation.domain.errors import NothingToReview, SupervisionReviewNeedsReason
from formulation.domain.formulation import Formulation

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def test_a_review_that_doubts_the_plan_must_say_why_not(ready: Formulation) -> None:
    with pytest.raises(SupervisionReviewNeedsReason) as refused:
        ready.record_supervision_review(
            supervisor_id="manager-7",
            kind=SupervisionKind.GROUP,
            plan_likely_to_achieve_goal=False,
            why_not="   ",
            changes=None,
            now=NOW,
        )
    assert refused.value.status == 422
    assert ready.supervision_reviews == []
    assert ready.events == []


def test_a_review_of_a_completed_plan_becomes_part_of_its_history(ready: Formulation) -> None:
    ready.complete(NOW)

    review = ready.record_supervision_review(
        supervisor_id="manager-7",
        kind=SupervisionKind.GROUP,
        plan_likely_to_achieve_goal=False,
        why_not="Nothing addresses the morning routine at dad's",
        changes="Add a step with dad",
        now=NOW,
    )

    assert ready.supervision_reviews == [review]
    assert review.why_not == "Nothing addresses the morning routine at dad's"
    reviewed = ready.events[-1]
    assert isinstance(reviewed, v1.SupervisionReviewed)
    assert reviewed.plan_likely_to_achieve_goal is False
    assert reviewed.changes_recorded is True
    # Free text stays in the service (not "dad" alone: a random id's hex can spell it).
    assert "morning routine" not in reviewed.model_dump_json()
    assert "Add a step" not in reviewed.model_dump_json()


def test_a_plan_likely_to_achieve_its_goal_needs_no_reason(ready: Formulation) -> None:
    review = ready.record_supervision_review(
        supervisor_id="manager-7",
        kind=SupervisionKind.INDIVIDUAL,
        plan_likely_to_achieve_goal=True,
        why_not=None,
        changes=None,
        now=NOW,
    )
    assert review.plan_likely_to_achieve_goal
    assert review.why_not is None


def test_a_plan_without_an_overall_goal_has_nothing_to_review(draft: Formulation) -> None:
    with pytest.raises(NothingToReview):
        draft.record_supervision_review(
            supervisor_id="manager-7",
            kind=SupervisionKind.GROUP,
            plan_likely_to_achieve_goal=True,
            why_not=None,
            changes=None,
            now=NOW,
        )
