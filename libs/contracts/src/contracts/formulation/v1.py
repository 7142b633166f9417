"""Formulation events, version 1. Ids, codes, counts, scores and dates only: never a factor's
wording, a hypothesis, a goal, notes or names.

Formulation events are keyed by `lineage_id`, the id shared by every version of one formulation
(the first version's id). All of a formulation's versions land on one partition, so
started -> completed -> superseded arrive in order for every consumer. A family id is not a
usable key: referral-stage formulations have none yet. Meeting events are keyed by `meeting_id`.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.envelope import EventPayload
from contracts.reference.formulation import (
    FairProcessPrinciple,
    FormulationSetting,
    ParticipantRole,
    SubjectKind,
    SupervisionKind,
    WayOfBeing,
)
from contracts.registry import event


class _Part(BaseModel):
    """A value nested in a payload: as strict and immutable as the payload itself."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FactorCounts(_Part):
    """How many factors a formulation holds under each of the 6 Ps."""

    presenting: int = Field(ge=0)
    predisposing: int = Field(ge=0)
    precipitating: int = Field(ge=0)
    perpetuating: int = Field(ge=0)
    protective: int = Field(ge=0)
    predicting: int = Field(ge=0)


class RoleCount(_Part):
    role: ParticipantRole
    count: int = Field(ge=1)


class AgreedStep(_Part):
    """One agreed next step: what it traces back to, never what it says."""

    step_id: uuid.UUID
    due_on: date
    owner_role: ParticipantRole
    addresses_factor_id: uuid.UUID | None
    presenting_issue_id: uuid.UUID | None
    builds_on_factor_count: int = Field(ge=0)
    traces_back: bool


class AlignmentSpread(_Part):
    """Spread of participants' 0-10 scores of how big the issue or risk is."""

    count: int = Field(ge=0)
    minimum: int = Field(ge=0, le=10)
    maximum: int = Field(ge=0, le=10)
    range: int = Field(ge=0, le=10)
    mean: float = Field(ge=0, le=10)
    standard_deviation: float = Field(ge=0)


class _FormulationEvent(EventPayload):
    topic: ClassVar[str] = topics.FORMULATION_FORMULATION
    aggregate_type: ClassVar[str] = "formulation"
    key_field: ClassVar[str] = "lineage_id"

    formulation_id: uuid.UUID
    lineage_id: uuid.UUID
    version: int = Field(ge=1)
    family_id: uuid.UUID | None = None


@event
class FormulationStarted(_FormulationEvent):
    """A formulation, or a new version of one (re-formulating), has started as a draft."""

    event_type: ClassVar[str] = "formulation.formulation.started.v1"

    previous_version_id: uuid.UUID | None = None
    subject_kind: SubjectKind
    subject_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    team_id: str | None = None
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    carried_factor_count: int = Field(ge=0)
    started_at: datetime


@event
class FormulationCompleted(_FormulationEvent):
    """A formulation has been completed: its hypothesis, overall goal and next steps stand."""

    event_type: ClassVar[str] = "formulation.formulation.completed.v1"

    previous_version_id: uuid.UUID | None = None
    subject_kind: SubjectKind
    subject_id: uuid.UUID
    contact_id: uuid.UUID | None = None
    team_id: str | None = None
    setting: FormulationSetting
    held_on: date
    completed_at: datetime
    all_six_ps_considered: bool
    minimum_participants_present: bool
    walk_back_passed: bool
    walk_back_overridden: bool
    factor_counts: FactorCounts
    main_driver_count: int = Field(ge=0)
    priority_count: int = Field(ge=0)
    next_step_count: int = Field(ge=0)
    participant_roles: list[RoleCount]


@event
class FormulationSuperseded(_FormulationEvent):
    """A completed version has been replaced by a newer completed version of the same lineage."""

    event_type: ClassVar[str] = "formulation.formulation.superseded.v1"

    superseded_by_id: uuid.UUID
    superseded_by_version: int = Field(ge=2)
    superseded_at: datetime


@event
class NextStepsAgreed(_FormulationEvent):
    """The next steps of a formulation were agreed (on completing it)."""

    event_type: ClassVar[str] = "formulation.formulation.next_steps_agreed.v1"

    contact_id: uuid.UUID | None = None
    team_id: str | None = None
    agreed_at: datetime
    next_step_count: int = Field(ge=0)
    priority_count: int = Field(ge=0)
    steps: list[AgreedStep]


@event
class WalkBackOverridden(_FormulationEvent):
    """A supervisor recorded why a formulation may complete although its walk back fails."""

    event_type: ClassVar[str] = "formulation.formulation.walk_back_overridden.v1"

    supervisor_id: str
    untraced_step_count: int = Field(ge=0)
    unaddressed_priority_count: int = Field(ge=0)
    overridden_at: datetime


@event
class SupervisionReviewed(_FormulationEvent):
    """Outcome focused supervision reviewed a formulation and its plan."""

    event_type: ClassVar[str] = "formulation.formulation.supervision_reviewed.v1"

    review_id: uuid.UUID
    supervisor_id: str
    supervision_kind: SupervisionKind
    plan_likely_to_achieve_goal: bool
    changes_recorded: bool
    reviewed_at: datetime


@event
class FourWaysReflectionRecorded(_FormulationEvent):
    """A practitioner placed their practice with this family on the Four Ways of Being."""

    event_type: ClassVar[str] = "formulation.formulation.four_ways_reflection_recorded.v1"

    reflection_id: uuid.UUID
    practitioner_id: str
    way_of_being: WayOfBeing
    recorded_at: datetime


class _MeetingEvent(EventPayload):
    topic: ClassVar[str] = topics.FORMULATION_MEETING
    aggregate_type: ClassVar[str] = "meeting"
    key_field: ClassVar[str] = "meeting_id"

    meeting_id: uuid.UUID
    setting: FormulationSetting
    formulation_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None


@event
class MeetingHeld(_MeetingEvent):
    """A Rethink-Next Steps forum, Practice and Progress, Rethink Space or group supervision."""

    event_type: ClassVar[str] = "formulation.meeting.held.v1"

    team_id: str | None = None
    held_on: date
    facilitator_id: str
    participant_roles: list[RoleCount]
    recorded_at: datetime


@event
class AlignmentMeasured(_MeetingEvent):
    """Participants' views of the issue, scored at the start and the end of a meeting.

    Spreads are over the participants who scored at both moments, so movement is like for like.
    """

    event_type: ClassVar[str] = "formulation.meeting.alignment_measured.v1"

    scored_at_start: int = Field(ge=0)
    scored_at_end: int = Field(ge=0)
    spread_before: AlignmentSpread
    spread_after: AlignmentSpread
    moved_closer: bool
    measured_at: datetime


@event
class FairProcessChecked(_MeetingEvent):
    """The facilitator checked Fair Process: engagement, explanation, expectation clarity."""

    event_type: ClassVar[str] = "formulation.meeting.fair_process_checked.v1"

    met: list[FairProcessPrinciple]
    not_met: list[FairProcessPrinciple]
    checked_at: datetime


@event
class MeetingFourWaysReflectionRecorded(_MeetingEvent):
    """A practitioner placed their practice on the Four Ways of Being during a meeting."""

    event_type: ClassVar[str] = "formulation.meeting.four_ways_reflection_recorded.v1"

    reflection_id: uuid.UUID
    practitioner_id: str
    way_of_being: WayOfBeing
    recorded_at: datetime
