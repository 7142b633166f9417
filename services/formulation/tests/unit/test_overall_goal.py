"""The hypothesis and the overall goal (steps 4-5): a goal relates to identified factors."""

from __future__ import annotations

import uuid

import pytest
from contracts.reference.formulation import SixP
from formulation.domain.errors import FactorNotInFormulation, OverallGoalNeedsFactor, TextRequired
from formulation.domain.formulation import Formulation


def test_an_overall_goal_relates_to_the_factors_it_names(draft: Formulation) -> None:
    issue = draft.add_factor(SixP.PRESENTING, "Not attending school")

    goal = draft.set_overall_goal("Attend school every day", [issue.id])

    assert goal.factor_ids == (issue.id,)
    assert draft.overall_goal == goal


def test_an_overall_goal_that_references_no_factor_is_refused(draft: Formulation) -> None:
    draft.add_factor(SixP.PRESENTING, "Not attending school")

    with pytest.raises(OverallGoalNeedsFactor) as refused:
        draft.set_overall_goal("Attend school every day", [])

    assert refused.value.status == 422
    assert draft.overall_goal is None


def test_an_overall_goal_naming_another_formulations_factor_is_refused(
    draft: Formulation,
) -> None:
    issue = draft.add_factor(SixP.PRESENTING, "Not attending school")

    with pytest.raises(FactorNotInFormulation):
        draft.set_overall_goal("Attend school every day", [issue.id, uuid.uuid4()])

    assert draft.overall_goal is None


def test_a_blank_hypothesis_is_refused(draft: Formulation) -> None:
    with pytest.raises(TextRequired):
        draft.record_hypothesis("  ")
    assert draft.hypothesis is None
