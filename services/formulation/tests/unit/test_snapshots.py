"""Formulations and meetings are stored whole as JSON snapshots: reading one back gives the
same aggregate, rules and history included.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime

from contracts.reference.formulation import (
    FairProcessPrinciple,
    FormulationSetting,
    ParticipantRole,
    SixP,
    SupervisionKind,
    WayOfBeing,
)
from formulation.domain.family_structure import (
    FamilyMember,
    FamilyStructure,
    Relationship,
    RelationshipKind,
    RelationshipQuality,
)
from formulation.domain.formulation import Formulation
from formulation.domain.meetings import AlignmentMoment, Meeting
from formulation.domain.restorative_tools import FairProcessCheck
from runtime.snapshots import from_snapshot, to_snapshot

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def _round_trip(aggregate: object) -> object:
    return from_snapshot(type(aggregate), json.loads(json.dumps(to_snapshot(aggregate))))


def test_a_formulation_reads_back_as_it_was_stored(ready: Formulation) -> None:
    mum, jay = uuid.uuid4(), uuid.uuid4()
    ready.record_family_structure(
        FamilyStructure(
            members=(FamilyMember(mum), FamilyMember(jay, in_household=False)),
            relationships=(
                Relationship(mum, jay, RelationshipKind.PARENT_OF, RelationshipQuality.STRAINED),
            ),
        )
    )
    ready.mark_considered_none(SixP.PREDICTING)
    ready.add_next_step(
        what="Meet again", owner_participant_id=ready.participants[0].id, due_on=date(2025, 4, 1)
    )
    ready.override_walk_back(supervisor_id="manager-7", reason="Agreed in supervision", now=NOW)
    ready.complete(NOW)
    ready.record_supervision_review(
        supervisor_id="manager-7",
        kind=SupervisionKind.GROUP,
        plan_likely_to_achieve_goal=False,
        why_not="No step for the shifts",
        changes="Ask about fixed shifts",
        now=NOW,
    )
    ready.record_four_ways_reflection(
        practitioner_id="worker-1", way_of_being=WayOfBeing.WITH, notes="", now=NOW
    )

    back = _round_trip(ready)

    assert isinstance(back, Formulation)
    assert to_snapshot(back) == to_snapshot(ready)
    assert back.priorities() == ready.priorities()
    assert back.walk_back() == ready.walk_back()
    assert back.completion_check() == ready.completion_check()
    assert back.considered_none == {SixP.PREDICTING}
    assert back.events == []


def test_a_meeting_reads_back_with_its_scores_and_alignment() -> None:
    meeting = Meeting.record(
        meeting_id=uuid.uuid4(),
        setting=FormulationSetting.PRACTICE_AND_PROGRESS,
        held_on=NOW.date(),
        facilitator_id="rethink-1",
        now=NOW,
    )
    a = meeting.add_participant(ParticipantRole.PARENT_CARER)
    b = meeting.add_participant(ParticipantRole.SCHOOL)
    for who, start, end in ((a, 2, 5), (b, 9, 6)):
        meeting.record_alignment_score(who.id, AlignmentMoment.START, start)
        meeting.record_alignment_score(who.id, AlignmentMoment.END, end)
    meeting.measure_alignment(NOW)
    meeting.record_fair_process(
        [FairProcessCheck(p, met=True, notes="ok") for p in FairProcessPrinciple], NOW
    )

    back = _round_trip(meeting)

    assert isinstance(back, Meeting)
    assert to_snapshot(back) == to_snapshot(meeting)
    assert back.alignment == meeting.alignment
    assert back.start_scores == {a.id: 2, b.id: 9}
