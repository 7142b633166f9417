from datetime import date

from contracts.reference.referrals import (
    CLUSTERS,
    DECISION_TYPE_LABELS,
    DEFAULT_CASELOAD_LIMITS,
    REFERRAL_SOURCE_LABELS,
    RES_TEAMS,
    DecisionType,
    ReferralSource,
    WorkerRole,
    cluster,
    team_for_cluster,
)
from referrals.domain.decisions import DECISION_NEEDS

# Table 1: months before RES in each row, within April 2015 - January 2020 (58 months).
TABLE_1_PRE_AND_POST_MONTHS = {
    1: (21, 37),
    2: (35, 23),
    3: (30, 28),
    4: (34, 24),
    5: (34, 24),
    6: (30, 28),
    7: (37, 21),
}


def _months_after_april_2015(months: int) -> date:
    index = 2015 * 12 + 3 + months  # April is month index 3
    return date(index // 12, index % 12 + 1, 1)


def test_there_are_seven_res_teams_each_serving_a_listed_cluster():
    assert len(RES_TEAMS) == 7
    assert {c.name for c in CLUSTERS} == {
        "2gether",
        "Seacroft & Manston",
        "Inner East",
        "JESS",
        "BCM",
        "Bramley and Inner North West",
        "Armley & Farnley",
    }
    for c in CLUSTERS:
        team = team_for_cluster(c.cluster_id)
        assert team is not None
        assert cluster(c.cluster_id) == c
    served = [cid for team in RES_TEAMS for cid in team.cluster_ids]
    assert len(served) == len(set(served)) == len(CLUSTERS)


def test_res_team_start_months_follow_table_1():
    assert sorted(t.table_1_row for t in RES_TEAMS) == list(range(1, 8))
    for team in RES_TEAMS:
        pre, post = TABLE_1_PRE_AND_POST_MONTHS[team.table_1_row]
        assert pre + post == 58
        assert team.started_on == _months_after_april_2015(pre)
    assert max(t.started_on for t in RES_TEAMS) == date(2018, 5, 1)  # "completed in May 2018"


def test_caseload_defaults_are_four_and_eight():
    assert DEFAULT_CASELOAD_LIMITS == {
        WorkerRole.SOCIAL_WORKER: 4,
        WorkerRole.FAMILY_SUPPORT_WORKER: 8,
    }


def test_every_source_and_decision_type_has_a_label_and_every_decision_its_needs():
    assert set(REFERRAL_SOURCE_LABELS) == set(ReferralSource)
    assert set(DECISION_TYPE_LABELS) == set(DecisionType)
    assert set(DECISION_NEEDS) == set(DecisionType)
