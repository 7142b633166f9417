"""Goals events, version 1: a family plan, its sub-goals, scores, actions, closure and feedback.

All travel on `goals.plan.events` keyed by family id, so one family's events stay in order.
Ids, codes, scores, categories, counts and dates only: the wording of goals, actions, notes,
rationales and sustainability plans stays in the goals service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import Field

from contracts import topics
from contracts.envelope import EventPayload
from contracts.reference.goals import (
    ActivityCategory,
    ClosureReason,
    EvaluationDecision,
    Movement,
    ReturnToFormulationReason,
    ScorerKind,
    SubGoalEndState,
    SubGoalStatus,
    TrackingFrequency,
)
from contracts.registry import event

Score = Annotated[int, Field(ge=0, le=10)]
Rating = Annotated[int, Field(ge=1, le=10)]
Count = Annotated[int, Field(ge=0)]


class PlanEvent(EventPayload):
    """Fields every goals event carries."""

    topic: ClassVar[str] = topics.GOALS_PLAN
    aggregate_type: ClassVar[str] = "plan"
    key_field: ClassVar[str] = "family_id"

    plan_id: uuid.UUID
    family_id: uuid.UUID


class SubGoalEvent(PlanEvent):
    """Fields every event about one sub-goal carries: enough to code it without a lookup."""

    sub_goal_id: uuid.UUID
    code: str
    code_edition: str


@event
class PlanOpened(PlanEvent):
    """A family plan was opened from a formulation (Appendix 5 step 5)."""

    event_type: ClassVar[str] = "goals.plan.opened.v1"

    formulation_id: uuid.UUID
    team_id: str | None = None
    cluster_id: str | None = None
    opened_at: datetime
    opened_on: date | None = Field(
        None,
        description="the day the plan was agreed (practice date); opened_at is when it was recorded",
    )


@event
class SubGoalSet(SubGoalEvent):
    """A SMART sub-goal was agreed, either to start now (active) or to wait (queued)."""

    event_type: ClassVar[str] = "goals.plan.sub_goal_set.v1"

    status: SubGoalStatus
    tracking_frequency: TrackingFrequency
    tracking_frequency_days: int
    person_ids: tuple[uuid.UUID, ...]
    factor_ids: tuple[uuid.UUID, ...]
    by_when: date
    set_on: date


@event
class SubGoalActivated(SubGoalEvent):
    """A queued sub-goal started; `automatic` when it took the place of one that ended."""

    event_type: ClassVar[str] = "goals.plan.sub_goal_activated.v1"

    activated_on: date
    automatic: bool


@event
class TrackingFrequencyAgreed(SubGoalEvent):
    """The family and worker agreed a different tracking frequency (Appendix 5 step 9)."""

    event_type: ClassVar[str] = "goals.plan.tracking_frequency_agreed.v1"

    tracking_frequency: TrackingFrequency
    tracking_frequency_days: int


@event
class BaselineRecorded(SubGoalEvent):
    """The family's starting score, given before any action (Appendix 5 step 8)."""

    event_type: ClassVar[str] = "goals.plan.baseline_recorded.v1"

    baseline: Score
    scored_on: date
    scored_by: ScorerKind
    tracking_frequency_days: int


@event
class ScoreRecorded(SubGoalEvent):
    """A dated tracking score (Appendix 5 step 11)."""

    event_type: ClassVar[str] = "goals.plan.score_recorded.v1"

    score: Score
    scored_on: date
    scored_by: ScorerKind
    baseline: Score
    status: SubGoalStatus


@event
class SubGoalEvaluated(SubGoalEvent):
    """An evaluation: date, score and the decision to continue or change actions (step 12)."""

    event_type: ClassVar[str] = "goals.plan.sub_goal_evaluated.v1"

    score: Score
    evaluated_on: date
    decision: EvaluationDecision
    baseline: Score


@event
class SubGoalEnded(SubGoalEvent):
    """A sub-goal ended (step 13), alone or because its plan closed or went back to formulation.

    `movement` compares `latest_score` with `baseline`; `was_active` is false for a sub-goal
    that ended while still queued, which outcomes leave out of goal movement figures.
    """

    event_type: ClassVar[str] = "goals.plan.sub_goal_ended.v1"

    end_state: SubGoalEndState
    ended_on: date
    baseline: Score | None = None
    latest_score: Score | None = None
    latest_scored_on: date | None = None
    movement: Movement
    was_active: bool
    ended_with_plan: bool
    actions_recorded: Count


@event
class ActionRecorded(SubGoalEvent):
    """A SMART action was agreed for a sub-goal (step 9); Table 4 counts these by category."""

    event_type: ClassVar[str] = "goals.plan.action_recorded.v1"

    action_id: uuid.UUID
    activity_category: ActivityCategory
    agreed_on: date
    by_when: date


@event
class ActionProgressRecorded(SubGoalEvent):
    """Work done on an action was recorded as it happened (step 10)."""

    event_type: ClassVar[str] = "goals.plan.action_progress_recorded.v1"

    action_id: uuid.UUID
    activity_category: ActivityCategory
    done_on: date


@event
class PlanClosed(PlanEvent):
    """The plan closed after a closing review with a sustainability plan (steps 15-16).

    Counts cover sub-goals that were worked on; `sub_goals_never_started` counts those that
    were still queued. `closed_on` is the practice date, `closed_at` when it was recorded.
    """

    event_type: ClassVar[str] = "goals.plan.closed.v1"

    formulation_id: uuid.UUID
    team_id: str | None = None
    cluster_id: str | None = None
    closure_reason: ClosureReason
    closed_on: date
    closed_at: datetime
    sub_goals_improved: Count
    sub_goals_unchanged: Count
    sub_goals_deteriorated: Count
    sub_goals_no_score: Count
    sub_goals_never_started: Count


@event
class FeedbackRecorded(PlanEvent):
    """The family's feedback at closure (section 3.4)."""

    event_type: ClassVar[str] = "goals.plan.feedback_recorded.v1"

    team_id: str | None = None
    cluster_id: str | None = None
    treated_with_respect: bool
    would_recommend: bool
    service_rating: Rating
    worker_communication_rating: Rating
    understood_process_rating: Rating
    recorded_at: datetime
    received_on: date | None = Field(
        None, description="the day the family gave the feedback (practice date)"
    )


@event
class ReturnedToFormulation(PlanEvent):
    """The plan did not progress and went back to formulation (Appendix 5 step 14)."""

    event_type: ClassVar[str] = "goals.plan.returned_to_formulation.v1"

    formulation_id: uuid.UUID
    reason: ReturnToFormulationReason
    returned_on: date
    returned_at: datetime
