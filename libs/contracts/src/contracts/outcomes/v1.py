"""Outcomes events, version 1: the pseudonymised outcome stream for the BI team, and the ingest of
service responses the platform does not own.

Stream events carry only keyed pseudonyms, codes, categories, age bands, cluster ids, months or
dates of events, scores, counts and flags; `ALLOWED_FIELD_KINDS` names the kind of every field,
and each field's `description` is the BI team's data dictionary.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from contracts import topics
from contracts.envelope import EventPayload
from contracts.reference.codes import ReportingCategory
from contracts.registry import event


class GoalMovement(StrEnum):
    """A sub-goal's movement from its baseline score to its latest score."""

    IMPROVED = "improved"
    UNCHANGED = "unchanged"
    DETERIORATED = "deteriorated"
    NO_SCORE = "no_score"


class ClosureReason(StrEnum):
    """Why a family plan closed (evaluation section 3.3)."""

    ALL_GOALS_ACHIEVED = "all_goals_achieved"
    FAMILY_WITHDREW = "family_withdrew"
    ESCALATED_TO_AREA_SOCIAL_WORK = "escalated_to_area_social_work"
    FURTHER_FORMULATION = "further_formulation"
    ANOTHER_SERVICE = "another_service"


class ResponseKind(StrEnum):
    """A statutory service response recorded by another system."""

    CP_PLAN = "cp_plan"
    LOOKED_AFTER = "looked_after"


class AgeBand(StrEnum):
    UNDER_5 = "0-4"
    AGE_5_TO_10 = "5-10"
    AGE_11_TO_15 = "11-15"
    AGE_16_TO_17 = "16-17"
    ADULT = "18+"
    UNKNOWN = "unknown"


class FieldKind(StrEnum):
    PSEUDONYM = "pseudonym"
    CODE = "code"
    CATEGORY = "category"
    AGE_BAND = "age_band"
    CLUSTER = "cluster"
    MONTH = "month"
    DATE = "date"
    SCORE = "score"
    COUNT = "count"
    FLAG = "flag"
    VERSION = "version"


PSEUDONYM_PATTERN = r"^p_[A-Za-z0-9_-]{8,128}$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
CODE_PATTERN = r"^[SEHFCA][1-5]$"

# Every field of every event on OUTCOMES_STREAM, and its kind. A field not listed here may not
# be added to a stream event: a test checks each model against this table.
ALLOWED_FIELD_KINDS: dict[str, FieldKind] = {
    "subgoal_ref": FieldKind.PSEUDONYM,
    "plan_ref": FieldKind.PSEUDONYM,
    "family_ref": FieldKind.PSEUDONYM,
    "child_ref": FieldKind.PSEUDONYM,
    "response_ref": FieldKind.PSEUDONYM,
    "code": FieldKind.CODE,
    "code_edition": FieldKind.VERSION,
    "reporting_category": FieldKind.CATEGORY,
    "movement": FieldKind.CATEGORY,
    "closure_reason": FieldKind.CATEGORY,
    "response_kind": FieldKind.CATEGORY,
    "age_band": FieldKind.AGE_BAND,
    "cluster_id": FieldKind.CLUSTER,
    "month": FieldKind.MONTH,
    "set_month": FieldKind.MONTH,
    "opened_month": FieldKind.MONTH,
    "recorded_on": FieldKind.DATE,
    "closed_on": FieldKind.DATE,
    "baseline_score": FieldKind.SCORE,
    "latest_score": FieldKind.SCORE,
    "score_change": FieldKind.SCORE,
    "scores_recorded": FieldKind.COUNT,
    "goals_total": FieldKind.COUNT,
    "goals_improved": FieldKind.COUNT,
    "goals_unchanged": FieldKind.COUNT,
    "goals_deteriorated": FieldKind.COUNT,
    "goals_no_score": FieldKind.COUNT,
    "days_open": FieldKind.COUNT,
    "ended": FieldKind.FLAG,
    "all_goals_achieved": FieldKind.FLAG,
    "after_res_start": FieldKind.FLAG,
}


