"""Practice and Progress and Rethink Space: alignment at the start and the end, Fair Process and
Four Ways of Being reflections.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from contracts.formulation import v1
from contracts.reference.formulation import (
    FairProcessPrinciple,
    FormulationSetting,
    ParticipantRole,
    WayOfBeing,
)
from formulation.domain.errors import (
    AlignmentAlreadyMeasured,
    AlignmentNeedsTwoViews,
    AlignmentNotTakenInSetting,
    AlignmentScoreOutOfRange,
    FairProcessCheckIncomplete,
    NotAMeetingSetting,
    UnknownParticipant,
)
from formulation.domain.meetings import (
    AlignmentMoment,
    Meeting,
    alignment_spread,
    compare_alignment,
)
from formulation.domain.participants import Participant
from formulation.domain.restorative_tools import FairProcessCheck

NOW = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
START = AlignmentMoment.START
END = AlignmentMoment.END


def _meeting(setting: FormulationSetting = FormulationSetting.RETHINK_SPACE) -> Meeting:
    roles = [ParticipantRole.PARENT_CARER, ParticipantRole.SOCIAL_WORKER, ParticipantRole.SCHOOL]
    return Meeting.record(
        meeting_id=uuid.uuid4(),
        setting=setting,
        held_on=date(2025, 3, 10),
        facilitator_id="rethink-3",
        now=NOW,
        participants=[Participant(id=uuid.uuid4(), role=r) for r in roles],
        formulation_id=uuid.uuid4(),
    )


def _score(meeting: Meeting, moment: AlignmentMoment, scores: list[int]) -> None:
    for participant, score in zip(meeting.participants, scores, strict=False):
        meeting.record_alignment_score(participant.id, moment, score)


def test_spread_is_the_range_and_population_standard_deviation_of_the_scores() -> None:
    spread = alignment_spread([2, 4, 4, 4, 5, 5, 7, 9])

    assert (spread.minimum, spread.maximum, spread.range) == (2, 9, 7)
    assert spread.mean == pytest.approx(5.0)
    assert spread.standard_deviation == pytest.approx(2.0)


def test_views_that_come_together_have_moved_closer() -> None:
    meeting = _meeting()
    _score(meeting, START, [2, 9, 6])
    _score(meeting, END, [5, 6, 6])

    report = meeting.measure_alignment(NOW)

    assert report.before.range == 7
    assert report.after.range == 1
    assert report.before.standard_deviation == pytest.approx(2.867, abs=1e-3)
    assert report.after.standard_deviation == pytest.approx(0.471, abs=1e-3)
    assert report.moved_closer


def test_views_that_drift_apart_or_stay_as_far_apart_have_not_moved_closer() -> None:
    apart = compare_alignment(
        {uuid.UUID(int=1): 5, uuid.UUID(int=2): 6}, {uuid.UUID(int=1): 2, uuid.UUID(int=2): 9}
    )
    same = compare_alignment(
        {uuid.UUID(int=1): 3, uuid.UUID(int=2): 7}, {uuid.UUID(int=1): 7, uuid.UUID(int=2): 3}
    )

    assert not apart.moved_closer
    assert not same.moved_closer


def test_spread_compares_only_participants_scored_at_both_moments() -> None:
    a, b, c = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)

    report = compare_alignment({a: 4, b: 6, c: 10}, {a: 5, b: 5})

    assert (report.scored_at_start, report.scored_at_end) == (3, 2)
    assert report.before.count == report.after.count == 2
    assert report.before.maximum == 6


def test_measuring_alignment_emits_the_spreads_and_freezes_the_scores() -> None:
    meeting = _meeting(FormulationSetting.PRACTICE_AND_PROGRESS)
    _score(meeting, START, [1, 8, 5])
    _score(meeting, END, [4, 6, 5])

    meeting.measure_alignment(NOW)

    measured = meeting.events[-1]
    assert isinstance(measured, v1.AlignmentMeasured)
    assert measured.meeting_id == meeting.id
    assert measured.setting is FormulationSetting.PRACTICE_AND_PROGRESS
    assert (measured.spread_before.range, measured.spread_after.range) == (7, 2)
    assert measured.moved_closer is True
    with pytest.raises(AlignmentAlreadyMeasured):
        meeting.record_alignment_score(meeting.participants[0].id, END, 9)
    with pytest.raises(AlignmentAlreadyMeasured):
        meeting.measure_alignment(NOW)


def test_alignment_needs_at_least_two_views_scored_twice() -> None:
    meeting = _meeting()
    _score(meeting, START, [3, 7])
    _score(meeting, END, [5])

    with pytest.raises(AlignmentNeedsTwoViews):
        meeting.measure_alignment(NOW)
    assert meeting.alignment is None


@pytest.mark.parametrize("score", [-1, 11, True, 5.5])
def test_an_alignment_score_outside_0_to_10_is_refused(score: int) -> None:
    meeting = _meeting()
    with pytest.raises(AlignmentScoreOutOfRange):
        meeting.record_alignment_score(meeting.participants[0].id, START, score)
    assert meeting.start_scores == {}


def test_alignment_is_scored_only_for_someone_in_the_meeting() -> None:
    meeting = _meeting()
    with pytest.raises(UnknownParticipant):
        meeting.record_alignment_score(uuid.uuid4(), START, 5)


def test_a_forum_does_not_take_alignment_scores() -> None:
    forum = _meeting(FormulationSetting.RETHINK_NEXT_STEPS_FORUM)
    with pytest.raises(AlignmentNotTakenInSetting):
        forum.record_alignment_score(forum.participants[0].id, START, 5)


def test_a_meeting_is_one_of_the_facilitated_settings() -> None:
    with pytest.raises(NotAMeetingSetting):
        _meeting(FormulationSetting.WITH_FAMILY)


def test_recording_a_meeting_emits_who_took_part_by_role_only() -> None:
    meeting = _meeting()

    (held,) = meeting.events

    assert isinstance(held, v1.MeetingHeld)
    assert {(r.role, r.count) for r in held.participant_roles} == {
        (ParticipantRole.PARENT_CARER, 1),
        (ParticipantRole.SOCIAL_WORKER, 1),
        (ParticipantRole.SCHOOL, 1),
    }


def test_fair_process_is_checked_on_all_three_principles_with_notes() -> None:
    meeting = _meeting()

    meeting.record_fair_process(
        [
            FairProcessCheck(FairProcessPrinciple.ENGAGEMENT, True, "Everyone had a turn"),
            FairProcessCheck(FairProcessPrinciple.EXPLANATION, True),
            FairProcessCheck(
                FairProcessPrinciple.EXPECTATION_CLARITY, False, "Next review unclear"
            ),
        ],
        NOW,
    )

    assert meeting.fair_process[FairProcessPrinciple.EXPECTATION_CLARITY].notes == (
        "Next review unclear"
    )
    checked = meeting.events[-1]
    assert isinstance(checked, v1.FairProcessChecked)
    assert checked.not_met == [FairProcessPrinciple.EXPECTATION_CLARITY]
    assert "Next review unclear" not in checked.model_dump_json()


def test_a_fair_process_check_missing_a_principle_is_refused() -> None:
    meeting = _meeting()
    with pytest.raises(FairProcessCheckIncomplete):
        meeting.record_fair_process([FairProcessCheck(FairProcessPrinciple.ENGAGEMENT, True)], NOW)
    assert meeting.fair_process == {}


def test_a_practitioner_records_where_they_are_on_the_four_ways_of_being() -> None:
    meeting = _meeting(FormulationSetting.PRACTICE_AND_PROGRESS)

    meeting.record_four_ways_reflection(
        practitioner_id="sw-9",
        way_of_being=WayOfBeing.FOR,
        notes="Always doing it for mum",
        now=NOW,
    )

    assert [r.way_of_being for r in meeting.reflections] == [WayOfBeing.FOR]
    recorded = meeting.events[-1]
    assert isinstance(recorded, v1.MeetingFourWaysReflectionRecorded)
    assert recorded.way_of_being is WayOfBeing.FOR
    assert "mum" not in recorded.model_dump_json()
