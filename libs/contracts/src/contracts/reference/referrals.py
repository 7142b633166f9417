"""Referrals reference data: sources, clusters, RES teams, decisions, roles and closure codes.

Source: DfE evaluation of Leeds (Round 2), section 3.4 and Appendix 2 ("How referrals are made
to the RES teams?"), Table 1 for when each RES team started. Codes are the values events carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class UnknownReference(LookupError):
    pass


# -- Where a request for help comes from --------------------------------------------------------


class ReferralSource(StrEnum):
    SCHOOL_VIA_CLUSTER = "school_via_cluster"
    # An academy that opted out of its local cluster: a distinct route because RES is a
    # cluster-owned resource and takes these only where an early help offer is already in place.
    ACADEMY_OUTSIDE_CLUSTER = "academy_outside_cluster"
    AREA_SOCIAL_WORK_STEP_DOWN = "area_social_work_step_down"
    DUTY_AND_ADVICE = "duty_and_advice"
    EARLY_HELP_HUB = "early_help_hub"
    ALLOCATIONS_PANEL = "allocations_panel"
    PARENT_OR_CARER = "parent_or_carer"
    OTHER_AGENCY = "other_agency"


REFERRAL_SOURCE_LABELS: dict[ReferralSource, str] = {
    ReferralSource.SCHOOL_VIA_CLUSTER: "School, through its cluster's Targeted Services Leader",
    ReferralSource.ACADEMY_OUTSIDE_CLUSTER: "Academy outside the cluster arrangement",
    ReferralSource.AREA_SOCIAL_WORK_STEP_DOWN: "Area social work team manager (step down)",
    ReferralSource.DUTY_AND_ADVICE: "Duty and Advice at the Front Door",
    ReferralSource.EARLY_HELP_HUB: "Early Help Hub",
    ReferralSource.ALLOCATIONS_PANEL: "Allocations panel",
    ReferralSource.PARENT_OR_CARER: "Parent or carer",
    ReferralSource.OTHER_AGENCY: "Other agency",
}

# What a partner agency's own system may open a contact as: the routes from outside the
# council. The front door, the hub, the panel and area social work are the council's staff,
# who open contacts with their own tokens; a partner naming one of them misstates the record.
PARTNER_SOURCES: frozenset[ReferralSource] = frozenset(
    {
        ReferralSource.SCHOOL_VIA_CLUSTER,
        ReferralSource.ACADEMY_OUTSIDE_CLUSTER,
        ReferralSource.OTHER_AGENCY,
    }
)

SOURCES_OUTSIDE_CLUSTER_ARRANGEMENT: frozenset[ReferralSource] = frozenset(
    {ReferralSource.ACADEMY_OUTSIDE_CLUSTER}
)


# -- Clusters and RES teams --------------------------------------------------------------------


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    name: str


@dataclass(frozen=True)
class ResTeam:
    team_id: str
    name: str
    cluster_ids: tuple[str, ...]
    started_on: date
    table_1_row: int


# Leeds has 25 clusters; the evaluation names only the seven with a RES team, so only those are
# listed. Other clusters are added here when their names are confirmed.
CLUSTERS: tuple[Cluster, ...] = (
    Cluster("2gether", "2gether"),
    Cluster("seacroft-manston", "Seacroft & Manston"),
    Cluster("inner-east", "Inner East"),
    Cluster("jess", "JESS"),
    Cluster("bcm", "BCM"),
    Cluster("bramley-inner-north-west", "Bramley and Inner North West"),
    Cluster("armley-farnley", "Armley & Farnley"),
)

# Start dates: Table 1 prints no dates, only each team's months before and after RES within
# April 2015 - January 2020 (58 months). The first day of the month is April 2015 plus the
# "pre-RES" months, so each date is a month, not a day (RES 7 in May 2018 agrees with the text:
# "establishment of the RES teams was completed in May 2018").
# The table numbers teams RES 1-7 without naming them; rows are matched to teams in the order
# Appendix 2 lists them. RES 1 (earliest, January 2017) as 2gether fits "first developed ... in
# the 2gether cluster"; the other rows are an assumption to confirm with Leeds.
RES_TEAMS: tuple[ResTeam, ...] = (
    ResTeam("res-2gether", "RES 2gether", ("2gether",), date(2017, 1, 1), 1),
    ResTeam(
        "res-seacroft-manston", "RES Seacroft & Manston", ("seacroft-manston",), date(2018, 3, 1), 2
    ),
    ResTeam("res-inner-east", "RES Inner East", ("inner-east",), date(2017, 10, 1), 3),
    ResTeam("res-jess", "RES JESS", ("jess",), date(2018, 2, 1), 4),
    ResTeam("res-bcm", "RES BCM", ("bcm",), date(2018, 2, 1), 5),
    ResTeam(
        "res-bramley-inner-north-west",
        "RES Bramley and Inner North West",
        ("bramley-inner-north-west",),
        date(2017, 10, 1),
        6,
    ),
    ResTeam("res-armley-farnley", "RES Armley & Farnley", ("armley-farnley",), date(2018, 5, 1), 7),
)


def cluster(cluster_id: str) -> Cluster:
    for row in CLUSTERS:
        if row.cluster_id == cluster_id:
            return row
    raise UnknownReference(f"unknown cluster {cluster_id!r}")


def res_team(team_id: str) -> ResTeam:
    for row in RES_TEAMS:
        if row.team_id == team_id:
            return row
    raise UnknownReference(f"unknown RES team {team_id!r}")


def team_for_cluster(cluster_id: str) -> ResTeam | None:
    """The RES team serving a cluster, or None where the cluster has no RES team."""
    for row in RES_TEAMS:
        if cluster_id in row.cluster_ids:
            return row
    return None


# -- Decisions ---------------------------------------------------------------------------------


class DecisionType(StrEnum):
    ACCEPT_FOR_RES_EARLY_HELP = "accept_for_res_early_help"
    ACCEPT_FOR_RES_CHILD_IN_NEED = "accept_for_res_child_in_need"
    SIGNPOST_TO_CLUSTER = "signpost_to_cluster"
    STEP_UP_TO_AREA_SOCIAL_WORK = "step_up_to_area_social_work"
    REFER_TO_FAMILY_GROUP_CONFERENCING = "refer_to_family_group_conferencing"
    REQUEST_RETHINK_SPACE = "request_rethink_space"
    REQUEST_PRACTICE_AND_PROGRESS = "request_practice_and_progress"
    NO_FURTHER_ACTION = "no_further_action"


DECISION_TYPE_LABELS: dict[DecisionType, str] = {
    DecisionType.ACCEPT_FOR_RES_EARLY_HELP: "Accept for RES: early help",
    DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED: "Accept for RES: child in need",
    DecisionType.SIGNPOST_TO_CLUSTER: "Signpost to cluster / early help services",
    DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK: "Step up to area social work (child protection)",
    DecisionType.REFER_TO_FAMILY_GROUP_CONFERENCING: "Refer to Family Group Conferencing",
    DecisionType.REQUEST_RETHINK_SPACE: "Request a Rethink Space",
    DecisionType.REQUEST_PRACTICE_AND_PROGRESS: "Request a Practice and Progress session",
    DecisionType.NO_FURTHER_ACTION: "No further action",
}

RES_ACCEPTANCES: frozenset[DecisionType] = frozenset(
    {DecisionType.ACCEPT_FOR_RES_EARLY_HELP, DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED}
)


class SupportLevel(StrEnum):
    """RES support is either early help or child in need work (Appendix 2)."""

    EARLY_HELP = "early_help"
    CHILD_IN_NEED = "child_in_need"


SUPPORT_LEVEL_FOR_DECISION: dict[DecisionType, SupportLevel] = {
    DecisionType.ACCEPT_FOR_RES_EARLY_HELP: SupportLevel.EARLY_HELP,
    DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED: SupportLevel.CHILD_IN_NEED,
}


# -- Conversation codes ------------------------------------------------------------------------


class ConsentStatus(StrEnum):
    GIVEN = "given"
    REFUSED = "refused"
    NOT_NEEDED = "not_needed"


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


# -- People and families -----------------------------------------------------------------------


class PersonKind(StrEnum):
    CHILD = "child"
    ADULT = "adult"


class RelationshipKind(StrEnum):
    """How one member of a family relates to another (read: person is <kind> of related person)."""

    PARENT = "parent"
    STEP_PARENT = "step_parent"
    CARER = "carer"
    GRANDPARENT = "grandparent"
    SIBLING = "sibling"
    HALF_SIBLING = "half_sibling"
    STEP_SIBLING = "step_sibling"
    PARTNER = "partner"
    OTHER_RELATIVE = "other_relative"
    HOUSEHOLD_MEMBER = "household_member"


# -- Workers and allocations -------------------------------------------------------------------


class WorkerRole(StrEnum):
    SOCIAL_WORKER = "social_worker"
    FAMILY_SUPPORT_WORKER = "family_support_worker"


# Section 3.4, "The RES staffing and skills": social workers work with up to four families,
# family support workers with eight, so both can work intensively.
DEFAULT_CASELOAD_LIMITS: dict[WorkerRole, int] = {
    WorkerRole.SOCIAL_WORKER: 4,
    WorkerRole.FAMILY_SUPPORT_WORKER: 8,
}


class ReallocationReason(StrEnum):
    WORKER_LEFT_OR_ABSENT = "worker_left_or_absent"
    CASELOAD_BALANCE = "caseload_balance"
    SKILLS_NEEDED = "skills_needed"
    FAMILY_REQUEST = "family_request"


class ClosureReason(StrEnum):
    STEPPED_DOWN_TO_CLUSTER = "stepped_down_to_cluster"
    STEPPED_UP_TO_AREA_SOCIAL_WORK = "stepped_up_to_area_social_work"
    GOALS_ACHIEVED = "goals_achieved"
    FAMILY_WITHDREW = "family_withdrew"
    MOVED_OUT_OF_AREA = "moved_out_of_area"


CLOSURE_REASON_LABELS: dict[ClosureReason, str] = {
    ClosureReason.STEPPED_DOWN_TO_CLUSTER: "Stepped down to cluster / early help services",
    ClosureReason.STEPPED_UP_TO_AREA_SOCIAL_WORK: "Stepped up to area social work",
    ClosureReason.GOALS_ACHIEVED: "Goals achieved",
    ClosureReason.FAMILY_WITHDREW: "Family withdrew from support",
    ClosureReason.MOVED_OUT_OF_AREA: "Family moved out of the area",
}
