"""A draft formulation of a family, and one ready to complete, for the domain's unit tests."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from contracts.reference.formulation import (
    FormulationSetting,
    ParticipantRole,
    SixP,
    SubjectKind,
)
from formulation.domain.formulation import Formulation, Subject
from formulation.domain.prioritisation import FourPsAssessment

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
LATER = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
HELD_ON = date(2025, 3, 3)
DUE_ON = date(2025, 3, 17)
FAMILY_ID = uuid.UUID("00000000-0000-4000-8000-00000000fa01")
ALL_FOUR = FourPsAssessment(
    prerequisite=True, powerful=True, proximal=True, participants_goals=True
)


@pytest.fixture
def draft() -> Formulation:
    formulation = Formulation.start(
        formulation_id=uuid.uuid4(),
        subject=Subject.of(SubjectKind.FAMILY, FAMILY_ID),
        setting=FormulationSetting.WITH_FAMILY,
        held_on=HELD_ON,
        facilitator_id="worker-1",
        now=NOW,
        team_id="res-inner-east",
    )
    formulation.events.clear()
    return formulation


@pytest.fixture
def ready(draft: Formulation) -> Formulation:
    """A draft that meets every completion rule: one priority, addressed by one traced step.

    Parent is participants[0]; the step is next_steps[0]; one factor each under presenting,
    perpetuating (the priority) and protective.
    """
    parent = draft.add_participant(ParticipantRole.PARENT_CARER, person_id=uuid.uuid4())
    draft.add_participant(ParticipantRole.YOUNG_PERSON, person_id=uuid.uuid4())
    draft.add_participant(ParticipantRole.SCHOOL, agency_id="school-42")
    draft.add_participant(ParticipantRole.PRACTITIONER, user_id="worker-1")
    presenting = draft.add_factor(SixP.PRESENTING, "Not attending school", view_of=parent.id)
    perpetuating = draft.add_factor(
        SixP.PERPETUATING, "Mornings end in arguments", is_main_driver=True
    )
    perpetuating = draft.assess_prioritisation(perpetuating.id, ALL_FOUR)
    protective = draft.add_factor(SixP.PROTECTIVE, "Close to grandmother")
    draft.record_hypothesis("Mornings have become a battleground since the move")
    draft.set_overall_goal("Attend school every day", [presenting.id])
    draft.add_next_step(
        what="Agree a morning routine together",
        owner_participant_id=parent.id,
        due_on=DUE_ON,
        addresses_factor_id=perpetuating.id,
        presenting_issue_id=presenting.id,
        builds_on_factor_ids=[protective.id],
    )
    return draft
