import uuid
from datetime import UTC, datetime

from contracts import topics
from contracts.envelope import Envelope
from contracts.reference.referrals import DecisionType, ReferralSource
from contracts.referrals import v1
from contracts.registry import all_events, parse_payload

REFERRALS_EVENTS = [e for e in all_events() if e.event_type.startswith("referrals.")]

# Words that would mean a payload carries identifying details or free text about a family.
IDENTIFYING = (
    "name",
    "birth",
    "dob",
    "address",
    "postcode",
    "nhs_number",
    "school",
    "worry",
    "rationale",
    "explanation",
    "summary",
    "note",
    "knows",
    "phone",
    "email",
)


def test_the_referrals_events_the_other_services_rely_on_are_registered():
    types = {e.event_type for e in REFERRALS_EVENTS}
    assert {
        "referrals.contact.opened.v1",
        "referrals.contact.conversation_recorded.v1",
        "referrals.contact.decision_made.v1",
        "referrals.contact.rereferral_flagged.v1",
        "referrals.contact.formulation_requested.v1",
        "referrals.person.registered.v1",
        "referrals.person.updated.v1",
        "referrals.family.membership_recorded.v1",
        "referrals.allocation.family_allocated.v1",
        "referrals.allocation.family_reallocated.v1",
        "referrals.allocation.closed.v1",
    } <= types


def test_each_event_goes_to_its_topic_keyed_by_its_aggregate():
    expected = {
        topics.REFERRALS_CONTACT: "contact_id",
        topics.REFERRALS_PERSON: "person_id",
        topics.REFERRALS_ALLOCATION: "family_id",
    }
    for payload in REFERRALS_EVENTS:
        assert payload.topic in expected, payload.event_type
        assert payload.key_field == expected[payload.topic], payload.event_type
        assert payload.key_field in payload.model_fields
        service, aggregate, _, version = payload.event_type.split(".")
        assert (service, version) == ("referrals", "v1")
        assert aggregate == payload.aggregate_type


def test_no_event_field_can_carry_identifying_details_or_free_text():
    for payload in REFERRALS_EVENTS:
        for field, info in payload.model_fields.items():
            if info.annotation is bool:  # a yes/no such as has_nhs_number reveals no value
                continue
            assert not any(word in field for word in IDENTIFYING), (payload.event_type, field)


def test_contact_opened_keeps_its_original_shape():
    assert set(v1.ContactOpened.model_fields) == {
        "contact_id",
        "source",
        "referring_agency_id",
        "cluster_id",
        "opened_at",
        "opened_on",  # added within v1: the practice date, optional
    }


def test_a_decision_survives_the_envelope_round_trip():
    payload = v1.DecisionMade(
        contact_id=uuid.uuid4(),
        decision_type=DecisionType.ACCEPT_FOR_RES_EARLY_HELP,
        source=ReferralSource.EARLY_HELP_HUB,
        cluster_id="jess",
        team_id="res-jess",
        contact_opened_at=datetime(2019, 5, 1, tzinfo=UTC),
        decided_at=datetime(2019, 5, 3, tzinfo=UTC),
        is_rereferral=True,
    )
    envelope = Envelope.wrap(payload, source="referrals")
    rebuilt = Envelope.from_kafka(envelope.kafka_headers(), envelope.kafka_value())
    assert parse_payload(rebuilt) == payload
    assert rebuilt.subject == str(payload.contact_id)
