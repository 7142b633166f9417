import uuid
from datetime import UTC, date, datetime

import pytest
from contracts.reference.referrals import PersonKind, RelationshipKind
from contracts.referrals.v1 import FamilyMembershipRecorded, PersonRegistered, PersonUpdated
from referrals.domain.errors import (
    InvalidFamily,
    InvalidPerson,
    PersonAlreadyRegistered,
    PossibleDuplicatePerson,
)
from referrals.domain.identifiers import PersonDetails
from referrals.domain.people import Family, Person, register_person

NOW = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)
DOB = date(2014, 6, 12)


def amelia(**overrides: object) -> PersonDetails:
    fields: dict[str, object] = {
        "given_name": "Amelia",
        "family_name": "Hart",
        "date_of_birth": DOB,
        "postcode": "LS9 8AA",
        "address_lines": ("1 Example Street",),
        "school": "Example Primary",
    }
    fields.update(overrides)
    return PersonDetails(**fields)  # type: ignore[arg-type]


def registered(details: PersonDetails, kind: PersonKind = PersonKind.CHILD) -> Person:
    return register_person(uuid.uuid4(), kind, details, existing=[], now=NOW)


def test_a_new_child_is_registered_and_the_event_carries_no_identifiers():
    person_id = uuid.uuid4()
    person = register_person(
        person_id, PersonKind.CHILD, amelia(nhs_number="9434765919"), existing=[], now=NOW
    )
    [event] = person.events
    assert isinstance(event, PersonRegistered)
    assert event.person_id == person_id
    assert event.kind is PersonKind.CHILD
    assert event.has_nhs_number is True
    body = event.model_dump_json()
    for identifying in ("Amelia", "Hart", "2014-06-12", "LS9", "9434765919", "Example"):
        assert identifying not in body


def test_the_same_nhs_number_is_refused_and_points_at_the_existing_record():
    first = registered(amelia(nhs_number="9434765919"))
    with pytest.raises(PersonAlreadyRegistered) as raised:
        register_person(
            uuid.uuid4(),
            PersonKind.CHILD,
            PersonDetails(given_name="Millie", nhs_number="943 476 5919"),
            existing=[first],
            now=NOW,
            confirmed_distinct_from={first.person_id: "Another child: checked with the school"},
        )
    assert raised.value.status == 409
    assert raised.value.extra == {"person_id": str(first.person_id)}


def test_a_near_match_must_be_confirmed_before_registering():
    first = registered(amelia())
    moved = amelia(postcode="LS12 3AB")

    with pytest.raises(PossibleDuplicatePerson) as raised:
        register_person(uuid.uuid4(), PersonKind.CHILD, moved, existing=[first], now=NOW)
    assert raised.value.status == 409
    [offered] = raised.value.extra["matches"]
    assert offered["person_id"] == str(first.person_id)
    assert offered["strength"] == "possible"
    assert "date_of_birth_same" in offered["reasons"]

    second = register_person(
        uuid.uuid4(),
        PersonKind.CHILD,
        moved,
        existing=[first],
        now=NOW,
        confirmed_distinct_from={first.person_id: "Another child: checked with the school"},
    )
    [event] = second.events
    assert isinstance(event, PersonRegistered)
    assert event.near_matches_confirmed_distinct == 1


def test_confirming_one_near_match_does_not_confirm_another():
    first = registered(amelia())
    second_record = registered(amelia(postcode="LS12 3AB"))
    with pytest.raises(PossibleDuplicatePerson) as raised:
        register_person(
            uuid.uuid4(),
            PersonKind.CHILD,
            amelia(postcode="LS14 1AA"),
            existing=[first, second_record],
            now=NOW,
            confirmed_distinct_from={first.person_id: "Another child: checked with the school"},
        )
    assert [m["person_id"] for m in raised.value.extra["matches"]] == [str(second_record.person_id)]


def test_a_person_needs_a_name_and_a_date_of_birth_not_in_the_future():
    with pytest.raises(InvalidPerson) as raised:
        register_person(
            uuid.uuid4(),
            PersonKind.CHILD,
            PersonDetails(date_of_birth=date(2030, 1, 1)),
            existing=[],
            now=NOW,
        )
    assert {e.field for e in raised.value.errors} == {"family_name", "date_of_birth"}


