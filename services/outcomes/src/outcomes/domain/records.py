"""Input records of the measures engine: what the outcomes read models hold, one row per fact.

Plain frozen dataclasses with ids as strings, so the same functions serve the read models, the
dashboards and the tests that rebuild the evaluation's figures from event-level records.
Decision types, activity categories and end states are the producers' own vocabularies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from contracts.outcomes.v1 import ClosureReason, ResponseKind
from contracts.reference.goals import ActivityCategory, ScoreEntry, SubGoalEndState, latest_score
from contracts.reference.referrals import DecisionType

__all__ = ["ActivityCategory", "DecisionType", "SubGoalEndState"]


# A contact becomes a referral to children's services (Table 3's "referrals") when it is taken
# on by RES or stepped up to area social work; signposting and no further action stay contacts.
REFERRAL_DECISIONS: frozenset[str] = frozenset(
    {
        DecisionType.ACCEPT_FOR_RES_EARLY_HELP,
        DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED,
        DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK,
    }
)


@dataclass(frozen=True)
class ContactRecord:
    contact_id: str
    source: str
    cluster_id: str | None
    team_id: str | None
    opened_at: datetime
    decided_at: datetime | None = None
    decision_type: str | None = None
    allocated_at: datetime | None = None
    re_referral: bool = False


@dataclass(frozen=True)
class FormulationRecord:
    formulation_id: str
    family_id: str | None
    cluster_id: str | None
    team_id: str | None
    started_at: datetime
    completed_at: datetime | None = None
    all_six_ps_considered: bool = False
    walk_back_passed: bool = False


@dataclass(frozen=True)
class PlanRecord:
    plan_id: str
    family_id: str
    cluster_id: str | None
    team_id: str | None
    opened_at: date
    closed_at: date | None = None
    closure_reason: ClosureReason | None = None


@dataclass(frozen=True)
class SubGoalRecord:
    sub_goal_id: str
    plan_id: str
    code: str
    edition: str
    set_at: date
    baseline: int | None = None
    latest_score: int | None = None
    ended_state: SubGoalEndState | None = None
    ended_on: date | None = None
    tracking_frequency_days: int | None = None
    review_dates: tuple[date, ...] = ()
    # Every tracking and evaluation score, for the latest score as of a day; `latest_score` is
    # the latest of them by `contracts.reference.goals.latest_score`.
    scores: tuple[ScoreEntry, ...] = ()

    def latest_score_as_of(self, day: date | None) -> int | None:
        """The latest score on or before `day` (all of them when None), by the one rule."""
        if day is None or not self.scores:
            return self.latest_score
        point = latest_score(self.scores, as_of=day)
        return None if point is None else point.score


@dataclass(frozen=True)
class ActionRecord:
    action_id: str
    sub_goal_id: str
    activity_category: str
    recorded_on: date | None = None


@dataclass(frozen=True)
class FeedbackRecord:
    feedback_id: str
    plan_id: str
    received_on: date
    treated_with_respect: bool | None = None
    would_recommend: bool | None = None
    service_rating: int | None = None
    communication_rating: int | None = None
    understanding_rating: int | None = None


@dataclass(frozen=True)
class ServiceResponseRecord:
    response_id: str
    kind: ResponseKind
    cluster_id: str
    occurred_on: date
    # Who the response is about: the platform's person id, else the sending system's person
    # ("mosaic:P12345"). Tables 1 and 2 count children, not records.
    child_ref: str | None = None


def child_ref(
    child_id: object | None, source_system: str, source_person_id: str | None
) -> str | None:
    """Who a service response is about: the platform's person when matched, else the sending
    system's person."""
    if child_id is not None:
        return str(child_id)
    return f"{source_system}:{source_person_id}" if source_person_id else None


@dataclass(frozen=True)
class OutcomeRecords:
    """Everything the scorecard reads, as held by the read models."""

    contacts: tuple[ContactRecord, ...] = ()
    formulations: tuple[FormulationRecord, ...] = ()
    plans: tuple[PlanRecord, ...] = ()
    sub_goals: tuple[SubGoalRecord, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    feedback: tuple[FeedbackRecord, ...] = ()
    responses: tuple[ServiceResponseRecord, ...] = ()