@event
class SubGoalMovementRecorded(EventPayload):
    """A sub-goal's latest score was recorded (or it ended): its movement from baseline."""

    event_type: ClassVar[str] = "outcomes.subgoal.movement_recorded.v1"
    topic: ClassVar[str] = topics.OUTCOMES_STREAM
    aggregate_type: ClassVar[str] = "subgoal"
    key_field: ClassVar[str] = "subgoal_ref"

    subgoal_ref: str = Field(
        pattern=PSEUDONYM_PATTERN,
        description="Keyed pseudonym of the sub-goal; stable across its events, not reversible.",
    )
    plan_ref: str = Field(
        pattern=PSEUDONYM_PATTERN, description="Keyed pseudonym of the family plan it belongs to."
    )
    family_ref: str = Field(pattern=PSEUDONYM_PATTERN, description="Keyed pseudonym of the family.")
    code: str = Field(
        pattern=CODE_PATTERN,
        description="Children and Families code of the sub-goal (S1..A5), which maps to an "
        "outcome and priority of the Children and Young People's Plan or Best Council Plan.",
    )
    code_edition: str = Field(
        max_length=20, description="Edition of the Children and Families code table (e.g. 2019)."
    )
    reporting_category: ReportingCategory = Field(
        description="The evaluation's reporting category of the code (section 3.3, seven values)."
    )
    age_band: AgeBand = Field(
        description="Age band of the child the goal is about at the time of recording; "
        "'18+' for goals about an adult, 'unknown' when not recorded."
    )
    cluster_id: str = Field(max_length=40, description="Cluster the family's plan is held in.")
    set_month: str = Field(
        pattern=MONTH_PATTERN, description="Month the sub-goal was set (YYYY-MM)."
    )
    recorded_on: date = Field(description="Date of the score (or ending) this event reports.")
    baseline_score: int | None = Field(
        default=None, ge=0, le=10, description="Baseline score 0-10 given before any action."
    )
    latest_score: int | None = Field(
        default=None, ge=0, le=10, description="Latest tracking score 0-10; null if none yet."
    )
    score_change: int | None = Field(
        default=None,
        ge=-10,
        le=10,
        description="latest_score - baseline_score; null when either is missing.",
    )
    movement: GoalMovement = Field(
        description="improved / unchanged / deteriorated from baseline, or no_score."
    )
    scores_recorded: int = Field(ge=0, description="Number of tracking scores recorded so far.")
    ended: bool = Field(
        default=False,
        description="True when the sub-goal has ended (achieved, replaced or withdrawn).",
    )


@event
class PlanClosed(EventPayload):
    """A family plan closed: its reason and the movement of its goals."""

    event_type: ClassVar[str] = "outcomes.plan.closed.v1"
    topic: ClassVar[str] = topics.OUTCOMES_STREAM
    aggregate_type: ClassVar[str] = "plan"
    key_field: ClassVar[str] = "plan_ref"

    plan_ref: str = Field(pattern=PSEUDONYM_PATTERN, description="Keyed pseudonym of the plan.")
    family_ref: str = Field(pattern=PSEUDONYM_PATTERN, description="Keyed pseudonym of the family.")
    cluster_id: str = Field(max_length=40, description="Cluster the plan was held in.")
    opened_month: str = Field(pattern=MONTH_PATTERN, description="Month the plan opened (YYYY-MM).")
    closed_on: date = Field(description="Date the plan closed.")
    closure_reason: ClosureReason = Field(description="Why the plan closed (section 3.3 list).")
    all_goals_achieved: bool = Field(
        description="True when the closure reason is that all goals were achieved."
    )
    days_open: int = Field(ge=0, description="Days from the plan opening to its closure.")
    goals_total: int = Field(ge=0, description="Sub-goals set on the plan.")
    goals_improved: int = Field(ge=0, description="Sub-goals whose latest score is above baseline.")
    goals_unchanged: int = Field(ge=0, description="Sub-goals whose latest score equals baseline.")
    goals_deteriorated: int = Field(
        ge=0, description="Sub-goals whose latest score is below baseline."
    )
    goals_no_score: int = Field(
        ge=0, description="Sub-goals without both a baseline and a tracking score."
    )


@event
class ServiceResponseRecorded(EventPayload):
    """A child was made subject to a CP plan or became looked after in a cluster (Tables 1-2)."""

    event_type: ClassVar[str] = "outcomes.service_response.recorded.v1"
    topic: ClassVar[str] = topics.OUTCOMES_STREAM
    aggregate_type: ClassVar[str] = "service_response"
    key_field: ClassVar[str] = "response_ref"

    response_ref: str = Field(
        pattern=PSEUDONYM_PATTERN, description="Keyed pseudonym of the service response record."
    )
    child_ref: str = Field(pattern=PSEUDONYM_PATTERN, description="Keyed pseudonym of the child.")
    response_kind: ResponseKind = Field(
        description="cp_plan: made subject to a child protection plan; "
        "looked_after: started to be looked after."
    )
    cluster_id: str = Field(max_length=40, description="Cluster the child lives in.")
    month: str = Field(pattern=MONTH_PATTERN, description="Month the response started (YYYY-MM).")
    age_band: AgeBand = Field(description="Age band of the child when the response started.")
    after_res_start: bool = Field(
        description="True when the cluster's RES team had started by the response's month."
    )


# -- Internal: service responses recorded by other systems ------------------------------------


@event
class ServiceResponseIngested(EventPayload):
    """A service response the platform does not own was recorded through the ingest API.

    Internal topic: carries ids, never names. The outcome stream's `ServiceResponseRecorded`
    is its pseudonymised counterpart.
    """

    event_type: ClassVar[str] = "outcomes.service_response.ingested.v1"
    topic: ClassVar[str] = topics.OUTCOMES_RESPONSE
    aggregate_type: ClassVar[str] = "service_response"
    key_field: ClassVar[str] = "response_id"

    response_id: uuid.UUID = Field(description="Id of the ingested record.")
    kind: ResponseKind = Field(description="cp_plan or looked_after.")
    child_id: uuid.UUID | None = Field(
        default=None, description="The platform's person id of the child, when matched."
    )
    source_system_ref: str = Field(
        max_length=64, description="The sending system's own id for the record (e.g. Mosaic)."
    )
    cluster_id: str = Field(max_length=40, description="Cluster the child lives in.")
    occurred_on: date = Field(description="Date the plan started or the child became looked after.")
