"""Vocabularies of family goals (Appendix 5 steps 5-16, section 3.3): stable codes and labels.

Codes are what events, the database and the outcomes service store; labels are what people read.
Codes never change meaning; a new value is added beside the old ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ActivityCategory(StrEnum):
    """What kind of work an action is. The first four are the Table 4 categories."""

    PARENTING_WORK = "parenting_work"
    PROMOTING_EMOTIONAL_HEALTH = "promoting_emotional_health"
    ENGAGEMENT_AND_ALIGNMENT_WORK = "engagement_and_alignment_work"
    RELATIONSHIP_WORK = "relationship_work"
    EDUCATION_SCHOOL_LIAISON = "education_school_liaison"
    HEALTH_AND_WELLBEING_SUPPORT = "health_and_wellbeing_support"
    PRACTICAL_SUPPORT = "practical_support"
    DOMESTIC_ABUSE_SUPPORT = "domestic_abuse_support"
    SUBSTANCE_MISUSE_SUPPORT = "substance_misuse_support"
    YOUTH_WORK_POSITIVE_ACTIVITIES = "youth_work_positive_activities"
    OTHER = "other"


ACTIVITY_CATEGORY_LABELS: dict[ActivityCategory, str] = {
    ActivityCategory.PARENTING_WORK: "Parenting work",
    ActivityCategory.PROMOTING_EMOTIONAL_HEALTH: "Promoting emotional health",
    ActivityCategory.ENGAGEMENT_AND_ALIGNMENT_WORK: "Engagement and alignment work",
    ActivityCategory.RELATIONSHIP_WORK: "Relationship work",
    ActivityCategory.EDUCATION_SCHOOL_LIAISON: "Education and school liaison",
    ActivityCategory.HEALTH_AND_WELLBEING_SUPPORT: "Health and wellbeing support",
    ActivityCategory.PRACTICAL_SUPPORT: "Practical support (housing, finance)",
    ActivityCategory.DOMESTIC_ABUSE_SUPPORT: "Domestic abuse support",
    ActivityCategory.SUBSTANCE_MISUSE_SUPPORT: "Substance misuse support",
    ActivityCategory.YOUTH_WORK_POSITIVE_ACTIVITIES: "Youth work and positive activities",
    ActivityCategory.OTHER: "Other",
}

# The categories the evaluation reports in Table 4, in its row order.
TABLE_4_CATEGORIES: tuple[ActivityCategory, ...] = (
    ActivityCategory.PARENTING_WORK,
    ActivityCategory.PROMOTING_EMOTIONAL_HEALTH,
    ActivityCategory.ENGAGEMENT_AND_ALIGNMENT_WORK,
    ActivityCategory.RELATIONSHIP_WORK,
)


class ClosureReason(StrEnum):
    """Why a plan closed (section 3.3). Says nothing about progress on goals."""

    ALL_GOALS_ACHIEVED = "all_goals_achieved"
    FAMILY_NO_LONGER_WANTED_SUPPORT = "family_no_longer_wanted_support"
    ESCALATION_TO_AREA_SOCIAL_WORK = "escalation_to_area_social_work"
    CONTINUED_INTERVENTION_FURTHER_FORMULATION = "continued_intervention_further_formulation"
    SUPPORT_FROM_ANOTHER_SERVICE = "support_from_another_service"


CLOSURE_REASON_LABELS: dict[ClosureReason, str] = {
    ClosureReason.ALL_GOALS_ACHIEVED: "All goals achieved",
    ClosureReason.FAMILY_NO_LONGER_WANTED_SUPPORT: "Family no longer wanted support",
    ClosureReason.ESCALATION_TO_AREA_SOCIAL_WORK: "Escalation to the area social work team",
    ClosureReason.CONTINUED_INTERVENTION_FURTHER_FORMULATION: (
        "Continued intervention with a further formulation"
    ),
    ClosureReason.SUPPORT_FROM_ANOTHER_SERVICE: "Support from another service",
}


class ReturnToFormulationReason(StrEnum):
    """Why a plan went back to formulation instead of closing (Appendix 5 step 14)."""

    NO_PROGRESS_ON_OVERALL_GOAL = "no_progress_on_overall_goal"
    GOALS_NOT_RIGHT = "goals_not_right"
    NEW_INFORMATION = "new_information"


RETURN_TO_FORMULATION_REASON_LABELS: dict[ReturnToFormulationReason, str] = {
    ReturnToFormulationReason.NO_PROGRESS_ON_OVERALL_GOAL: (
        "Progress has not been made against the overall goal"
    ),
    ReturnToFormulationReason.GOALS_NOT_RIGHT: "The goals are not the right ones for the family",
    ReturnToFormulationReason.NEW_INFORMATION: "New information changes our understanding",
}


class SubGoalStatus(StrEnum):
    """Where a sub-goal is: waiting, being worked on, or ended in one of three ways."""

    QUEUED = "queued"
    ACTIVE = "active"
    ACHIEVED = "achieved"
    REPLACED = "replaced"
    WITHDRAWN = "withdrawn"


SUB_GOAL_STATUS_LABELS: dict[SubGoalStatus, str] = {
    SubGoalStatus.QUEUED: "Waiting to start",
    SubGoalStatus.ACTIVE: "Being worked on",
    SubGoalStatus.ACHIEVED: "Achieved",
    SubGoalStatus.REPLACED: "Replaced (not the right goal)",
    SubGoalStatus.WITHDRAWN: "Withdrawn",
}


class SubGoalEndState(StrEnum):
    """How a sub-goal ends (Appendix 5 step 13). Values equal the matching `SubGoalStatus`."""

    ACHIEVED = "achieved"
    REPLACED = "replaced"
    WITHDRAWN = "withdrawn"


SUB_GOAL_END_STATE_LABELS: dict[SubGoalEndState, str] = {
    SubGoalEndState.ACHIEVED: "Achieved",
    SubGoalEndState.REPLACED: "Replaced (not the right goal)",
    SubGoalEndState.WITHDRAWN: "Withdrawn",
}


class TrackingFrequency(StrEnum):
    """How often a sub-goal is scored with the family (Appendix 5 step 9)."""

    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"


DEFAULT_TRACKING_FREQUENCY = TrackingFrequency.WEEKLY

TRACKING_FREQUENCY_LABELS: dict[TrackingFrequency, str] = {
    TrackingFrequency.WEEKLY: "Weekly",
    TrackingFrequency.FORTNIGHTLY: "Fortnightly",
    TrackingFrequency.MONTHLY: "Monthly (every four weeks)",
}

# Monthly counts as four weeks so a review keeps to the weekday of the family's visits.
TRACKING_FREQUENCY_DAYS: dict[TrackingFrequency, int] = {
    TrackingFrequency.WEEKLY: 7,
    TrackingFrequency.FORTNIGHTLY: 14,
    TrackingFrequency.MONTHLY: 28,
}


class Movement(StrEnum):
    """A sub-goal's movement from its baseline to its latest score (section 3.3, Table 4)."""

    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    DETERIORATED = "deteriorated"
    NO_SCORE = "no_score"


