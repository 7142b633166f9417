"""What the database itself guarantees when two requests race past the rules' checks, on
SQLite and PostgreSQL: one record per NHS number, one open allocation per family, and no
update lost to a concurrent one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from contracts.reference.referrals import (
    ClosureReason,
    ConsentStatus,
    DecisionType,
    PersonKind,
    ReferralSource,
    WorkerRole,
)
from referrals.adapters.repository import ContactRepository, Repositories, StaleRecord
from referrals.domain.allocation import Allocation, TeamWorker
from referrals.domain.contact import Consent, Contact, ConversationEntry
from referrals.domain.decisions import Decision
from referrals.domain.errors import FamilyAlreadyAllocated, PersonAlreadyRegistered
from referrals.domain.identifiers import PersonDetails
from referrals.domain.people import register_person
from runtime.db import Database
from runtime.testing import migrate

pytestmark = pytest.mark.integration

NOW = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)
WORKER = TeamWorker("sw-1", "res-inner-east", WorkerRole.SOCIAL_WORKER)


@pytest.fixture
async def db(databases):
    url = await databases.new("referrals")
    await migrate("referrals", url)
    database = Database(url)
    try:
        yield database
    finally:
        await database.dispose()


def child(nhs_number: str, given: str) -> object:
    details = PersonDetails(given, "Hart", nhs_number=nhs_number)
    return register_person(uuid.uuid4(), PersonKind.CHILD, details, existing=[], now=NOW)


def accepted_contact(family_id: uuid.UUID) -> Contact:
    contact = Contact.open(uuid.uuid4(), ReferralSource.EARLY_HELP_HUB, NOW)
    contact.record_conversation(
        ConversationEntry(
            recorded_at=NOW,
            child_ids=frozenset({uuid.uuid4()}),
            family_id=family_id,
            cluster_id="inner-east",
            consent=Consent(ConsentStatus.GIVEN, True, True),
        )
    )
    contact.decide(Decision(DecisionType.ACCEPT_FOR_RES_EARLY_HELP, "r", "e"), NOW)
    return contact


async def test_a_second_record_of_an_nhs_number_is_refused_and_the_rest_still_commits(db):
    # Both passed the matching check (neither saw the other): the unique index decides.
    first, second, other = (
        child("9434765919", "Amelia"),
        child("943 476 5919", "Amy"),
        child("9434765870", "Noah"),
    )
    async with db.transaction() as session:
        repos = Repositories(session)
        await repos.people.add(first)  # type: ignore[arg-type]
        with pytest.raises(PersonAlreadyRegistered):
            await repos.people.add(second)  # type: ignore[arg-type]
        await repos.people.add(other)  # type: ignore[arg-type]
    async with db.sessions() as session:
        repos = Repositories(session)
        assert await repos.people.get(first.person_id) is not None  # type: ignore[attr-defined]
        assert await repos.people.get(second.person_id) is None  # type: ignore[attr-defined]
        assert await repos.people.get(other.person_id) is not None  # type: ignore[attr-defined]


async def test_a_family_gets_one_open_allocation_whatever_the_race(db):
    family_id = uuid.uuid4()
    first = Allocation.allocate(uuid.uuid4(), accepted_contact(family_id), [WORKER], {}, NOW)
    second = Allocation.allocate(uuid.uuid4(), accepted_contact(family_id), [WORKER], {}, NOW)
    async with db.transaction() as session:
        await Repositories(session).allocations.add(first)
    with pytest.raises(FamilyAlreadyAllocated):
        async with db.transaction() as session:
            await Repositories(session).allocations.add(second)
    async with db.transaction() as session:
        repos = Repositories(session)
        stored = await repos.allocations.get(first.allocation_id)
        assert stored is not None
        stored.close(NOW.date(), ClosureReason.GOALS_ACHIEVED, NOW)
        await repos.allocations.save(stored)
        await repos.allocations.add(second)  # once the first is closed, a new one may open
    async with db.sessions() as session:
        assert await Repositories(session).allocations.open_for_family(family_id) == second


async def test_an_update_based_on_a_version_another_request_changed_is_refused(db):
    contact = Contact.open(uuid.uuid4(), ReferralSource.PARENT_OR_CARER, NOW)
    async with db.transaction() as session:
        await Repositories(session).contacts.add(contact)
    async with db.sessions() as session:
        theirs = await ContactRepository(session).get(contact.contact_id)  # read at version 1
    assert theirs is not None
    async with db.transaction() as session:
        repo = ContactRepository(session)
        mine = await repo.get(contact.contact_id)
        assert mine is not None
        mine.record_conversation(ConversationEntry(recorded_at=NOW, summary="first"))
        assert await repo.save(mine) == 2
    with pytest.raises(StaleRecord):
        async with db.transaction() as session:
            repo = ContactRepository(session)
            repo.revisions[contact.contact_id] = 1  # what the other request read
            theirs.record_conversation(ConversationEntry(recorded_at=NOW, summary="second"))
            await repo.save(theirs)
    async with db.sessions() as session:
        stored = await ContactRepository(session).get(contact.contact_id)
    assert stored is not None
    assert [e.summary for e in stored.entries] == ["first"]
