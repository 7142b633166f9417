"""A request for help as a conversation: it starts with whatever the caller can say and is
built up over dated entries until a decision is made. Nothing is required while it is open."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from contracts.envelope import EventPayload
from contracts.reference.referrals import (
    PARTNER_SOURCES,
    SUPPORT_LEVEL_FOR_DECISION,
    ConsentStatus,
    ReferralSource,
    Urgency,
    team_for_cluster,
)
from contracts.referrals.v1 import (
    ContactOpened,
    ConversationRecorded,
    DecisionMade,
    FormulationRequested,
    ReReferralFlagged,
)
from runtime.practice import practice_date_errors

from referrals.domain.decisions import Decision, ensure_decision_is_complete
from referrals.domain.errors import (
    ContactAlreadyDecided,
    FieldError,
    FormulationAlreadyRequested,
    FormulationNotRequested,
    InvalidPracticeDate,
    SourceNotForPartners,
)
from referrals.domain.rereferral import ClosedInvolvement, find_rereferral


@dataclass(frozen=True)
class Caller:
    """Who asked for help and how to reach them; `person_id` when the caller is registered."""

    name: str | None = None
    person_id: uuid.UUID | None = None
    agency_id: str | None = None
    role: str | None = None
    how_to_reach: str | None = None


@dataclass(frozen=True)
class TriedSupport:
    what: str
    by_whom: str | None = None


@dataclass(frozen=True)
class Consent:
    """What the family has agreed to share, or why their agreement is not needed."""

    status: ConsentStatus
    includes_rethink_team: bool = False
    includes_group_supervision: bool = False
    not_needed_reason: str | None = None


@dataclass(frozen=True)
class ConversationEntry:
    """One dated conversation. Whatever it says adds to, or replaces, what the contact knows."""

    recorded_at: datetime
    recorded_by: str | None = None
    caller: Caller | None = None
    summary: str | None = None
    worry: str | None = None
    child_ids: frozenset[uuid.UUID] = frozenset()
    adult_ids: frozenset[uuid.UUID] = frozenset()
    family_id: uuid.UUID | None = None
    tried: tuple[TriedSupport, ...] = ()
    family_knows: str | None = None
    consent: Consent | None = None
    urgency: Urgency | None = None
    cluster_id: str | None = None
    early_help_offer_in_place: bool | None = None


class FormulationStatus(StrEnum):
    REQUESTED = "requested"
    OPENED = "opened"
    COMPLETED = "completed"


_FORMULATION_ORDER = (
    FormulationStatus.REQUESTED,
    FormulationStatus.OPENED,
    FormulationStatus.COMPLETED,
)


@dataclass
class FormulationRequest:
    request_id: uuid.UUID
    requested_at: datetime
    status: FormulationStatus = FormulationStatus.REQUESTED
    formulation_id: uuid.UUID | None = None
    opened_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True)
class ReReferral:
    person_id: uuid.UUID
    previous: ClosedInvolvement


@dataclass
class Contact:
    contact_id: uuid.UUID
    source: ReferralSource
    opened_at: datetime
    caller: Caller = field(default_factory=Caller)
    cluster_id: str | None = None
    worries: list[str] = field(default_factory=list)
    entries: list[ConversationEntry] = field(default_factory=list)
    child_ids: set[uuid.UUID] = field(default_factory=set)
    adult_ids: set[uuid.UUID] = field(default_factory=set)
    family_id: uuid.UUID | None = None
    tried: list[TriedSupport] = field(default_factory=list)
    family_knows: str | None = None
    consent: Consent | None = None
    urgency: Urgency | None = None
    early_help_offer_in_place: bool | None = None
    formulation: FormulationRequest | None = None
    rereferrals: list[ReReferral] = field(default_factory=list)
    decision: Decision | None = None
    decided_at: datetime | None = None
    team_id: str | None = None
    # Practice dates: when the request for help was made and the decision taken (None on
    # records made before they were kept: the recorded day stands in).
    opened_on: date | None = None
    decided_on: date | None = None
    events: list[EventPayload] = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def open(
        cls,
        contact_id: uuid.UUID,
        source: ReferralSource,
        now: datetime,
        *,
        caller: Caller | None = None,
        worry: str | None = None,
        cluster_id: str | None = None,
        by_partner: bool = False,
        opened_on: date | None = None,
    ) -> Contact:
        if by_partner and source not in PARTNER_SOURCES:
            raise SourceNotForPartners(
                detail=f"a partner system cannot open a contact as {source.value}",
                errors=[FieldError("source", f"one of {sorted(s.value for s in PARTNER_SOURCES)}")],
            )
        on = opened_on or now.date()
        _ensure_practice_date("opened_on", on, now)
        contact = cls(contact_id, source, opened_at=now, caller=caller or Caller(), opened_on=on)
        contact.cluster_id = cluster_id
        if worry and worry.strip():
            contact.worries.append(worry)
        contact.events.append(
            ContactOpened(
                contact_id=contact_id,
                source=source.value,
                referring_agency_id=contact.referring_agency_id,
                cluster_id=cluster_id,
                opened_at=now,
                opened_on=on,
            )
        )
        return contact

    @property
    def practice_opened_on(self) -> date:
        return self.opened_on or self.opened_at.date()

    # -- what the conversation has established -------------------------------------------------

    @property
    def referring_agency_id(self) -> str | None:
        return self.caller.agency_id

    @property
    def is_open(self) -> bool:
        return self.decision is None

    @property
    def is_rereferral(self) -> bool:
        return bool(self.rereferrals)

    def record_conversation(self, entry: ConversationEntry) -> None:
        """Add a conversation; later entries replace single facts and add to lists."""
        self._ensure_open()
        _ensure_practice_date(
            "recorded_at",
            entry.recorded_at.date(),
            entry.recorded_at,
            not_before=self.practice_opened_on,
            what="the contact opened",
        )
        self.entries.append(entry)
        if entry.caller is not None:
            self.caller = entry.caller
        if entry.worry and entry.worry.strip():
            self.worries.append(entry.worry)
        self.child_ids |= entry.child_ids
        self.adult_ids |= entry.adult_ids
        self.tried.extend(entry.tried)
        if entry.family_id is not None:
            self.family_id = entry.family_id
        if entry.family_knows is not None:
            self.family_knows = entry.family_knows
        if entry.consent is not None:
            self.consent = entry.consent
        if entry.urgency is not None:
            self.urgency = entry.urgency
        if entry.cluster_id is not None:
            self.cluster_id = entry.cluster_id
        if entry.early_help_offer_in_place is not None:
            self.early_help_offer_in_place = entry.early_help_offer_in_place
        consent = self.consent
        self.events.append(
            ConversationRecorded(
                contact_id=self.contact_id,
                entry_number=len(self.entries),
                recorded_at=entry.recorded_at,
                recorded_by=entry.recorded_by,
                child_ids=_sorted(self.child_ids),
                adult_ids=_sorted(self.adult_ids),
                family_id=self.family_id,
                cluster_id=self.cluster_id,
                consent_status=consent.status if consent else None,
                consent_includes_rethink_team=consent.includes_rethink_team if consent else None,
                consent_includes_group_supervision=(
                    consent.includes_group_supervision if consent else None
                ),
                urgency=self.urgency,
                things_tried_count=len(self.tried),
            )
        )

    # -- re-referral -----------------------------------------------------------------------------

    def flag_rereferral(
        self,
        person_id: uuid.UUID,
        previous_closures: Iterable[ClosedInvolvement],
        now: datetime,
    ) -> bool:
        """Flag the contact when this child's previous involvement closed within 12 months of it.

        Returns whether a flag was raised; a child already flagged is not flagged twice.
        """
        if any(r.person_id == person_id for r in self.rereferrals):
            return False
        previous = find_rereferral(previous_closures, self.practice_opened_on)
        if previous is None:
            return False
        self.rereferrals.append(ReReferral(person_id, previous))
        self.events.append(
            ReReferralFlagged(
                contact_id=self.contact_id,
                person_id=person_id,
                previous_allocation_id=previous.allocation_id,
                previous_closed_on=previous.closed_on,
                contact_opened_at=self.opened_at,
                flagged_at=now,
            )
        )
        return True

    # -- referral-stage formulation ----------------------------------------------------------

    def request_formulation(
        self, request_id: uuid.UUID, now: datetime, *, requested_by: str | None = None
    ) -> None:
        """Ask the formulation service for a referral-stage formulation (the 6 Ps).

        Asking again with the same request id changes nothing, so a retried command is safe.
        """
        self._ensure_open()
        if self.formulation is not None:
            if self.formulation.request_id == request_id:
                return
            raise _already_requested(self.formulation)
        self.formulation = FormulationRequest(request_id, requested_at=now)
        self.events.append(
            FormulationRequested(
                contact_id=self.contact_id,
                formulation_request_id=request_id,
                child_ids=_sorted(self.child_ids),
                adult_ids=_sorted(self.adult_ids),
                family_id=self.family_id,
                cluster_id=self.cluster_id,
                requested_at=now,
                requested_by=requested_by,
            )
        )

    def formulation_opened(self, formulation_id: uuid.UUID, at: datetime) -> bool:
        """Apply the formulation service's news that it opened the formulation."""
        request = self._requested_formulation()
        if not _moves_forward(request.status, FormulationStatus.OPENED):
            return False
        request.status = FormulationStatus.OPENED
        request.formulation_id = formulation_id
        request.opened_at = at
        return True

    def formulation_completed(self, formulation_id: uuid.UUID, at: datetime) -> bool:
        """Apply the news that the formulation was completed; it may arrive without `opened`."""
        request = self._requested_formulation()
        if not _moves_forward(request.status, FormulationStatus.COMPLETED):
            return False
        request.status = FormulationStatus.COMPLETED
        request.formulation_id = formulation_id
        request.completed_at = at
        return True

    # -- decision ----------------------------------------------------------------------------

    def decide(self, decision: Decision, now: datetime, decided_on: date | None = None) -> None:
        """Decide the contact once everything the decision needs is recorded.

        For a RES acceptance, allocate the family in the same unit of work: when the team has
        no capacity, allocation is refused and the whole decision is rolled back.
        """
        self._ensure_open()
        on = decided_on or now.date()
        _ensure_practice_date(
            "decided_on", on, now, not_before=self.practice_opened_on, what="the contact opened"
        )
        ensure_decision_is_complete(self, decision)
        support_level = SUPPORT_LEVEL_FOR_DECISION.get(decision.decision_type)
        team = team_for_cluster(self.cluster_id) if support_level and self.cluster_id else None
        self.decision = decision
        self.decided_at = now
        self.decided_on = on
        self.team_id = team.team_id if team else None
        self.events.append(
            DecisionMade(
                contact_id=self.contact_id,
                decision_type=decision.decision_type,
                source=self.source,
                referring_agency_id=self.referring_agency_id,
                cluster_id=self.cluster_id,
                team_id=self.team_id,
                support_level=support_level,
                family_id=self.family_id,
                child_ids=_sorted(self.child_ids),
                consent_status=self.consent.status if self.consent else None,
                urgency=self.urgency,
                contact_opened_at=self.opened_at,
                decided_at=now,
                decided_by=decision.decided_by,
                is_rereferral=self.is_rereferral,
                contact_opened_on=self.practice_opened_on,
                decided_on=on,
            )
        )

    def _ensure_open(self) -> None:
        if self.decision is not None:
            raise ContactAlreadyDecided(
                detail=f"The contact was decided as {self.decision.decision_type.value}",
                extra={"contact_id": str(self.contact_id)},
            )

    def _requested_formulation(self) -> FormulationRequest:
        if self.formulation is None:
            raise FormulationNotRequested(extra={"contact_id": str(self.contact_id)})
        return self.formulation


def _ensure_practice_date(
    field_name: str,
    on: date,
    now: datetime,
    *,
    not_before: date | None = None,
    what: str = "the contact opened",
) -> None:
    errors = practice_date_errors(
        field_name, on, today=now.date(), not_before=not_before, what=what
    )
    if errors:
        raise InvalidPracticeDate(detail=errors[0].message, errors=errors)


def _already_requested(request: FormulationRequest) -> FormulationAlreadyRequested:
    return FormulationAlreadyRequested(
        detail=f"A referral-stage formulation is already {request.status.value}",
        extra={"formulation_request_id": str(request.request_id)},
    )


def _moves_forward(current: FormulationStatus, to: FormulationStatus) -> bool:
    # Status only moves forward, so a late or repeated event changes nothing.
    return _FORMULATION_ORDER.index(to) > _FORMULATION_ORDER.index(current)


def _sorted(ids: set[uuid.UUID]) -> list[uuid.UUID]:
    return sorted(ids, key=str)
