import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from contracts.reference.referrals import ConsentStatus, DecisionType, ReferralSource, Urgency
from contracts.referrals.v1 import (
    ContactOpened,
    ConversationRecorded,
    FormulationRequested,
    ReReferralFlagged,
)
from referrals.domain.contact import (
    Caller,
    Consent,
    Contact,
    ConversationEntry,
    FormulationStatus,
    TriedSupport,
)
from referrals.domain.decisions import Decision
from referrals.domain.errors import (
    ContactAlreadyDecided,
    FormulationAlreadyRequested,
    FormulationNotRequested,
    InvalidPracticeDate,
    SourceNotForPartners,
)
from referrals.domain.rereferral import ClosedInvolvement

NOW = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def test_a_contact_opens_with_only_its_source():
    contact_id = uuid.uuid4()
    contact = Contact.open(contact_id, ReferralSource.PARENT_OR_CARER, NOW)
    assert contact.is_open
    [event] = contact.events
    assert event == ContactOpened(
        contact_id=contact_id, source="parent_or_carer", opened_at=NOW, opened_on=NOW.date()
    )


def test_a_contact_may_be_dated_when_the_call_was_made_but_not_in_the_future():
    called = NOW.date() - timedelta(days=400)
    contact = Contact.open(uuid.uuid4(), ReferralSource.PARENT_OR_CARER, NOW, opened_on=called)
    assert (contact.practice_opened_on, contact.events[0].opened_on) == (called, called)
    with pytest.raises(InvalidPracticeDate) as refused:
        Contact.open(
            uuid.uuid4(), ReferralSource.PARENT_OR_CARER, NOW, opened_on=NOW.date() + timedelta(1)
        )
    assert [e.field for e in refused.value.errors] == ["opened_on"]


@pytest.mark.parametrize("source", ["duty_and_advice", "early_help_hub", "allocations_panel"])
def test_a_partner_system_cannot_open_a_contact_as_the_councils_own_route(source):
    with pytest.raises(SourceNotForPartners) as refused:
        Contact.open(uuid.uuid4(), ReferralSource(source), NOW, by_partner=True)
    assert [e.field for e in refused.value.errors] == ["source"]
    # The council's own staff open contacts by those routes, and partners by theirs.
    assert Contact.open(uuid.uuid4(), ReferralSource(source), NOW).source.value == source
    assert Contact.open(uuid.uuid4(), ReferralSource.SCHOOL_VIA_CLUSTER, NOW, by_partner=True)


def test_a_contact_keeps_the_worry_in_the_callers_words_but_never_publishes_it():
    contact = Contact.open(
        uuid.uuid4(),
        ReferralSource.SCHOOL_VIA_CLUSTER,
        NOW,
        caller=Caller(name="Jo Bloggs", agency_id="school-123", role="Targeted Services Leader"),
        worry="Amelia has missed school since her dad left",
        cluster_id="inner-east",
    )
    assert contact.worries == ["Amelia has missed school since her dad left"]
    [event] = contact.events
    assert isinstance(event, ContactOpened)
    assert event.referring_agency_id == "school-123"
    assert event.cluster_id == "inner-east"
    body = event.model_dump_json()
    assert "Amelia" not in body and "Jo Bloggs" not in body


def test_conversations_build_up_what_the_contact_knows():
    child_a, child_b, mum = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    contact = Contact.open(uuid.uuid4(), ReferralSource.EARLY_HELP_HUB, NOW)
    contact.record_conversation(
        ConversationEntry(
            recorded_at=NOW,
            recorded_by="worker-1",
            child_ids=frozenset({child_a}),
            tried=(TriedSupport("Attendance meetings", by_whom="school"),),
            urgency=Urgency.SOON,
            consent=Consent(ConsentStatus.GIVEN),
        )
    )
    contact.record_conversation(
        ConversationEntry(
            recorded_at=LATER,
            child_ids=frozenset({child_b}),
            adult_ids=frozenset({mum}),
            tried=(TriedSupport("Parenting course", by_whom="cluster"),),
            family_knows="Mum knows school has called and agrees",
            consent=Consent(
                ConsentStatus.GIVEN, includes_rethink_team=True, includes_group_supervision=True
            ),
            worry="Mum is worried about the younger one too",
        )
    )
    assert contact.child_ids == {child_a, child_b}
    assert contact.adult_ids == {mum}
    assert [t.what for t in contact.tried] == ["Attendance meetings", "Parenting course"]
    assert contact.urgency is Urgency.SOON  # not repeated in the second call, so kept
    assert contact.consent is not None and contact.consent.includes_group_supervision
    assert contact.worries == ["Mum is worried about the younger one too"]
    event = contact.events[-1]
    assert isinstance(event, ConversationRecorded)
    assert event.entry_number == 2
    assert event.recorded_at == LATER
    assert sorted(event.child_ids, key=str) == sorted([child_a, child_b], key=str)
    assert event.things_tried_count == 2
    assert event.consent_status is ConsentStatus.GIVEN
    assert event.consent_includes_group_supervision is True
    body = event.model_dump_json()
    assert "Mum" not in body and "Parenting" not in body