MOVEMENT_LABELS: dict[Movement, str] = {
    Movement.IMPROVED: "Improved",
    Movement.UNCHANGED: "Unchanged",
    Movement.DETERIORATED: "Deteriorated",
    Movement.NO_SCORE: "No score",
}


class ScoreKind(StrEnum):
    """A score after the baseline: a tracking score (step 11) or an evaluation's (step 12)."""

    TRACKING = "tracking"
    EVALUATION = "evaluation"


# Of a tracking score and an evaluation on the same day, the evaluation is the latest: it is the
# considered judgement of the review (step 12), whatever order the two were written up in.
_SAME_DAY_RANK: dict[ScoreKind, int] = {ScoreKind.TRACKING: 0, ScoreKind.EVALUATION: 1}


@dataclass(frozen=True)
class ScoreEntry:
    """One score after the baseline. `seq` is the order it was recorded in (earlier is lower);
    it only separates two entries of the same kind on the same day, the later one correcting."""

    on: date
    score: int
    kind: ScoreKind
    seq: int = 0


def latest_score(entries: Iterable[ScoreEntry], as_of: date | None = None) -> ScoreEntry | None:
    """The one rule for a sub-goal's latest score, used by the goals and outcomes services.

    The entry with the latest practice date; on the same day an evaluation wins over a tracking
    score; between two of the same kind on the same day, the one recorded later. It depends on
    the scores alone, so it does not change when the sub-goal ends without a new score. With
    `as_of`, only entries on or before that day count (the latest score within a period).
    """
    best: ScoreEntry | None = None
    best_key: tuple[date, int, int] | None = None
    for entry in entries:
        if as_of is not None and entry.on > as_of:
            continue
        key = (entry.on, _SAME_DAY_RANK[ScoreKind(entry.kind)], entry.seq)
        if best_key is None or key > best_key:
            best, best_key = entry, key
    return best


class ScorerKind(StrEnum):
    """Who gave a score: a family member (by person id) or the worker."""

    FAMILY = "family"
    WORKER = "worker"


SCORER_KIND_LABELS: dict[ScorerKind, str] = {
    ScorerKind.FAMILY: "Family member",
    ScorerKind.WORKER: "Worker",
}


class EvaluationDecision(StrEnum):
    """The outcome of an evaluation (Appendix 5 step 12): keep the actions or change them."""

    CONTINUE = "continue"
    CHANGE = "change"


EVALUATION_DECISION_LABELS: dict[EvaluationDecision, str] = {
    EvaluationDecision.CONTINUE: "Continue with the actions",
    EvaluationDecision.CHANGE: "Change one or more actions",
}


class PlanStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RETURNED_TO_FORMULATION = "returned_to_formulation"


PLAN_STATUS_LABELS: dict[PlanStatus, str] = {
    PlanStatus.OPEN: "Open",
    PlanStatus.CLOSED: "Closed",
    PlanStatus.RETURNED_TO_FORMULATION: "Returned to formulation",
}

SCORE_MIN = 0
SCORE_MAX = 10
FEEDBACK_RATING_MIN = 1
FEEDBACK_RATING_MAX = 10
MAX_ACTIVE_SUB_GOALS = 3
