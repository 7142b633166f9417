"""The 4 Ps of prioritisation: a perpetuating factor is a priority only if it meets all four."""

from __future__ import annotations

import itertools

import pytest
from contracts.reference.formulation import SixP
from formulation.domain.errors import PrioritisationNeedsPerpetuatingFactor
from formulation.domain.formulation import Formulation
from formulation.domain.prioritisation import FourPsAssessment

ALL_FOUR = FourPsAssessment(
    prerequisite=True, powerful=True, proximal=True, participants_goals=True
)
THREE_OF_FOUR = [
    FourPsAssessment(*flags)
    for flags in itertools.product([True, False], repeat=4)
    if sum(flags) == 3
]


def test_a_perpetuating_factor_meeting_all_four_ps_is_a_priority(draft: Formulation) -> None:
    factor = draft.add_factor(SixP.PERPETUATING, "Nobody checks homework")

    assessed = draft.assess_prioritisation(factor.id, ALL_FOUR)

    assert assessed.is_priority
    assert draft.priorities() == (assessed,)


@pytest.mark.parametrize("assessment", THREE_OF_FOUR)
def test_a_factor_meeting_three_of_the_four_ps_is_not_a_priority(
    draft: Formulation, assessment: FourPsAssessment
) -> None:
    factor = draft.add_factor(SixP.PERPETUATING, "Nobody checks homework")

    assessed = draft.assess_prioritisation(factor.id, assessment)

    assert assessment.criteria_met == 3
    assert not assessed.is_priority
    assert draft.priorities() == ()


def test_an_unassessed_perpetuating_factor_is_not_a_priority(draft: Formulation) -> None:
    draft.add_factor(SixP.PERPETUATING, "Nobody checks homework")
    assert draft.priorities() == ()


def test_assessing_the_four_ps_on_a_non_perpetuating_factor_is_refused(
    draft: Formulation,
) -> None:
    for p in SixP:
        if p is SixP.PERPETUATING:
            continue
        factor = draft.add_factor(p, f"a {p.value} factor")
        with pytest.raises(PrioritisationNeedsPerpetuatingFactor) as refused:
            draft.assess_prioritisation(factor.id, ALL_FOUR)
        assert refused.value.status == 422
        assert draft.factor(factor.id).prioritisation is None


def test_reassessing_a_priority_can_take_its_priority_away(draft: Formulation) -> None:
    factor = draft.add_factor(SixP.PERPETUATING, "Nobody checks homework")
    draft.assess_prioritisation(factor.id, ALL_FOUR)

    draft.assess_prioritisation(factor.id, THREE_OF_FOUR[0])

    assert not draft.factor(factor.id).is_priority


def test_revising_a_factors_wording_keeps_its_assessment(draft: Formulation) -> None:
    factor = draft.add_factor(SixP.PERPETUATING, "Nobody checks homework")
    draft.assess_prioritisation(factor.id, ALL_FOUR)

    revised = draft.revise_factor(factor.id, "Homework is never checked")

    assert revised.is_priority
