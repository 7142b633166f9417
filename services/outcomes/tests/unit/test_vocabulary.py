"""The producers' vocabularies as the measures read them."""

from __future__ import annotations

import pytest
from contracts.outcomes.v1 import ClosureReason
from contracts.reference import goals, referrals
from outcomes.adapters.vocabulary import CLOSURE_REASONS, closure_reason
from outcomes.domain.records import REFERRAL_DECISIONS


def test_every_goals_closure_reason_has_exactly_one_outcomes_reason() -> None:
    assert set(CLOSURE_REASONS) == set(goals.ClosureReason)
    assert sorted(CLOSURE_REASONS.values()) == sorted(ClosureReason)


@pytest.mark.parametrize(
    ("sent", "counted"),
    [
        (goals.ClosureReason.ALL_GOALS_ACHIEVED, ClosureReason.ALL_GOALS_ACHIEVED),
        (goals.ClosureReason.FAMILY_NO_LONGER_WANTED_SUPPORT, ClosureReason.FAMILY_WITHDREW),
        (
            goals.ClosureReason.ESCALATION_TO_AREA_SOCIAL_WORK,
            ClosureReason.ESCALATED_TO_AREA_SOCIAL_WORK,
        ),
        (
            goals.ClosureReason.CONTINUED_INTERVENTION_FURTHER_FORMULATION,
            ClosureReason.FURTHER_FORMULATION,
        ),
        (goals.ClosureReason.SUPPORT_FROM_ANOTHER_SERVICE, ClosureReason.ANOTHER_SERVICE),
    ],
)
def test_a_goals_closure_reason_counts_as_the_evaluation_names_it(
    sent: goals.ClosureReason, counted: ClosureReason
) -> None:
    assert closure_reason(sent) is counted


def test_referrals_are_res_acceptances_and_step_ups_in_the_front_doors_own_words() -> None:
    assert REFERRAL_DECISIONS == {
        referrals.DecisionType.ACCEPT_FOR_RES_EARLY_HELP.value,
        referrals.DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED.value,
        referrals.DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK.value,
    }
    assert REFERRAL_DECISIONS <= set(referrals.DecisionType)