def test_an_update_names_the_fields_that_changed_but_not_their_values():
    person = registered(amelia())
    person.events.clear()
    changed = person.update(amelia(postcode="LS12 3AB", school="Another School"), NOW)
    assert changed == ["postcode", "school"]
    assert person.details.postcode == "LS12 3AB"
    [event] = person.events
    assert isinstance(event, PersonUpdated)
    assert event.changed_fields == ["postcode", "school"]
    assert "LS12" not in event.model_dump_json()


def test_an_update_that_changes_nothing_records_nothing():
    person = registered(amelia())
    person.events.clear()
    assert person.update(amelia(given_name=" Amelia "), NOW) == []
    assert person.events == []


def test_an_update_to_an_nhs_number_held_by_someone_else_is_refused():
    holder = registered(PersonDetails(given_name="Millie", nhs_number="9434765919"))
    person = registered(amelia())
    with pytest.raises(PersonAlreadyRegistered):
        person.update(amelia(nhs_number="9434765919"), NOW, existing=[holder, person])
    assert person.details.nhs_number is None


def test_a_family_groups_children_and_adults_with_relationships():
    child, mum = uuid.uuid4(), uuid.uuid4()
    family = Family.form(uuid.uuid4(), {child: PersonKind.CHILD, mum: PersonKind.ADULT}, NOW)
    family.relate(mum, child, RelationshipKind.PARENT, NOW)
    event = family.events[-1]
    assert isinstance(event, FamilyMembershipRecorded)
    assert event.child_ids == [child]
    assert event.adult_ids == [mum]
    [rel] = event.relationships
    assert (rel.person_id, rel.related_person_id, rel.kind) == (mum, child, RelationshipKind.PARENT)


def test_recording_a_relationship_again_replaces_it():
    child, carer = uuid.uuid4(), uuid.uuid4()
    family = Family.form(uuid.uuid4(), {child: PersonKind.CHILD, carer: PersonKind.ADULT}, NOW)
    family.relate(carer, child, RelationshipKind.PARENT, NOW)
    family.relate(carer, child, RelationshipKind.STEP_PARENT, NOW)
    assert [r.kind for r in family.relationships] == [RelationshipKind.STEP_PARENT]


def test_a_family_needs_a_child_and_keeps_one():
    adult = uuid.uuid4()
    with pytest.raises(InvalidFamily):
        Family.form(uuid.uuid4(), {adult: PersonKind.ADULT}, NOW)
    child = uuid.uuid4()
    family = Family.form(uuid.uuid4(), {child: PersonKind.CHILD, adult: PersonKind.ADULT}, NOW)
    with pytest.raises(InvalidFamily):
        family.remove_member(child, NOW)
    assert child in family.members


def test_only_members_can_be_related():
    child = uuid.uuid4()
    family = Family.form(uuid.uuid4(), {child: PersonKind.CHILD}, NOW)
    with pytest.raises(InvalidFamily) as raised:
        family.relate(uuid.uuid4(), child, RelationshipKind.PARENT, NOW)
    assert [e.field for e in raised.value.errors] == ["person_id"]


def test_removing_a_member_drops_their_relationships():
    child, sibling = uuid.uuid4(), uuid.uuid4()
    family = Family.form(uuid.uuid4(), {child: PersonKind.CHILD, sibling: PersonKind.CHILD}, NOW)
    family.relate(sibling, child, RelationshipKind.SIBLING, NOW)
    family.remove_member(sibling, NOW)
    assert family.relationships == []
    assert family.child_ids == [child]


def test_confirming_a_near_match_is_someone_else_needs_a_reason_and_keeps_it():
    first = registered(amelia())
    moved = amelia(postcode="LS12 3AB")
    with pytest.raises(InvalidPerson) as raised:
        register_person(
            uuid.uuid4(),
            PersonKind.CHILD,
            moved,
            existing=[first],
            now=NOW,
            confirmed_distinct_from={first.person_id: "   "},
        )
    assert [e.field for e in raised.value.errors] == ["confirmed_distinct_from.0.reason"]

    second = register_person(
        uuid.uuid4(),
        PersonKind.CHILD,
        moved,
        existing=[first],
        now=NOW,
        confirmed_distinct_from={first.person_id: " Different mother; checked with the school "},
        confirmed_by="duty-worker-1",
    )
    [kept] = second.distinct_from
    assert kept.person_id == first.person_id
    assert kept.reason == "Different mother; checked with the school"
    assert kept.confirmed_by == "duty-worker-1" and kept.confirmed_at == NOW
