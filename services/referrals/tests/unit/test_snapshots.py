"""Aggregates survive being stored as JSON snapshots: what is read back equals what was saved."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

from contracts.reference.referrals import (
    ConsentStatus,
    DecisionType,
    PersonKind,
    ReallocationReason,
    ReferralSource,
    RelationshipKind,
    Urgency,
    WorkerRole,
)
from referrals.domain.allocation import Allocation, TeamWorker
from referrals.domain.contact import Caller, Consent, Contact, ConversationEntry, TriedSupport
from referrals.domain.decisions import Decision
from referrals.domain.identifiers import PersonDetails
from referrals.domain.people import Family, Relationship, register_person
from referrals.domain.rereferral import ClosedInvolvement
from runtime.snapshots import from_snapshot, to_snapshot

NOW = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)
TEAM = "res-inner-east"


def round_trip(aggregate: object) -> object:
    stored = json.loads(json.dumps(to_snapshot(aggregate)))
    return from_snapshot(type(aggregate), stored)


def full_contact() -> Contact:
    child, adult, family = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    contact = Contact.open(
        uuid.uuid4(),
        ReferralSource.SCHOOL_VIA_CLUSTER,
        NOW,
        caller=Caller(name="Ms Jones", agency_id="school-1", role="TSL"),
        worry="Mondays",
    )
    contact.record_conversation(
        ConversationEntry(
            recorded_at=NOW,
            recorded_by="duty-1",
            caller=Caller(person_id=adult),
            summary="Spoke to mum",
            worry="Mornings",
            child_ids=frozenset({child}),
            adult_ids=frozenset({adult}),
            family_id=family,
            tried=(TriedSupport("Attendance meetings", "school"),),
            family_knows="Agrees",
            consent=Consent(ConsentStatus.GIVEN, True, True),
            urgency=Urgency.SOON,
            cluster_id="inner-east",
            early_help_offer_in_place=False,
        )
    )
    contact.flag_rereferral(child, [ClosedInvolvement(date(2019, 1, 5), uuid.uuid4())], NOW)
    contact.request_formulation(uuid.uuid4(), NOW)
    contact.formulation_opened(uuid.uuid4(), NOW)
    contact.decide(Decision(DecisionType.ACCEPT_FOR_RES_EARLY_HELP, "why", "for you", "d"), NOW)
    contact.events.clear()
    return contact


def test_a_contact_with_every_part_filled_in_reads_back_equal():
    contact = full_contact()
    assert round_trip(contact) == contact


def test_a_person_and_a_family_read_back_equal():
    person = register_person(
        uuid.uuid4(),
        PersonKind.CHILD,
        PersonDetails(
            "Amelia",
            "Hart",
            date(2014, 6, 12),
            "9434765919",
            ("1 Street",),
            "ls9 8aa",
            "Example Primary",
        ),
        existing=[],
        now=NOW,
    )
    person.events.clear()
    assert round_trip(person) == person
    parent = uuid.uuid4()
    family = Family.form(
        uuid.uuid4(),
        {person.person_id: PersonKind.CHILD, parent: PersonKind.ADULT},
        NOW,
        [Relationship(parent, person.person_id, RelationshipKind.PARENT)],
    )
    family.events.clear()
    assert round_trip(family) == family


def test_an_allocation_with_a_change_of_lead_worker_reads_back_equal():
    workers = [
        TeamWorker("sw-1", TEAM, WorkerRole.SOCIAL_WORKER),
        TeamWorker("fsw-1", TEAM, WorkerRole.FAMILY_SUPPORT_WORKER),
    ]
    allocation = Allocation.allocate(uuid.uuid4(), full_contact(), workers, {}, NOW)
    allocation.reallocate(workers, {}, ReallocationReason.SKILLS_NEEDED, NOW)
    allocation.close(
        NOW.date() + timedelta(days=3),
        "goals_achieved",  # type: ignore[arg-type]
        NOW + timedelta(days=3),
    )
    allocation.events.clear()
    assert round_trip(allocation) == allocation
