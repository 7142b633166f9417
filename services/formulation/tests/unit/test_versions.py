"""Re-formulating (step 14): a new draft version linked to the previous one, carried factors,
supersession on completion, and the diff between versions.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from contracts.formulation import v1
from contracts.reference.formulation import FormulationSetting, ParticipantRole, SixP
from formulation.domain.errors import (
    CannotReformulate,
    FactorNotInFormulation,
    FormulationNotDraft,
    NotTheNextVersion,
    VersionsOfDifferentFormulations,
    VersionSuperseded,
)
from formulation.domain.formulation import Formulation, FormulationStatus
from formulation.domain.prioritisation import FourPsAssessment
from formulation.domain.versions import complete_version, diff_versions

FIRST_DONE = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
RETHOUGHT = datetime(2025, 5, 5, 10, 0, tzinfo=UTC)
SECOND_DONE = datetime(2025, 5, 5, 12, 0, tzinfo=UTC)
DUE = date(2025, 5, 19)
ALL_FOUR = FourPsAssessment(
    prerequisite=True, powerful=True, proximal=True, participants_goals=True
)


def _reformulate(previous: Formulation, carry: list[uuid.UUID] | None = None) -> Formulation:
    return Formulation.reformulate(
        previous,
        formulation_id=uuid.uuid4(),
        setting=FormulationSetting.GROUP_SUPERVISION,
        held_on=RETHOUGHT.date(),
        facilitator_id="worker-1",
        now=RETHOUGHT,
        carry_forward=carry or [],
    )


def _make_ready(f: Formulation, carried: dict[SixP, uuid.UUID]) -> None:
    """Give a re-formulation what completion needs, reusing its carried factors."""
    parent = f.add_participant(ParticipantRole.PARENT_CARER)
    presenting = carried[SixP.PRESENTING]
    perpetuating = carried[SixP.PERPETUATING]
    f.assess_prioritisation(perpetuating, ALL_FOUR)
    f.record_hypothesis("Rethought")
    f.set_overall_goal("Attend school every day", [presenting])
    f.add_next_step(
        what="Walk to school with a friend",
        owner_participant_id=parent.id,
        due_on=DUE,
        addresses_factor_id=perpetuating,
        presenting_issue_id=presenting,
    )


def _carry_all(previous: Formulation) -> tuple[Formulation, dict[SixP, uuid.UUID]]:
    new = _reformulate(previous, [f.id for f in previous.all_factors()])
    return new, {p: new.factors_under(p)[0].id for p in SixP if new.factors_under(p)}


def test_reformulating_creates_a_new_draft_version_linked_to_the_previous(
    ready: Formulation,
) -> None:
    ready.complete(FIRST_DONE)

    new = _reformulate(ready)

    assert new.status is FormulationStatus.DRAFT
    assert new.version == 2
    assert new.previous_version_id == ready.id
    assert new.lineage_id == ready.lineage_id == ready.id
    assert new.subject == ready.subject
    assert new.team_id == ready.team_id
    (started,) = new.events
    assert isinstance(started, v1.FormulationStarted)
    assert started.previous_version_id == ready.id
    assert started.version == 2


def test_the_previous_version_stays_completed_until_the_new_one_is_completed(
    ready: Formulation,
) -> None:
    ready.complete(FIRST_DONE)
    new, carried = _carry_all(ready)

    assert ready.superseded_at is None
    assert ready.status.value == "completed"

    _make_ready(new, carried)
    complete_version(new, ready, SECOND_DONE)

    assert new.status is FormulationStatus.COMPLETED
    assert ready.status is FormulationStatus.SUPERSEDED
    assert ready.superseded_by_id == new.id
    assert ready.superseded_at == SECOND_DONE
    # History keeps the earlier understanding as it was.
    assert ready.hypothesis == "Mornings have become a battleground since the move"
    superseded = [e for e in ready.events if isinstance(e, v1.FormulationSuperseded)]
    assert [(e.superseded_by_id, e.superseded_by_version) for e in superseded] == [(new.id, 2)]


def test_carried_factors_get_new_ids_and_link_to_where_they_came_from(ready: Formulation) -> None:
    ready.complete(FIRST_DONE)
    perpetuating = ready.priorities()[0]
    protective = ready.factors_under(SixP.PROTECTIVE)[0]

    new = _reformulate(ready, [perpetuating.id, protective.id])

    (carried_perpetuating,) = new.factors_under(SixP.PERPETUATING)
    (carried_protective,) = new.factors_under(SixP.PROTECTIVE)
    assert new.factors_under(SixP.PRESENTING) == ()
    assert carried_perpetuating.id != perpetuating.id
    assert carried_perpetuating.carried_from == perpetuating.id
    assert carried_perpetuating.description == perpetuating.description
    assert carried_perpetuating.is_main_driver
    # Priorities are judged afresh in the new formulation.
    assert not carried_perpetuating.is_priority
    assert carried_protective.carried_from == protective.id
    assert isinstance(new.events[0], v1.FormulationStarted)
    assert new.events[0].carried_factor_count == 2


def test_carrying_forward_a_factor_of_another_formulation_is_refused(ready: Formulation) -> None:
    ready.complete(FIRST_DONE)
    with pytest.raises(FactorNotInFormulation):
        _reformulate(ready, [uuid.uuid4()])


def test_only_a_completed_version_can_be_reformulated(ready: Formulation) -> None:
    with pytest.raises(CannotReformulate):
        _reformulate(ready)


def test_a_superseded_version_cannot_be_edited_or_superseded_again(ready: Formulation) -> None:
    ready.complete(FIRST_DONE)
    new, carried = _carry_all(ready)
    _make_ready(new, carried)
    complete_version(new, ready, SECOND_DONE)

    with pytest.raises(FormulationNotDraft):
        ready.add_factor(SixP.PREDICTING, "x")
    with pytest.raises(VersionSuperseded):
        ready.supersede(new, SECOND_DONE)


def test_when_two_drafts_rethink_one_version_only_the_first_to_complete_supersedes_it(
    ready: Formulation,
) -> None:
    ready.complete(FIRST_DONE)
    first, carried_first = _carry_all(ready)
    second, carried_second = _carry_all(ready)
    _make_ready(first, carried_first)
    _make_ready(second, carried_second)
    complete_version(first, ready, SECOND_DONE)

    with pytest.raises(VersionSuperseded):
        complete_version(second, ready, SECOND_DONE)

    assert second.status is FormulationStatus.DRAFT
    assert ready.superseded_by_id == first.id


def test_completing_a_reformulation_needs_the_version_it_rethinks(ready: Formulation) -> None:
    ready.complete(FIRST_DONE)
    new, carried = _carry_all(ready)
    _make_ready(new, carried)

    with pytest.raises(NotTheNextVersion):
        complete_version(new, None, SECOND_DONE)

    assert new.status is FormulationStatus.DRAFT
    assert ready.status is FormulationStatus.COMPLETED


def test_the_diff_of_unchanged_versions_shows_no_changes(ready: Formulation) -> None:
    ready.complete(FIRST_DONE)
    new = _reformulate(ready, [f.id for f in ready.all_factors()])
    new.record_hypothesis(ready.hypothesis or "")
    pairs = {f.carried_from: f.id for f in new.all_factors()}
    assert ready.overall_goal is not None
    new.set_overall_goal(
        ready.overall_goal.description, [pairs[i] for i in ready.overall_goal.factor_ids]
    )
    for f in ready.priorities():
        new.assess_prioritisation(pairs[f.id], ALL_FOUR)
    new.add_participant(ready.participants[0].role)
    step = ready.next_steps[0]
    new.add_next_step(
        what=step.what,
        owner_participant_id=new.participants[0].id,
        due_on=step.due_on,
    )

    diff = diff_versions(ready, new)

    assert not diff.has_changes


def test_the_diff_shows_factors_added_removed_and_changed_per_p(ready: Formulation) -> None:
    ready.complete(FIRST_DONE)
    presenting = ready.factors_under(SixP.PRESENTING)[0]
    perpetuating = ready.priorities()[0]
    protective = ready.factors_under(SixP.PROTECTIVE)[0]
    new = _reformulate(ready, [presenting.id, perpetuating.id])
    new_presenting = new.factors_under(SixP.PRESENTING)[0]
    new.revise_factor(new_presenting.id, "Attends two days a week")
    added = new.add_factor(SixP.PRECIPITATING, "Grandmother moved away")

    diff = diff_versions(ready, new)

    assert diff.under(SixP.PRESENTING).changed[0].after_id == new_presenting.id
    assert diff.under(SixP.PRESENTING).changed[0].description_changed
    assert diff.under(SixP.PRECIPITATING).added == (added.id,)
    assert diff.under(SixP.PROTECTIVE).removed == (protective.id,)
    assert not diff.under(SixP.PERPETUATING).has_changes
    assert diff.hypothesis_changed
    assert diff.overall_goal_changed
    assert diff.steps_removed == (ready.next_steps[0].id,)
    assert diff.steps_added == ()


def test_the_diff_shows_priority_changes(ready: Formulation) -> None:
    ready.complete(FIRST_DONE)
    perpetuating = ready.priorities()[0]
    new = _reformulate(ready, [perpetuating.id])
    fresh = new.add_factor(SixP.PERPETUATING, "Mum's new job starts at seven")
    new.assess_prioritisation(fresh.id, ALL_FOUR)

    diff = diff_versions(ready, new)

    carried = new.factors_under(SixP.PERPETUATING)[0]
    assert {
        (c.before_id, c.after_id, c.was_priority, c.is_priority) for c in diff.priority_changes
    } == {
        (perpetuating.id, carried.id, True, False),
        (None, fresh.id, False, True),
    }


def test_only_versions_of_one_formulation_can_be_compared(
    ready: Formulation, draft: Formulation
) -> None:
    other = Formulation.start(
        formulation_id=uuid.uuid4(),
        subject=draft.subject,
        setting=FormulationSetting.WITH_FAMILY,
        held_on=RETHOUGHT.date(),
        facilitator_id="worker-1",
        now=RETHOUGHT,
    )
    with pytest.raises(VersionsOfDifferentFormulations):
        diff_versions(ready, other)
