import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from contracts.reference.referrals import (
    ConsentStatus,
    DecisionType,
    ReferralSource,
    SupportLevel,
    Urgency,
)
from contracts.referrals.v1 import DecisionMade
from referrals.domain.contact import Consent, Contact, ConversationEntry
from referrals.domain.decisions import Decision, missing_for_decision
from referrals.domain.errors import AcademyNeedsEarlyHelpOffer, DecisionIncomplete
from referrals.domain.rereferral import ClosedInvolvement

NOW = datetime(2019, 5, 1, 10, 0, tzinfo=UTC)
DECIDED = NOW + timedelta(days=2)
FULL_CONSENT = Consent(
    ConsentStatus.GIVEN, includes_rethink_team=True, includes_group_supervision=True
)


def open_contact(source: ReferralSource = ReferralSource.SCHOOL_VIA_CLUSTER) -> Contact:
    return Contact.open(uuid.uuid4(), source, NOW)


def ready_contact(
    source: ReferralSource = ReferralSource.SCHOOL_VIA_CLUSTER,
    *,
    consent: Consent = FULL_CONSENT,
    cluster_id: str = "inner-east",
    early_help_offer_in_place: bool | None = None,
) -> Contact:
    contact = open_contact(source)
    contact.record_conversation(
        ConversationEntry(
            recorded_at=NOW,
            child_ids=frozenset({uuid.uuid4()}),
            family_id=uuid.uuid4(),
            consent=consent,
            cluster_id=cluster_id,
            urgency=Urgency.ROUTINE,
            early_help_offer_in_place=early_help_offer_in_place,
        )
    )
    return contact


def decision(kind: DecisionType) -> Decision:
    return Decision(
        kind,
        rationale="Needs intensive support the cluster cannot give",
        explanation_for_referrer="We will work with the family",
        decided_by="manager-1",
    )


def fields_missing(contact: Contact, kind: DecisionType, **overrides: object) -> set[str]:
    chosen = Decision(kind, **overrides) if overrides else decision(kind)  # type: ignore[arg-type]
    return {e.field for e in missing_for_decision(contact, chosen)}


def test_accepting_for_res_lists_every_missing_field_at_once():
    contact = open_contact()
    with pytest.raises(DecisionIncomplete) as raised:
        contact.decide(Decision(DecisionType.ACCEPT_FOR_RES_EARLY_HELP), DECIDED)
    assert raised.value.status == 422
    assert {e.field for e in raised.value.errors} == {
        "rationale",
        "explanation_for_referrer",
        "child_ids",
        "consent",
        "cluster_id",
        "family_id",
    }
    assert contact.is_open
    assert not any(isinstance(e, DecisionMade) for e in contact.events)


def test_no_further_action_needs_only_a_rationale_and_an_explanation():
    contact = open_contact()
    assert fields_missing(contact, DecisionType.NO_FURTHER_ACTION, rationale="  ") == {
        "rationale",
        "explanation_for_referrer",
    }
    assert fields_missing(contact, DecisionType.NO_FURTHER_ACTION) == set()


def test_res_needs_consent_that_includes_group_supervision():
    contact = ready_contact(consent=Consent(ConsentStatus.GIVEN, includes_rethink_team=True))
    assert fields_missing(contact, DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED) == {
        "consent.includes_group_supervision"
    }


def test_a_rethink_space_or_practice_and_progress_needs_consent_to_share_with_the_rethink_team():
    contact = ready_contact(consent=Consent(ConsentStatus.GIVEN, includes_group_supervision=True))
    for kind in (DecisionType.REQUEST_RETHINK_SPACE, DecisionType.REQUEST_PRACTICE_AND_PROGRESS):
        assert fields_missing(contact, kind) == {"consent.includes_rethink_team"}


def test_refused_consent_blocks_a_referral_on_but_not_a_step_up_for_child_protection():
    contact = ready_contact(consent=Consent(ConsentStatus.REFUSED))
    assert fields_missing(contact, DecisionType.REFER_TO_FAMILY_GROUP_CONFERENCING) == {
        "consent.status"
    }
    assert fields_missing(contact, DecisionType.SIGNPOST_TO_CLUSTER) == {"consent.status"}
    assert fields_missing(contact, DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK) == set()


def test_a_step_up_still_needs_consent_recorded_one_way_or_the_other():
    contact = open_contact()
    contact.record_conversation(
        ConversationEntry(recorded_at=NOW, child_ids=frozenset({uuid.uuid4()}))
    )
    assert fields_missing(contact, DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK) == {"consent"}


def test_consent_not_needed_must_say_why():
    without_reason = ready_contact(consent=Consent(ConsentStatus.NOT_NEEDED))
    assert fields_missing(without_reason, DecisionType.ACCEPT_FOR_RES_EARLY_HELP) == {
        "consent.not_needed_reason"
    }
    with_reason = ready_contact(
        consent=Consent(ConsentStatus.NOT_NEEDED, not_needed_reason="Shared under a court order")
    )
    assert fields_missing(with_reason, DecisionType.ACCEPT_FOR_RES_EARLY_HELP) == set()


