"""Factors under the 6 Ps, main driving factors, whose view, order, and 'all six Ps considered'."""

from __future__ import annotations

import uuid

import pytest
from contracts.reference.formulation import ParticipantRole, SixP, SubjectKind
from formulation.domain.errors import (
    FactorInUse,
    FactorNotFound,
    InvalidFactorOrder,
    InvalidSubject,
    PHasFactors,
    TextRequired,
    UnknownParticipant,
)
from formulation.domain.formulation import Formulation, Subject


def test_factors_keep_the_order_they_were_added_in_within_their_p(draft: Formulation) -> None:
    first = draft.add_factor(SixP.PREDISPOSING, "Early loss of a parent")
    second = draft.add_factor(SixP.PREDISPOSING, "Several school moves")
    draft.add_factor(SixP.PROTECTIVE, "Loves football")

    assert [f.id for f in draft.factors_under(SixP.PREDISPOSING)] == [first.id, second.id]


def test_factors_can_be_reordered_within_their_p(draft: Formulation) -> None:
    a = draft.add_factor(SixP.PERPETUATING, "a")
    b = draft.add_factor(SixP.PERPETUATING, "b")
    c = draft.add_factor(SixP.PERPETUATING, "c")

    draft.reorder_factors(SixP.PERPETUATING, [c.id, a.id, b.id])

    assert [f.id for f in draft.factors_under(SixP.PERPETUATING)] == [c.id, a.id, b.id]


def test_a_reorder_that_leaves_out_or_borrows_a_factor_is_refused(draft: Formulation) -> None:
    a = draft.add_factor(SixP.PERPETUATING, "a")
    b = draft.add_factor(SixP.PERPETUATING, "b")
    other = draft.add_factor(SixP.PRESENTING, "c")

    with pytest.raises(InvalidFactorOrder):
        draft.reorder_factors(SixP.PERPETUATING, [b.id])
    with pytest.raises(InvalidFactorOrder):
        draft.reorder_factors(SixP.PERPETUATING, [b.id, other.id])
    with pytest.raises(InvalidFactorOrder):
        draft.reorder_factors(SixP.PERPETUATING, [a.id, a.id])
    assert [f.id for f in draft.factors_under(SixP.PERPETUATING)] == [a.id, b.id]


def test_a_factor_can_be_marked_as_a_main_driving_factor(draft: Formulation) -> None:
    factor = draft.add_factor(SixP.PERPETUATING, "Arguments at bedtime")

    marked = draft.mark_main_driver(factor.id)

    assert marked.is_main_driver
    assert draft.factor(factor.id).is_main_driver


def test_a_factor_records_whose_view_it_is(draft: Formulation) -> None:
    young_person = draft.add_participant(ParticipantRole.YOUNG_PERSON)

    factor = draft.add_factor(SixP.PRESENTING, "Feels nobody listens", view_of=young_person.id)

    assert factor.view_of == young_person.id


def test_a_view_attributed_to_someone_not_taking_part_is_refused(draft: Formulation) -> None:
    with pytest.raises(UnknownParticipant) as refused:
        draft.add_factor(SixP.PRESENTING, "x", view_of=uuid.uuid4())
    assert refused.value.status == 422
    assert draft.all_factors() == ()


def test_a_blank_factor_is_refused(draft: Formulation) -> None:
    with pytest.raises(TextRequired):
        draft.add_factor(SixP.PRESENTING, "   ")


def test_acting_on_an_unknown_factor_is_not_found(draft: Formulation) -> None:
    with pytest.raises(FactorNotFound) as refused:
        draft.revise_factor(uuid.uuid4(), "new wording")
    assert refused.value.status == 404


def test_a_factor_the_goal_or_a_step_relies_on_cannot_be_removed(ready: Formulation) -> None:
    presenting = ready.factors_under(SixP.PRESENTING)[0]
    protective = ready.factors_under(SixP.PROTECTIVE)[0]

    with pytest.raises(FactorInUse) as refused:
        ready.remove_factor(presenting.id)
    with pytest.raises(FactorInUse):
        ready.remove_factor(protective.id)

    assert refused.value.status == 409
    assert ready.factor(presenting.id) == presenting
    assert ready.factor(protective.id) == protective


def test_six_ps_are_all_considered_only_when_each_has_a_factor_or_is_marked_none(
    draft: Formulation,
) -> None:
    for p in (SixP.PRESENTING, SixP.PREDISPOSING, SixP.PERPETUATING, SixP.PROTECTIVE):
        draft.add_factor(p, f"a {p.value} factor")
    draft.mark_considered_none(SixP.PRECIPITATING)

    assert draft.unconsidered_ps() == (SixP.PREDICTING,)
    assert not draft.all_six_ps_considered()

    draft.mark_considered_none(SixP.PREDICTING)

    assert draft.all_six_ps_considered()


def test_a_p_with_factors_cannot_be_marked_as_considered_with_none(draft: Formulation) -> None:
    draft.add_factor(SixP.PREDICTING, "Likely to be excluded")
    with pytest.raises(PHasFactors):
        draft.mark_considered_none(SixP.PREDICTING)


def test_adding_a_factor_to_a_p_marked_none_clears_the_mark(draft: Formulation) -> None:
    draft.mark_considered_none(SixP.PRECIPITATING)
    draft.add_factor(SixP.PRECIPITATING, "House move in September")
    draft.remove_factor(draft.factors_under(SixP.PRECIPITATING)[0].id)

    assert SixP.PRECIPITATING in draft.unconsidered_ps()


def test_a_family_formulation_is_about_that_family() -> None:
    family = uuid.uuid4()
    assert Subject.of(SubjectKind.FAMILY, family).family_id == family
    with pytest.raises(InvalidSubject):
        Subject.of(SubjectKind.FAMILY, family, family_id=uuid.uuid4())


def test_a_referral_stage_formulation_is_about_the_contact_and_may_not_know_the_family() -> None:
    contact = uuid.uuid4()
    subject = Subject.of(SubjectKind.REFERRAL, contact)
    assert subject.contact_id == contact
    assert subject.family_id is None
