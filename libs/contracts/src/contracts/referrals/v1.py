"""Referrals events, version 1. Ids, codes and dates only: no names or free text about a family."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts import topics
from contracts.envelope import EventPayload
from contracts.reference.referrals import (
    ClosureReason,
    ConsentStatus,
    DecisionType,
    PersonKind,
    ReallocationReason,
    ReferralSource,
    RelationshipKind,
    SupportLevel,
    Urgency,
    WorkerRole,
)
from contracts.registry import event

Count = Annotated[int, Field(ge=0)]
Positive = Annotated[int, Field(ge=1)]

# -- Contact (topic keyed by contact_id) -------------------------------------------------------


@event
class ContactOpened(EventPayload):
    """A request for help has started as a conversation at the front door."""

    event_type: ClassVar[str] = "referrals.contact.opened.v1"
    topic: ClassVar[str] = topics.REFERRALS_CONTACT
    aggregate_type: ClassVar[str] = "contact"
    key_field: ClassVar[str] = "contact_id"

    contact_id: uuid.UUID
    source: str
    referring_agency_id: str | None = None
    cluster_id: str | None = None
    opened_at: datetime
    opened_on: date | None = Field(
        None,
        description="the day the request for help was made (practice date); opened_at is when it was recorded",
    )


@event
class ConversationRecorded(EventPayload):
    """One more conversation entry was added to an open contact."""

    event_type: ClassVar[str] = "referrals.contact.conversation_recorded.v1"
    topic: ClassVar[str] = topics.REFERRALS_CONTACT
    aggregate_type: ClassVar[str] = "contact"
    key_field: ClassVar[str] = "contact_id"

    contact_id: uuid.UUID
    entry_number: Positive
    recorded_at: datetime
    recorded_by: str | None = None
    child_ids: list[uuid.UUID] = []
    adult_ids: list[uuid.UUID] = []
    family_id: uuid.UUID | None = None
    cluster_id: str | None = None
    consent_status: ConsentStatus | None = None
    consent_includes_rethink_team: bool | None = None
    consent_includes_group_supervision: bool | None = None
    urgency: Urgency | None = None
    things_tried_count: Count = 0


@event
class DecisionMade(EventPayload):
    """The contact was decided; carries what the outcomes scorecards count."""

    event_type: ClassVar[str] = "referrals.contact.decision_made.v1"
    topic: ClassVar[str] = topics.REFERRALS_CONTACT
    aggregate_type: ClassVar[str] = "contact"
    key_field: ClassVar[str] = "contact_id"

    contact_id: uuid.UUID
    decision_type: DecisionType
    source: ReferralSource
    referring_agency_id: str | None = None
    cluster_id: str | None = None
    team_id: str | None = None
    support_level: SupportLevel | None = None
    family_id: uuid.UUID | None = None
    child_ids: list[uuid.UUID] = []
    consent_status: ConsentStatus | None = None
    urgency: Urgency | None = None
    contact_opened_at: datetime
    decided_at: datetime
    decided_by: str | None = None
    is_rereferral: bool = False
    contact_opened_on: date | None = Field(None, description="practice date the contact opened")
    decided_on: date | None = Field(
        None,
        description="the day the decision was taken (practice date); decided_at is when it was recorded",
    )


@event
class ReReferralFlagged(EventPayload):
    """A child on this contact had an involvement that closed within the previous 12 months."""

    event_type: ClassVar[str] = "referrals.contact.rereferral_flagged.v1"
    topic: ClassVar[str] = topics.REFERRALS_CONTACT
    aggregate_type: ClassVar[str] = "contact"
    key_field: ClassVar[str] = "contact_id"

    contact_id: uuid.UUID
    person_id: uuid.UUID
    previous_allocation_id: uuid.UUID | None = None
    previous_closed_on: date
    contact_opened_at: datetime
    flagged_at: datetime


@event
class FormulationRequested(EventPayload):
    """A referral-stage formulation (the 6 Ps) was asked of the formulation service."""

    event_type: ClassVar[str] = "referrals.contact.formulation_requested.v1"
    topic: ClassVar[str] = topics.REFERRALS_CONTACT
    aggregate_type: ClassVar[str] = "contact"
    key_field: ClassVar[str] = "contact_id"

    contact_id: uuid.UUID
    formulation_request_id: uuid.UUID
    child_ids: list[uuid.UUID] = []
    adult_ids: list[uuid.UUID] = []
    family_id: uuid.UUID | None = None
    cluster_id: str | None = None
    requested_at: datetime
    requested_by: str | None = None


# -- Person (topic keyed by person_id) ---------------------------------------------------------


@event
class PersonRegistered(EventPayload):
    """A child or adult was registered once; identifiers stay in the referrals service."""

    event_type: ClassVar[str] = "referrals.person.registered.v1"
    topic: ClassVar[str] = topics.REFERRALS_PERSON
    aggregate_type: ClassVar[str] = "person"
    key_field: ClassVar[str] = "person_id"

    person_id: uuid.UUID
    kind: PersonKind
    has_nhs_number: bool
    near_matches_confirmed_distinct: Count = 0
    registered_at: datetime


@event
class PersonUpdated(EventPayload):
    """A person's identifiers changed; names the fields, never their values."""

    event_type: ClassVar[str] = "referrals.person.updated.v1"
    topic: ClassVar[str] = topics.REFERRALS_PERSON
    aggregate_type: ClassVar[str] = "person"
    key_field: ClassVar[str] = "person_id"

    person_id: uuid.UUID
    changed_fields: list[str]
    has_nhs_number: bool
    updated_at: datetime


