"""What each decision on a contact needs before it can be made, and the rules it must keep."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from contracts.reference.referrals import (
    RES_ACCEPTANCES,
    SOURCES_OUTSIDE_CLUSTER_ARRANGEMENT,
    ConsentStatus,
    DecisionType,
    team_for_cluster,
)

from referrals.domain.errors import AcademyNeedsEarlyHelpOffer, DecisionIncomplete, FieldError

if TYPE_CHECKING:
    from referrals.domain.contact import Contact


@dataclass(frozen=True)
class Decision:
    """A decision on a contact: the rationale stays internal, the explanation goes to the referrer."""

    decision_type: DecisionType
    rationale: str | None = None
    explanation_for_referrer: str | None = None
    decided_by: str | None = None


class ConsentNeed(Enum):
    NONE = "none"
    # Recorded either way: child protection concerns go ahead without agreement.
    RECORDED = "recorded"
    TO_SHARE = "to_share"
    TO_SHARE_WITH_RETHINK_TEAM = "to_share_with_rethink_team"
    # RES discusses every family's formulation and plan in group supervision.
    TO_SHARE_WITH_GROUP_SUPERVISION = "to_share_with_group_supervision"


@dataclass(frozen=True)
class DecisionNeeds:
    child: bool
    consent: ConsentNeed
    cluster: bool = False
    res_team: bool = False
    family: bool = False


DECISION_NEEDS: dict[DecisionType, DecisionNeeds] = {
    DecisionType.ACCEPT_FOR_RES_EARLY_HELP: DecisionNeeds(
        child=True,
        consent=ConsentNeed.TO_SHARE_WITH_GROUP_SUPERVISION,
        cluster=True,
        res_team=True,
        family=True,
    ),
    DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED: DecisionNeeds(
        child=True,
        consent=ConsentNeed.TO_SHARE_WITH_GROUP_SUPERVISION,
        cluster=True,
        res_team=True,
        family=True,
    ),
    DecisionType.SIGNPOST_TO_CLUSTER: DecisionNeeds(
        child=True, consent=ConsentNeed.TO_SHARE, cluster=True
    ),
    DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK: DecisionNeeds(
        child=True, consent=ConsentNeed.RECORDED
    ),
    DecisionType.REFER_TO_FAMILY_GROUP_CONFERENCING: DecisionNeeds(
        child=True, consent=ConsentNeed.TO_SHARE
    ),
    DecisionType.REQUEST_RETHINK_SPACE: DecisionNeeds(
        child=True, consent=ConsentNeed.TO_SHARE_WITH_RETHINK_TEAM
    ),
    DecisionType.REQUEST_PRACTICE_AND_PROGRESS: DecisionNeeds(
        child=True, consent=ConsentNeed.TO_SHARE_WITH_RETHINK_TEAM
    ),
    DecisionType.NO_FURTHER_ACTION: DecisionNeeds(child=False, consent=ConsentNeed.NONE),
}


def missing_for_decision(contact: Contact, decision: Decision) -> list[FieldError]:
    """Everything the decision needs that the conversation has not yet recorded."""
    missing: list[FieldError] = []
    if not _text(decision.rationale):
        missing.append(FieldError("rationale", "Record why this decision was made"))
    if not _text(decision.explanation_for_referrer):
        missing.append(
            FieldError("explanation_for_referrer", "Explain the decision for the referrer")
        )
    return missing + missing_from_conversation(contact, decision.decision_type)


def still_needed(contact: Contact) -> dict[DecisionType, list[FieldError]]:
    """For each decision, what the conversation must still record before it can be made (the
    rationale and the explanation for the referrer are given with the decision itself), the
    academy rule included: what the decision page shows before anything is submitted."""
    needed: dict[DecisionType, list[FieldError]] = {}
    for kind in DecisionType:
        missing = missing_from_conversation(contact, kind)
        if not missing:
            try:
                ensure_academy_has_early_help_offer(contact, Decision(kind))
            except AcademyNeedsEarlyHelpOffer as refused:
                missing = list(refused.errors)
        needed[kind] = missing
    return needed


def missing_from_conversation(contact: Contact, kind: DecisionType) -> list[FieldError]:
    """What a decision of this kind needs from the contact that it does not yet hold."""
    needs = DECISION_NEEDS[kind]
    missing: list[FieldError] = []
    if needs.child and not contact.child_ids:
        missing.append(FieldError("child_ids", "Identify at least one child"))
    missing.extend(_missing_consent(contact, needs.consent))
    if needs.cluster:
        if not contact.cluster_id:
            missing.append(FieldError("cluster_id", "Record the family's cluster"))
        elif needs.res_team and team_for_cluster(contact.cluster_id) is None:
            missing.append(
                FieldError("cluster_id", f"No RES team serves the {contact.cluster_id} cluster")
            )
    if needs.family and contact.family_id is None:
        missing.append(FieldError("family_id", "Record the family the children belong to"))
    return missing


def ensure_decision_is_complete(contact: Contact, decision: Decision) -> None:
    """Refuse a decision while anything it needs is missing, listing every missing field."""
    missing = missing_for_decision(contact, decision)
    if missing:
        raise DecisionIncomplete(
            detail=f"{len(missing)} thing{'s' if len(missing) != 1 else ''} needed before "
            f"deciding {decision.decision_type.value}",
            errors=missing,
        )
    ensure_academy_has_early_help_offer(contact, decision)


def ensure_academy_has_early_help_offer(contact: Contact, decision: Decision) -> None:
    """RES is cluster-owned; an academy that opted out of its cluster gets RES support only
    where an early help offer was already in place before the referral (section 3.4)."""
    if (
        decision.decision_type in RES_ACCEPTANCES
        and contact.source in SOURCES_OUTSIDE_CLUSTER_ARRANGEMENT
        and contact.early_help_offer_in_place is not True
    ):
        raise AcademyNeedsEarlyHelpOffer(
            detail="Record that an early help offer is already in place, or route elsewhere",
            errors=[
                FieldError(
                    "early_help_offer_in_place",
                    "An academy outside the cluster needs an early help offer already in place",
                )
            ],
        )


def _missing_consent(contact: Contact, need: ConsentNeed) -> list[FieldError]:
    if need is ConsentNeed.NONE:
        return []
    consent = contact.consent
    if consent is None:
        return [FieldError("consent", "Record the family's consent, or why consent is not needed")]
    if consent.status is ConsentStatus.NOT_NEEDED:
        if not _text(consent.not_needed_reason):
            return [FieldError("consent.not_needed_reason", "Record why consent is not needed")]
        return []
    if need is ConsentNeed.RECORDED:
        return []
    if consent.status is ConsentStatus.REFUSED:
        return [FieldError("consent.status", "The family has not agreed to share information")]
    if need is ConsentNeed.TO_SHARE_WITH_RETHINK_TEAM and not consent.includes_rethink_team:
        return [
            FieldError("consent.includes_rethink_team", "Consent must include the Rethink team")
        ]
    if (
        need is ConsentNeed.TO_SHARE_WITH_GROUP_SUPERVISION
        and not consent.includes_group_supervision
    ):
        return [
            FieldError(
                "consent.includes_group_supervision", "Consent must include group supervision"
            )
        ]
    return []


def _text(value: str | None) -> bool:
    return bool(value and value.strip())
