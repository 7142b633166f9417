"""Words for the codes the APIs answer with, from the platform's reference data, and dates
written the GOV.UK way ("3 December 2026 at 2:05pm")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from contracts.reference.formulation import ParticipantRole
from contracts.reference.referrals import (
    CLOSURE_REASON_LABELS,
    CLUSTERS,
    DECISION_TYPE_LABELS,
    REFERRAL_SOURCE_LABELS,
    RES_TEAMS,
)

LONDON = ZoneInfo("Europe/London")

PARTICIPANT_ROLE_LABELS: dict[str, str] = {
    ParticipantRole.PARENT_CARER: "Parent or carer",
    ParticipantRole.YOUNG_PERSON: "Young person",
    ParticipantRole.OTHER_FAMILY_MEMBER: "Other family member",
    ParticipantRole.FAMILY_VOICE: "Family voice (speaks for the family)",
    ParticipantRole.SCHOOL: "School",
    ParticipantRole.PRACTITIONER: "Practitioner",
    ParticipantRole.SOCIAL_WORKER: "Social worker",
    ParticipantRole.HEALTH: "Health",
    ParticipantRole.OTHER_AGENCY: "Other agency",
    ParticipantRole.SUPERVISOR: "Supervisor",
    ParticipantRole.PEER: "Peer",
}

SOURCES = {k.value: v for k, v in REFERRAL_SOURCE_LABELS.items()}
DECISIONS = {k.value: v for k, v in DECISION_TYPE_LABELS.items()}
CLOSURES = {k.value: v for k, v in CLOSURE_REASON_LABELS.items()}
CLUSTER_NAMES = {c.cluster_id: c.name for c in CLUSTERS}
TEAM_NAMES = {t.team_id: t.name for t in RES_TEAMS}
URGENCIES = {"routine": "Routine", "soon": "Soon", "urgent": "Urgent"}
CONSENT = {
    "given": "Given",
    "refused": "Refused",
    "not_needed": "Not needed",
}
STATUSES = {"open": "Open", "decided": "Decided"}
FORMULATION = {
    "requested": "Asked for",
    "opened": "Started",
    "completed": "Completed",
}
WORKER_ROLES = {"social_worker": "Social worker", "family_support_worker": "Family support worker"}
FIELD_LABELS = {
    "child_ids": "Children",
    "adult_ids": "Adults",
    "family_id": "Family",
    "consent": "Consent",
    "consent.status": "Consent",
    "consent.not_needed_reason": "Why consent is not needed",
    "consent.includes_rethink_team": "Consent to share with the Rethink team",
    "consent.includes_group_supervision": "Consent to share in group supervision",
    "cluster_id": "Cluster",
    "early_help_offer_in_place": "Early help offer",
    "rationale": "Why this decision",
    "explanation_for_referrer": "Explanation for the referrer",
    "lead_worker_id": "Lead worker",
}


def label(table: dict[str, str], code: Any) -> str:
    if code is None or code == "":
        return "Not recorded"
    return table.get(str(code), str(code).replace("_", " ").capitalize())


def when(value: Any) -> str:
    """An API timestamp or date in words, in UK time."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            # A bare date ("2014-06-12") is a day, not midnight of it.
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        local = value.astimezone(LONDON)
        hour = local.strftime("%I").lstrip("0") or "12"
        minutes = local.strftime("%M")
        clock = f"{hour}{'' if minutes == '00' else ':' + minutes}{local.strftime('%p').lower()}"
        return f"{local.day} {local.strftime('%B %Y')} at {clock}"
    if isinstance(value, date):
        return f"{value.day} {value.strftime('%B %Y')}"
    return str(value)


def person_name(person: dict[str, Any] | None) -> str:
    if not person:
        return "Unknown person"
    name = " ".join(p for p in (person.get("given_name"), person.get("family_name")) if p)
    return name or "No name recorded"


JINJA_FILTERS = {"when": when}
JINJA_GLOBALS = {
    "label": label,
    "person_name": person_name,
    "SOURCES": SOURCES,
    "DECISIONS": DECISIONS,
    "CLOSURES": CLOSURES,
    "CLUSTER_NAMES": CLUSTER_NAMES,
    "TEAM_NAMES": TEAM_NAMES,
    "URGENCIES": URGENCIES,
    "CONSENT": CONSENT,
    "STATUSES": STATUSES,
    "FORMULATION": FORMULATION,
    "WORKER_ROLES": WORKER_ROLES,
}