# -- Family and allocation (topic keyed by family_id) ------------------------------------------


class FamilyRelationship(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    person_id: uuid.UUID
    related_person_id: uuid.UUID
    kind: RelationshipKind


@event
class FamilyMembershipRecorded(EventPayload):
    """The whole current membership of a family or household, after any change."""

    event_type: ClassVar[str] = "referrals.family.membership_recorded.v1"
    topic: ClassVar[str] = topics.REFERRALS_ALLOCATION
    aggregate_type: ClassVar[str] = "family"
    key_field: ClassVar[str] = "family_id"

    family_id: uuid.UUID
    child_ids: list[uuid.UUID]
    adult_ids: list[uuid.UUID]
    relationships: list[FamilyRelationship] = []
    recorded_at: datetime


@event
class FamilyAllocated(EventPayload):
    """An accepted family went to its cluster's RES team with one lead worker."""

    event_type: ClassVar[str] = "referrals.allocation.family_allocated.v1"
    topic: ClassVar[str] = topics.REFERRALS_ALLOCATION
    aggregate_type: ClassVar[str] = "allocation"
    key_field: ClassVar[str] = "family_id"

    family_id: uuid.UUID
    allocation_id: uuid.UUID
    contact_id: uuid.UUID
    team_id: str
    cluster_id: str
    worker_id: str
    worker_role: WorkerRole
    support_level: SupportLevel
    allocated_at: datetime
    allocated_on: date | None = Field(
        None,
        description="the day the family was allocated (practice date); allocated_at is when it was recorded",
    )


@event
class FamilyReallocated(EventPayload):
    """The family's lead worker changed within the same RES team."""

    event_type: ClassVar[str] = "referrals.allocation.family_reallocated.v1"
    topic: ClassVar[str] = topics.REFERRALS_ALLOCATION
    aggregate_type: ClassVar[str] = "allocation"
    key_field: ClassVar[str] = "family_id"

    family_id: uuid.UUID
    allocation_id: uuid.UUID
    contact_id: uuid.UUID
    team_id: str
    cluster_id: str
    from_worker_id: str
    worker_id: str
    worker_role: WorkerRole
    reason: ReallocationReason
    reallocated_at: datetime


@event
class AllocationClosed(EventPayload):
    """RES involvement ended: stepped down, stepped up or closed, with the date and reason."""

    event_type: ClassVar[str] = "referrals.allocation.closed.v1"
    topic: ClassVar[str] = topics.REFERRALS_ALLOCATION
    aggregate_type: ClassVar[str] = "allocation"
    key_field: ClassVar[str] = "family_id"

    family_id: uuid.UUID
    allocation_id: uuid.UUID
    contact_id: uuid.UUID
    team_id: str
    cluster_id: str
    worker_id: str
    support_level: SupportLevel
    allocated_at: datetime
    closed_on: date
    closure_reason: ClosureReason
    recorded_at: datetime