def test_res_needs_a_cluster_that_has_a_res_team():
    contact = ready_contact(cluster_id="a-cluster-without-res")
    [error] = missing_for_decision(contact, decision(DecisionType.ACCEPT_FOR_RES_EARLY_HELP))
    assert error.field == "cluster_id"
    assert "No RES team" in error.message
    # Signposting only needs to know the cluster.
    assert fields_missing(contact, DecisionType.SIGNPOST_TO_CLUSTER) == set()


def test_an_academy_outside_the_cluster_needs_an_early_help_offer():
    contact = ready_contact(ReferralSource.ACADEMY_OUTSIDE_CLUSTER)
    with pytest.raises(AcademyNeedsEarlyHelpOffer) as raised:
        contact.decide(decision(DecisionType.ACCEPT_FOR_RES_EARLY_HELP), DECIDED)
    assert [e.field for e in raised.value.errors] == ["early_help_offer_in_place"]
    assert contact.is_open

    # Other routes stay open to the academy's family without an early help offer.
    contact.decide(decision(DecisionType.SIGNPOST_TO_CLUSTER), DECIDED)
    assert contact.decision is not None


def test_an_academy_with_an_early_help_offer_in_place_can_be_accepted_for_res():
    contact = ready_contact(ReferralSource.ACADEMY_OUTSIDE_CLUSTER, early_help_offer_in_place=True)
    contact.decide(decision(DecisionType.ACCEPT_FOR_RES_EARLY_HELP), DECIDED)
    assert contact.team_id == "res-inner-east"


def test_a_decision_records_rationale_and_explanation_and_tells_outcomes_what_it_counts():
    contact = ready_contact()
    contact.flag_rereferral(
        next(iter(contact.child_ids)), [ClosedInvolvement(closed_on=date(2019, 1, 10))], NOW
    )
    made = decision(DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED)
    contact.decide(made, DECIDED)

    assert contact.decision == made
    assert contact.decided_at == DECIDED
    event = contact.events[-1]
    assert isinstance(event, DecisionMade)
    assert event.contact_id == contact.contact_id
    assert event.decision_type is DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED
    assert event.source is ReferralSource.SCHOOL_VIA_CLUSTER
    assert event.cluster_id == "inner-east"
    assert event.team_id == "res-inner-east"
    assert event.support_level is SupportLevel.CHILD_IN_NEED
    assert event.family_id == contact.family_id
    assert event.contact_opened_at == NOW
    assert event.decided_at == DECIDED
    assert event.is_rereferral is True
    body = event.model_dump_json()
    assert made.rationale is not None and made.rationale not in body
    assert made.explanation_for_referrer is not None and made.explanation_for_referrer not in body


def test_a_decision_other_than_res_names_no_team():
    contact = ready_contact()
    contact.decide(decision(DecisionType.REFER_TO_FAMILY_GROUP_CONFERENCING), DECIDED)
    event = contact.events[-1]
    assert isinstance(event, DecisionMade)
    assert event.team_id is None
    assert event.support_level is None
    assert event.is_rereferral is False


# -- what the decision page shows before anything is submitted -----------------------------


def test_still_needed_lists_for_each_decision_what_the_conversation_lacks():
    from referrals.domain.decisions import still_needed

    needed = still_needed(open_contact())
    assert set(needed) == set(DecisionType)
    res = {e.field for e in needed[DecisionType.ACCEPT_FOR_RES_EARLY_HELP]}
    assert res == {"child_ids", "consent", "cluster_id", "family_id"}
    assert needed[DecisionType.NO_FURTHER_ACTION] == []
    # the rationale and explanation come with the decision, not from the conversation
    assert "rationale" not in res and "explanation_for_referrer" not in res


def test_still_needed_is_empty_for_a_ready_contact_and_names_the_narrower_consent():
    from referrals.domain.decisions import still_needed

    partial = Consent(ConsentStatus.GIVEN, includes_rethink_team=True)
    needed = still_needed(ready_contact(consent=partial))
    assert [e.field for e in needed[DecisionType.ACCEPT_FOR_RES_EARLY_HELP]] == [
        "consent.includes_group_supervision"
    ]
    assert needed[DecisionType.SIGNPOST_TO_CLUSTER] == []
    assert all(v == [] for k, v in still_needed(ready_contact()).items())


def test_still_needed_shows_the_academy_rule_for_a_res_acceptance():
    from referrals.domain.decisions import still_needed

    needed = still_needed(ready_contact(ReferralSource.ACADEMY_OUTSIDE_CLUSTER))
    assert [e.field for e in needed[DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED]] == [
        "early_help_offer_in_place"
    ]
    assert needed[DecisionType.SIGNPOST_TO_CLUSTER] == []
