"""Contacts: a request for help starts as a conversation record, is built up over dated
conversation entries, and ends in a decision whose explanation the referrer can read.

Partner systems get the fair-process view only (status, decision type, the explanation for
the referrer, when it was decided): never the rationale, worries, names or notes.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from contracts.reference.referrals import (
    ConsentStatus,
    DecisionType,
    ReferralSource,
    Urgency,
    team_for_cluster,
)
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field
from runtime import audit
from runtime.app import get_db
from runtime.concurrency import require_if_match, set_etag
from runtime.db import Database, utcnow
from runtime.fields import IsoDate, PastDateTime
from runtime.identity import Principal
from runtime.pagination import PageCursor, PageLimit, next_cursor, page_request
from runtime.security import principal

from referrals.adapters.repository import ContactRepository, contact_status
from referrals.domain.allocation import CaseloadLimits
from referrals.domain.contact import Caller, Consent, Contact, ConversationEntry, TriedSupport
from referrals.domain.decisions import Decision, still_needed
from referrals.entrypoints.api.access import (
    audit_reads,
    caseload_limits,
    contact_audit_rows,
    ensure_can_see_contact,
    get_referrals_uow,
    is_res,
    people_named,
    res_team_of,
)
from referrals.entrypoints.api.allocations import AllocationResponse, allocation_response
from referrals.entrypoints.api.fields import (
    ClusterId,
    Identifier,
    LongText,
    PastDate,
    ShortText,
    Strict,
    TeamId,
)
from referrals.service_layer import contacts as use_cases
from referrals.service_layer import views
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

MAX_PEOPLE = 30
MAX_TRIED = 30


# -- requests ----------------------------------------------------------------------------------


class CallerRequest(Strict):
    name: ShortText | None = None
    person_id: uuid.UUID | None = Field(None, description="when the caller is a registered person")
    agency_id: Identifier | None = Field(
        None, description="ignored for partner systems: the token's agency is used"
    )
    role: ShortText | None = None
    how_to_reach: ShortText | None = None

    def to_domain(self, caller: Principal) -> Caller:
        # Partners know no person ids, and must not learn which ones exist by trying.
        return Caller(
            name=self.name,
            person_id=None if caller.is_partner else self.person_id,
            agency_id=caller.agency_id if caller.is_partner else self.agency_id,
            role=self.role,
            how_to_reach=self.how_to_reach,
        )


class OpenContactRequest(Strict):
    source: ReferralSource
    caller: CallerRequest = Field(default_factory=lambda: CallerRequest.model_validate({}))
    worry: LongText | None = Field(None, description="the worry in the caller's own words")
    cluster_id: ClusterId | None = None
    opened_on: PastDate | None = Field(
        None, description="the day the request for help was made; default today"
    )


class TriedRequest(Strict):
    what: LongText
    by_whom: ShortText | None = None


class ConsentRequest(Strict):
    status: ConsentStatus
    includes_rethink_team: bool = False
    includes_group_supervision: bool = False
    not_needed_reason: LongText | None = None


class ConversationEntryRequest(Strict):
    """Everything is optional: say what this conversation added. Lists add to what the
    contact knows; single facts (consent, urgency, cluster, family) replace it."""

    recorded_at: PastDateTime | None = Field(None, description="when it was said; default now")
    caller: CallerRequest | None = None
    summary: LongText | None = None
    worry: LongText | None = None
    child_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_PEOPLE)
    adult_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_PEOPLE)
    family_id: uuid.UUID | None = None
    tried: list[TriedRequest] = Field(default_factory=list, max_length=MAX_TRIED)
    family_knows: LongText | None = Field(None, description="what the family knows and agreed")
    consent: ConsentRequest | None = None
    urgency: Urgency | None = None
    cluster_id: ClusterId | None = None
    early_help_offer_in_place: bool | None = None

    def to_domain(self, caller: Principal) -> ConversationEntry:
        consent = self.consent
        return ConversationEntry(
            recorded_at=self.recorded_at or utcnow(),
            recorded_by=caller.subject,
            caller=self.caller.to_domain(caller) if self.caller else None,
            summary=self.summary,
            worry=self.worry,
            child_ids=frozenset(self.child_ids),
            adult_ids=frozenset(self.adult_ids),
            family_id=self.family_id,
            tried=tuple(TriedSupport(t.what, t.by_whom) for t in self.tried),
            family_knows=self.family_knows,
            consent=Consent(
                consent.status,
                consent.includes_rethink_team,
                consent.includes_group_supervision,
                consent.not_needed_reason,
            )
            if consent
            else None,
            urgency=self.urgency,
            cluster_id=self.cluster_id,
            early_help_offer_in_place=self.early_help_offer_in_place,
        )


class DecisionRequest(Strict):
    """What the decision needs is checked when it is made; every missing field is listed."""

    decision_type: DecisionType
    rationale: LongText | None = Field(None, description="internal: why; never shown to partners")
    explanation_for_referrer: LongText | None = Field(
        None, description="what the referring agency reads (fair process: explanation)"
    )
    lead_worker_id: Identifier | None = Field(
        None, description="RES acceptance only: the lead worker; default the one with most room"
    )
    decided_on: PastDate | None = Field(
        None,
        description="the day the decision was taken (a RES acceptance allocates that day); "
        "default today; not before the contact opened",
    )


# -- responses ---------------------------------------------------------------------------------


class CallerResponse(BaseModel):
    name: str | None
    person_id: uuid.UUID | None
    agency_id: str | None
    role: str | None
    how_to_reach: str | None


class TriedResponse(BaseModel):
    what: str
    by_whom: str | None


class ConsentResponse(BaseModel):
    status: ConsentStatus
    includes_rethink_team: bool
    includes_group_supervision: bool
    not_needed_reason: str | None


class ConversationEntryResponse(BaseModel):
    entry_number: int
    recorded_at: datetime
    recorded_by: str | None
    caller: CallerResponse | None
    summary: str | None
    worry: str | None
    child_ids: list[uuid.UUID]
    adult_ids: list[uuid.UUID]
    family_id: uuid.UUID | None
    tried: list[TriedResponse]
    family_knows: str | None
    consent: ConsentResponse | None
    urgency: Urgency | None
    cluster_id: str | None
    early_help_offer_in_place: bool | None


class FormulationResponse(BaseModel):
    contact_id: uuid.UUID
    request_id: uuid.UUID
    status: str
    requested_at: datetime
    formulation_id: uuid.UUID | None
    opened_at: datetime | None
    completed_at: datetime | None


class ReReferralResponse(BaseModel):
    person_id: uuid.UUID
    previous_allocation_id: uuid.UUID | None
    previous_closed_on: date


class DecisionResponse(BaseModel):
    decision_type: DecisionType
    rationale: str | None
    explanation_for_referrer: str | None
    decided_by: str | None
    decided_at: datetime | None
    decided_on: date | None = None


class ContactResponse(BaseModel):
    """The whole contact, for staff at the front door and the RES team it went to."""

    contact_id: uuid.UUID
    status: str
    source: ReferralSource
    opened_at: datetime
    opened_on: date = Field(description="the day the request for help was made")
    referring_agency_id: str | None
    caller: CallerResponse
    cluster_id: str | None
    team_id: str | None
    family_id: uuid.UUID | None
    child_ids: list[uuid.UUID]
    adult_ids: list[uuid.UUID]
    worries: list[str]
    tried: list[TriedResponse]
    family_knows: str | None
    consent: ConsentResponse | None
    urgency: Urgency | None
    early_help_offer_in_place: bool | None
    entries: list[ConversationEntryResponse]
    formulation: FormulationResponse | None
    is_rereferral: bool
    rereferrals: list[ReReferralResponse]
    decision: DecisionResponse | None
    version: int


class ReferralStatusResponse(BaseModel):
    """What a referring agency reads about its own referral (fair process: explanation)."""

    contact_id: uuid.UUID
    status: str
    opened_at: datetime
    decision_type: DecisionType | None
    explanation_for_referrer: str | None
    decided_at: datetime | None


class ContactSummaryResponse(BaseModel):
    """One line of the staff list: codes and dates, no free text."""

    contact_id: uuid.UUID
    status: str
    source: ReferralSource
    referring_agency_id: str | None
    cluster_id: str | None
    team_id: str | None
    family_id: uuid.UUID | None
    urgency: Urgency | None
    opened_at: datetime
    decision_type: DecisionType | None
    decided_at: datetime | None
    is_rereferral: bool
    formulation_status: str | None


class ContactPageResponse(BaseModel):
    items: list[ContactSummaryResponse]
    next_cursor: str | None = None


class ReferralStatusPageResponse(BaseModel):
    items: list[ReferralStatusResponse]
    next_cursor: str | None = None


class DecidedResponse(BaseModel):
    contact: ContactResponse
    allocation: AllocationResponse | None


def _caller(c: Caller) -> CallerResponse:
    return CallerResponse(
        name=c.name,
        person_id=c.person_id,
        agency_id=c.agency_id,
        role=c.role,
        how_to_reach=c.how_to_reach,
    )


def _consent(c: Consent | None) -> ConsentResponse | None:
    if c is None:
        return None
    return ConsentResponse(
        status=c.status,
        includes_rethink_team=c.includes_rethink_team,
        includes_group_supervision=c.includes_group_supervision,
        not_needed_reason=c.not_needed_reason,
    )


def _tried(items: list[TriedSupport] | tuple[TriedSupport, ...]) -> list[TriedResponse]:
    return [TriedResponse(what=t.what, by_whom=t.by_whom) for t in items]


def _ids(ids: set[uuid.UUID] | frozenset[uuid.UUID]) -> list[uuid.UUID]:
    return sorted(ids, key=str)


def _formulation(contact: Contact) -> FormulationResponse | None:
    f = contact.formulation
    if f is None:
        return None
    return FormulationResponse(
        contact_id=contact.contact_id,
        request_id=f.request_id,
        status=f.status.value,
        requested_at=f.requested_at,
        formulation_id=f.formulation_id,
        opened_at=f.opened_at,
        completed_at=f.completed_at,
    )


def contact_response(contact: Contact, version: int) -> ContactResponse:
    d = contact.decision
    return ContactResponse(
        contact_id=contact.contact_id,
        status=contact_status(contact),
        source=contact.source,
        opened_at=contact.opened_at,
        opened_on=contact.practice_opened_on,
        referring_agency_id=contact.referring_agency_id,
        caller=_caller(contact.caller),
        cluster_id=contact.cluster_id,
        team_id=contact.team_id,
        family_id=contact.family_id,
        child_ids=_ids(contact.child_ids),
        adult_ids=_ids(contact.adult_ids),
        worries=list(contact.worries),
        tried=_tried(contact.tried),
        family_knows=contact.family_knows,
        consent=_consent(contact.consent),
        urgency=contact.urgency,
        early_help_offer_in_place=contact.early_help_offer_in_place,
        entries=[
            ConversationEntryResponse(
                entry_number=n,
                recorded_at=e.recorded_at,
                recorded_by=e.recorded_by,
                caller=_caller(e.caller) if e.caller else None,
                summary=e.summary,
                worry=e.worry,
                child_ids=_ids(e.child_ids),
                adult_ids=_ids(e.adult_ids),
                family_id=e.family_id,
                tried=_tried(e.tried),
                family_knows=e.family_knows,
                consent=_consent(e.consent),
                urgency=e.urgency,
                cluster_id=e.cluster_id,
                early_help_offer_in_place=e.early_help_offer_in_place,
            )
            for n, e in enumerate(contact.entries, start=1)
        ],
        formulation=_formulation(contact),
        is_rereferral=contact.is_rereferral,
        rereferrals=[
            ReReferralResponse(
                person_id=r.person_id,
                previous_allocation_id=r.previous.allocation_id,
                previous_closed_on=r.previous.closed_on,
            )
            for r in contact.rereferrals
        ],
        decision=DecisionResponse(
            decision_type=d.decision_type,
            rationale=d.rationale,
            explanation_for_referrer=d.explanation_for_referrer,
            decided_by=d.decided_by,
            decided_at=contact.decided_at,
            decided_on=contact.decided_on,
        )
        if d
        else None,
        version=version,
    )


def referral_status(contact: Contact) -> ReferralStatusResponse:
    d = contact.decision
    return ReferralStatusResponse(
        contact_id=contact.contact_id,
        status=contact_status(contact),
        opened_at=contact.opened_at,
        decision_type=d.decision_type if d else None,
        explanation_for_referrer=d.explanation_for_referrer if d else None,
        decided_at=contact.decided_at,
    )


def contact_summary(contact: Contact) -> ContactSummaryResponse:
    return ContactSummaryResponse(
        contact_id=contact.contact_id,
        status=contact_status(contact),
        source=contact.source,
        referring_agency_id=contact.referring_agency_id,
        cluster_id=contact.cluster_id,
        team_id=contact.team_id,
        family_id=contact.family_id,
        urgency=contact.urgency,
        opened_at=contact.opened_at,
        decision_type=contact.decision.decision_type if contact.decision else None,
        decided_at=contact.decided_at,
        is_rereferral=contact.is_rereferral,
        formulation_status=contact.formulation.status.value if contact.formulation else None,
    )


def view_for(
    caller: Principal, contact: Contact, version: int
) -> ContactResponse | ReferralStatusResponse:
    return referral_status(contact) if caller.is_partner else contact_response(contact, version)


# -- endpoints ---------------------------------------------------------------------------------


@router.post("", status_code=201, summary="Open a contact (a request for help)")
async def create_contact(
    body: OpenContactRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> ContactResponse | ReferralStatusResponse:
    cmd = use_cases.OpenContact(
        source=body.source,
        caller=body.caller.to_domain(caller),
        worry=body.worry,
        cluster_id=body.cluster_id,
        by_partner=caller.is_partner,
        opened_on=body.opened_on,
    )
    async with uow:
        contact = await use_cases.open_contact(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "create",
            "contact",
            contact.contact_id,
            status=201,
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/contacts/{contact.contact_id}"
    set_etag(response, 1)
    return view_for(caller, contact, 1)


@router.get("", summary="List and search contacts, newest first (cursor pagination)")
async def list_contacts(
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
    status: Annotated[str | None, Query(pattern="^(open|decided)$")] = None,
    source: ReferralSource | None = None,
    cluster_id: Annotated[ClusterId | None, Query()] = None,
    team_id: Annotated[TeamId | None, Query()] = None,
    decision_type: DecisionType | None = None,
    opened_from: IsoDate | None = None,
    opened_to: IsoDate | None = None,
    family_id: uuid.UUID | None = None,
    person_id: uuid.UUID | None = None,
    is_rereferral: bool | None = None,
    limit: PageLimit = None,
    cursor: PageCursor = None,
) -> ContactPageResponse | ReferralStatusPageResponse:
    filters = views.ContactFilters(
        status=status,
        source=source.value if source else None,
        cluster_id=cluster_id,
        team_id=team_id,
        decision_type=decision_type.value if decision_type else None,
        opened_from=opened_from,
        opened_to=opened_to,
        family_id=family_id,
        person_id=person_id,
        is_rereferral=is_rereferral,
        agency_id=(caller.agency_id or "") if caller.is_partner else None,
        visible_team_id=res_team_of(caller) if is_res(caller) else None,
    )
    # The cursor is bound to who asked and what they filtered by: replaying it elsewhere fails.
    scope = {"caller": caller.rate_key, **filters.scope()}
    page = page_request(limit, cursor, scope)
    async with db.sessions() as session:
        rows = await views.list_contacts(session, filters, page)
    rows, token = next_cursor(rows, page.limit, views.contact_sort_key, scope)
    await audit_reads(db, request, caller, "contact", contact_audit_rows(c for c, _ in rows))
    if caller.is_partner:
        return ReferralStatusPageResponse(
            items=[referral_status(c) for c, _ in rows], next_cursor=token
        )
    return ContactPageResponse(items=[contact_summary(c) for c, _ in rows], next_cursor=token)


@router.get("/{contact_id}", summary="Read a contact (partners: the fair-process view)")
async def read_contact(
    contact_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> ContactResponse | ReferralStatusResponse:
    async with db.sessions() as session:
        repo = ContactRepository(session)
        contact = await ensure_can_see_contact(
            session, caller, await repo.get(contact_id), contact_id
        )
    version = repo.revisions[contact_id]
    await audit.record_read(
        db,
        request.app.state.tables,
        request,
        caller,
        "contact",
        contact_id,
        family_id=contact.family_id,
        person_ids=people_named(contact),
    )
    set_etag(response, version)
    return view_for(caller, contact, version)


class NeededFieldResponse(BaseModel):
    field: str
    message: str


class DecisionNeedsItem(BaseModel):
    decision_type: DecisionType
    ready: bool = Field(description="nothing more is needed from the conversation")
    missing: list[NeededFieldResponse]


class DecisionNeedsResponse(BaseModel):
    """What each decision still needs from the conversation, before any is attempted."""

    contact_id: uuid.UUID
    status: str
    version: int
    team_id: str | None = Field(description="the RES team a RES acceptance would allocate to")
    items: list[DecisionNeedsItem]


@router.get(
    "/{contact_id}/decision-needs",
    summary="What each decision still needs from the conversation (nothing is decided)",
)
async def decision_needs(
    contact_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> DecisionNeedsResponse:
    async with db.sessions() as session:
        repo = ContactRepository(session)
        contact = await ensure_can_see_contact(
            session, caller, await repo.get(contact_id), contact_id
        )
    version = repo.revisions[contact_id]
    await audit.record_read(
        db,
        request.app.state.tables,
        request,
        caller,
        "contact",
        contact_id,
        family_id=contact.family_id,
        person_ids=people_named(contact),
    )
    team = team_for_cluster(contact.cluster_id) if contact.cluster_id else None
    set_etag(response, version)
    return DecisionNeedsResponse(
        contact_id=contact_id,
        status=contact_status(contact),
        version=version,
        team_id=team.team_id if team else None,
        items=[
            DecisionNeedsItem(
                decision_type=kind,
                ready=not missing,
                missing=[NeededFieldResponse(field=e.field, message=e.message) for e in missing],
            )
            for kind, missing in still_needed(contact).items()
        ],
    )


@router.post(
    "/{contact_id}/conversations",
    status_code=201,
    summary="Add a conversation entry to an open contact (If-Match)",
)
async def record_conversation(
    contact_id: uuid.UUID,
    body: ConversationEntryRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> ContactResponse:
    async with uow:
        await ensure_can_see_contact(
            uow.session, caller, await uow.repos.contacts.get(contact_id), contact_id
        )
        require_if_match(request, uow.repos.contacts.revisions[contact_id])
        cmd = use_cases.RecordConversation(contact_id, body.to_domain(caller))
        contact = await use_cases.record_conversation(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "update",
            "contact",
            contact_id,
            family_id=contact.family_id,
            person_ids=people_named(contact),
            status=201,
        )
        await uow.commit()
    version = uow.repos.contacts.revisions[contact_id]
    set_etag(response, version)
    return contact_response(contact, version)


@router.post(
    "/{contact_id}/formulation-requests",
    status_code=201,
    summary="Ask the formulation service for a referral-stage formulation (the 6 Ps)",
)
async def request_formulation(
    contact_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> FormulationResponse:
    async with uow:
        await ensure_can_see_contact(
            uow.session, caller, await uow.repos.contacts.get(contact_id), contact_id
        )
        cmd = use_cases.RequestFormulation(contact_id, requested_by=caller.subject)
        contact = await use_cases.request_formulation(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "request_formulation",
            "contact",
            contact_id,
            family_id=contact.family_id,
            person_ids=people_named(contact),
            status=201,
        )
        await uow.commit()
    set_etag(response, uow.repos.contacts.revisions[contact_id])
    formulation = _formulation(contact)
    assert formulation is not None
    return formulation


@router.post(
    "/{contact_id}/decision",
    status_code=201,
    summary="Decide the contact; a RES acceptance allocates a lead worker in the same step (If-Match)",
)
async def decide(
    contact_id: uuid.UUID,
    body: DecisionRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
    limits: CaseloadLimits = Depends(caseload_limits),
) -> DecidedResponse:
    decision = Decision(
        body.decision_type, body.rationale, body.explanation_for_referrer, caller.subject
    )
    async with uow:
        await ensure_can_see_contact(
            uow.session, caller, await uow.repos.contacts.get(contact_id), contact_id
        )
        require_if_match(request, uow.repos.contacts.revisions[contact_id])
        cmd = use_cases.DecideContact(
            contact_id, decision, body.lead_worker_id, decided_on=body.decided_on
        )
        decided = await use_cases.decide_contact(cmd, uow, utcnow(), limits)
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "decide",
            "contact",
            contact_id,
            family_id=decided.contact.family_id,
            status=201,
        )
        await uow.commit()
    version = uow.repos.contacts.revisions[contact_id]
    set_etag(response, version)
    allocation = decided.allocation
    return DecidedResponse(
        contact=contact_response(decided.contact, version),
        allocation=allocation_response(allocation, 1) if allocation else None,
    )