def test_a_decided_contact_takes_no_more_conversations():
    contact = Contact.open(uuid.uuid4(), ReferralSource.OTHER_AGENCY, NOW)
    contact.decide(
        Decision(DecisionType.NO_FURTHER_ACTION, "No concerns", "Thank you; no action needed"),
        LATER,
    )
    with pytest.raises(ContactAlreadyDecided) as raised:
        contact.record_conversation(ConversationEntry(recorded_at=LATER))
    assert raised.value.status == 409
    with pytest.raises(ContactAlreadyDecided):
        contact.decide(Decision(DecisionType.NO_FURTHER_ACTION, "again", "again"), LATER)


def test_a_decision_and_a_conversation_are_not_dated_before_the_contact_opened():
    called = date(2017, 3, 6)
    contact = Contact.open(uuid.uuid4(), ReferralSource.OTHER_AGENCY, NOW, opened_on=called)
    nfa = Decision(DecisionType.NO_FURTHER_ACTION, "No concerns", "Thank you; no action needed")
    with pytest.raises(InvalidPracticeDate) as refused:
        contact.decide(nfa, LATER, decided_on=date(2017, 3, 5))
    assert [e.field for e in refused.value.errors] == ["decided_on"]
    with pytest.raises(InvalidPracticeDate) as refused:
        contact.record_conversation(
            ConversationEntry(recorded_at=datetime(2017, 3, 1, 9, tzinfo=UTC))
        )
    assert [e.field for e in refused.value.errors] == ["recorded_at"]
    assert contact.is_open and contact.entries == []
    contact.decide(nfa, LATER, decided_on=date(2017, 3, 9))
    assert (contact.decided_on, contact.events[-1].decided_on) == (date(2017, 3, 9),) * 2
    assert contact.events[-1].contact_opened_on == called


def test_a_referral_stage_formulation_moves_from_requested_to_opened_to_completed():
    child = uuid.uuid4()
    contact = Contact.open(uuid.uuid4(), ReferralSource.DUTY_AND_ADVICE, NOW)
    contact.record_conversation(ConversationEntry(recorded_at=NOW, child_ids=frozenset({child})))
    request_id, formulation_id = uuid.uuid4(), uuid.uuid4()

    contact.request_formulation(request_id, NOW, requested_by="worker-1")
    event = contact.events[-1]
    assert isinstance(event, FormulationRequested)
    assert event.formulation_request_id == request_id
    assert event.child_ids == [child]
    assert contact.formulation is not None
    assert contact.formulation.status is FormulationStatus.REQUESTED

    assert contact.formulation_opened(formulation_id, LATER)
    assert contact.formulation.status is FormulationStatus.OPENED
    assert contact.formulation.formulation_id == formulation_id
    assert contact.formulation_completed(formulation_id, LATER)
    assert contact.formulation.status is FormulationStatus.COMPLETED


def test_formulation_status_never_moves_back_and_repeats_change_nothing():
    contact = Contact.open(uuid.uuid4(), ReferralSource.DUTY_AND_ADVICE, NOW)
    contact.request_formulation(uuid.uuid4(), NOW)
    formulation_id = uuid.uuid4()
    assert contact.formulation_completed(formulation_id, LATER)
    assert not contact.formulation_opened(formulation_id, LATER)
    assert not contact.formulation_completed(formulation_id, LATER)
    assert contact.formulation is not None
    assert contact.formulation.status is FormulationStatus.COMPLETED


def test_formulation_news_without_a_request_is_refused():
    contact = Contact.open(uuid.uuid4(), ReferralSource.DUTY_AND_ADVICE, NOW)
    with pytest.raises(FormulationNotRequested):
        contact.formulation_opened(uuid.uuid4(), LATER)


def test_a_formulation_is_requested_once_per_contact():
    contact = Contact.open(uuid.uuid4(), ReferralSource.DUTY_AND_ADVICE, NOW)
    request_id = uuid.uuid4()
    contact.request_formulation(request_id, NOW)
    contact.request_formulation(request_id, NOW)
    assert sum(isinstance(e, FormulationRequested) for e in contact.events) == 1
    with pytest.raises(FormulationAlreadyRequested):
        contact.request_formulation(uuid.uuid4(), NOW)


def test_a_child_whose_involvement_closed_within_12_months_is_flagged_once():
    child = uuid.uuid4()
    previous = ClosedInvolvement(closed_on=date(2018, 11, 30), allocation_id=uuid.uuid4())
    contact = Contact.open(uuid.uuid4(), ReferralSource.SCHOOL_VIA_CLUSTER, NOW)
    older = ClosedInvolvement(closed_on=date(2017, 1, 5))

    assert contact.flag_rereferral(child, [older, previous], LATER)
    assert not contact.flag_rereferral(child, [previous], LATER)
    assert contact.is_rereferral
    flags = [e for e in contact.events if isinstance(e, ReReferralFlagged)]
    assert len(flags) == 1
    assert flags[0].person_id == child
    assert flags[0].previous_closed_on == date(2018, 11, 30)
    assert flags[0].previous_allocation_id == previous.allocation_id


def test_a_child_whose_involvement_closed_longer_ago_is_not_flagged():
    contact = Contact.open(uuid.uuid4(), ReferralSource.SCHOOL_VIA_CLUSTER, NOW)
    assert not contact.flag_rereferral(
        uuid.uuid4(), [ClosedInvolvement(closed_on=date(2018, 4, 30))], LATER
    )
    assert not contact.is_rereferral
    assert not any(isinstance(e, ReReferralFlagged) for e in contact.events)
