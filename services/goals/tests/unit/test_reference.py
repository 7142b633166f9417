"""Goals reference data: stable codes, a label for each, and the values practice relies on."""

from __future__ import annotations

from enum import StrEnum

import pytest
from contracts.reference import goals as ref


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (ref.ActivityCategory, ref.ACTIVITY_CATEGORY_LABELS),
        (ref.ClosureReason, ref.CLOSURE_REASON_LABELS),
        (ref.SubGoalEndState, ref.SUB_GOAL_END_STATE_LABELS),
        (ref.SubGoalStatus, ref.SUB_GOAL_STATUS_LABELS),
        (ref.TrackingFrequency, ref.TRACKING_FREQUENCY_LABELS),
        (ref.Movement, ref.MOVEMENT_LABELS),
        (ref.ScorerKind, ref.SCORER_KIND_LABELS),
        (ref.EvaluationDecision, ref.EVALUATION_DECISION_LABELS),
        (ref.ReturnToFormulationReason, ref.RETURN_TO_FORMULATION_REASON_LABELS),
        (ref.PlanStatus, ref.PLAN_STATUS_LABELS),
    ],
)
def test_every_code_has_a_label(enum: type[StrEnum], labels: dict[StrEnum, str]) -> None:
    assert set(labels) == set(enum)
    assert all(label.strip() for label in labels.values())
    assert all(member.value == member.value.lower().replace(" ", "_") for member in enum)


def test_the_closure_reasons_are_the_five_of_section_3_3() -> None:
    assert [r.value for r in ref.ClosureReason] == [
        "all_goals_achieved",
        "family_no_longer_wanted_support",
        "escalation_to_area_social_work",
        "continued_intervention_further_formulation",
        "support_from_another_service",
    ]


def test_table_4_activity_categories_are_present() -> None:
    assert [c.value for c in ref.TABLE_4_CATEGORIES] == [
        "parenting_work",
        "promoting_emotional_health",
        "engagement_and_alignment_work",
        "relationship_work",
    ]
    assert ref.ActivityCategory.OTHER in ref.ActivityCategory


def test_every_end_state_is_also_a_sub_goal_status() -> None:
    statuses = {s.value for s in ref.SubGoalStatus}
    assert {e.value for e in ref.SubGoalEndState} <= statuses


def test_tracking_frequencies_have_days_and_default_to_weekly() -> None:
    assert ref.DEFAULT_TRACKING_FREQUENCY is ref.TrackingFrequency.WEEKLY
    assert ref.TRACKING_FREQUENCY_DAYS == {
        ref.TrackingFrequency.WEEKLY: 7,
        ref.TrackingFrequency.FORTNIGHTLY: 14,
        ref.TrackingFrequency.MONTHLY: 28,
    }
