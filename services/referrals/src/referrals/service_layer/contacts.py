"""Use cases of the front door: open a contact, record conversations, ask for a referral-stage
formulation, and decide (a RES acceptance allocates the family in the same unit of work)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from contracts.reference.referrals import PersonKind, ReferralSource
from runtime.domain import NotFound

from referrals.adapters.repository import Repositories
from referrals.domain.allocation import Allocation, CaseloadLimits
from referrals.domain.contact import Caller, Contact, ConversationEntry
from referrals.domain.decisions import Decision
from referrals.domain.errors import FieldError, InvalidAllocation, UnknownRecord
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork


@dataclass(frozen=True)
class OpenContact:
    source: ReferralSource
    caller: Caller
    worry: str | None = None
    cluster_id: str | None = None
    by_partner: bool = False
    opened_on: date | None = None
    # Given by an import (derived from the source system's id); a new one otherwise.
    contact_id: uuid.UUID | None = None


@dataclass(frozen=True)
class RecordConversation:
    contact_id: uuid.UUID
    entry: ConversationEntry


@dataclass(frozen=True)
class RequestFormulation:
    contact_id: uuid.UUID
    requested_by: str | None = None
    request_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class DecideContact:
    contact_id: uuid.UUID
    decision: Decision
    # A RES acceptance may name the lead worker; otherwise the one with most room is chosen.
    lead_worker_id: str | None = None
    decided_on: date | None = None
    allocation_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Decided:
    contact: Contact
    allocation: Allocation | None


async def get_contact(repos: Repositories, contact_id: uuid.UUID) -> Contact:
    contact = await repos.contacts.get(contact_id)
    if contact is None:
        raise NotFound(f"no contact {contact_id}")
    return contact


async def open_contact(cmd: OpenContact, uow: ReferralsUnitOfWork, now: datetime) -> Contact:
    await _ensure_people_exist(uow.repos, caller=cmd.caller)
    contact = Contact.open(
        cmd.contact_id or uuid.uuid4(),
        cmd.source,
        now,
        caller=cmd.caller,
        worry=cmd.worry,
        cluster_id=cmd.cluster_id,
        by_partner=cmd.by_partner,
        opened_on=cmd.opened_on,
    )
    await uow.repos.contacts.add(contact)
    uow.collect(contact)
    return contact


async def record_conversation(
    cmd: RecordConversation, uow: ReferralsUnitOfWork, now: datetime
) -> Contact:
    """Add a conversation entry; a child whose family's RES involvement closed in the last
    12 months flags the contact as a re-referral."""
    repos = uow.repos
    contact = await get_contact(repos, cmd.contact_id)
    entry = cmd.entry
    await _ensure_people_exist(
        repos,
        caller=entry.caller,
        child_ids=entry.child_ids,
        adult_ids=entry.adult_ids,
        family_id=entry.family_id,
    )
    known_children = set(contact.child_ids)
    contact.record_conversation(entry)
    for child_id in sorted(contact.child_ids - known_children, key=str):
        closures = await repos.allocations.closures_for_person(child_id)
        contact.flag_rereferral(child_id, closures, now)
    await repos.contacts.save(contact)
    uow.collect(contact)
    return contact


async def request_formulation(
    cmd: RequestFormulation, uow: ReferralsUnitOfWork, now: datetime
) -> Contact:
    contact = await get_contact(uow.repos, cmd.contact_id)
    contact.request_formulation(cmd.request_id, now, requested_by=cmd.requested_by)
    await uow.repos.contacts.save(contact)
    uow.collect(contact)
    return contact


async def decide_contact(
    cmd: DecideContact, uow: ReferralsUnitOfWork, now: datetime, limits: CaseloadLimits
) -> Decided:
    """Decide, and for a RES acceptance allocate the family to a lead worker with capacity.

    Both happen in the caller's one transaction: when allocation is refused (no capacity; RES
    keeps no waiting list) the exception rolls the decision back and the contact stays open.
    """
    repos = uow.repos
    contact = await get_contact(repos, cmd.contact_id)
    contact.decide(cmd.decision, now, cmd.decided_on)
    allocation: Allocation | None = None
    if contact.team_id is not None:
        assert contact.family_id is not None  # a RES acceptance needs a family
        records = await repos.workers.in_team(contact.team_id, lock=True)
        active = [r.worker for r in records if r.active]
        allocation = Allocation.allocate(
            cmd.allocation_id or uuid.uuid4(),
            contact,
            active,
            await repos.allocations.caseloads(r.worker.worker_id for r in records),
            now,
            limits=limits,
            chosen_worker_id=cmd.lead_worker_id,
            open_allocation=await repos.allocations.open_for_family(contact.family_id),
        )
        await repos.allocations.add(allocation)
    elif cmd.lead_worker_id is not None:
        raise InvalidAllocation(
            detail=f"{cmd.decision.decision_type.value} does not allocate a RES lead worker",
            errors=[FieldError("lead_worker_id", "Only a RES acceptance names a lead worker")],
        )
    await repos.contacts.save(contact)
    uow.collect(contact, allocation)
    return Decided(contact, allocation)


# -- news from the formulation service ---------------------------------------------------------


async def record_formulation_news(
    repos: Repositories, contact_id: uuid.UUID, news: Callable[[Contact], bool]
) -> bool:
    """Apply the formulation service's news (opened, completed) to the contact's referral-stage
    formulation; False when there is none or nothing changed (status only moves forward)."""
    contact = await repos.contacts.get(contact_id)
    if contact is None or contact.formulation is None or not news(contact):
        return False
    await repos.contacts.save(contact)
    return True


# -- references to people and families ---------------------------------------------------------


async def _ensure_people_exist(
    repos: Repositories,
    *,
    caller: Caller | None = None,
    child_ids: frozenset[uuid.UUID] = frozenset(),
    adult_ids: frozenset[uuid.UUID] = frozenset(),
    family_id: uuid.UUID | None = None,
) -> None:
    """Every person and family a contact names is registered, and children are children."""
    wanted: list[tuple[str, uuid.UUID, PersonKind | None]] = []
    if caller is not None and caller.person_id is not None:
        wanted.append(("caller.person_id", caller.person_id, None))
    wanted += [("child_ids", p, PersonKind.CHILD) for p in sorted(child_ids, key=str)]
    wanted += [("adult_ids", p, PersonKind.ADULT) for p in sorted(adult_ids, key=str)]
    kinds = await repos.people.kinds({p for _, p, _ in wanted})
    errors: list[FieldError] = []
    for name, person_id, kind in wanted:
        found = kinds.get(person_id)
        if found is None:
            errors.append(FieldError(name, f"No person {person_id} is registered"))
        elif kind is not None and found is not kind:
            errors.append(FieldError(name, f"Person {person_id} is registered as {found.value}"))
    if family_id is not None and not await repos.families.exists(family_id):
        errors.append(FieldError("family_id", f"No family {family_id} is recorded"))
    if errors:
        raise UnknownRecord(detail="Register people and families before naming them", errors=errors)
