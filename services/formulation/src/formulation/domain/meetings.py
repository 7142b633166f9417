"""Facilitated meetings (Appendix 4): Rethink-Next Steps forums, Practice and Progress, Rethink
Space and group supervision, with alignment scores, the Fair Process check and Four Ways of Being
reflections.
"""

from __future__ import annotations

import math
import statistics
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TypedDict

from contracts.envelope import EventPayload
from contracts.formulation import v1
from contracts.reference.formulation import (
    ALIGNMENT_SETTINGS,
    MEETING_SETTINGS,
    FairProcessPrinciple,
    FormulationSetting,
    ParticipantRole,
    WayOfBeing,
)
from runtime.domain import FieldError

from formulation.domain.errors import (
    AlignmentAlreadyMeasured,
    AlignmentNeedsTwoViews,
    AlignmentNotTakenInSetting,
    AlignmentScoreOutOfRange,
    FairProcessCheckIncomplete,
    NotAMeetingSetting,
    ParticipantInUse,
    ParticipantNotFound,
    UnknownParticipant,
)
from formulation.domain.participants import Participant, role_counts
from formulation.domain.restorative_tools import FairProcessCheck, FourWaysReflection

MIN_ALIGNMENT_SCORE = 0
MAX_ALIGNMENT_SCORE = 10


class AlignmentMoment(StrEnum):
    START = "start"
    END = "end"


@dataclass(frozen=True)
class AlignmentSpread:
    """How far apart participants' views of the size of the issue or risk are."""

    count: int
    minimum: int
    maximum: int
    range: int
    mean: float
    # Population standard deviation: the scores are everyone in the room, not a sample.
    standard_deviation: float


def alignment_spread(scores: Iterable[int]) -> AlignmentSpread:
    values = list(scores)
    if not values:
        raise ValueError("a spread needs at least one score")
    return AlignmentSpread(
        count=len(values),
        minimum=min(values),
        maximum=max(values),
        range=max(values) - min(values),
        mean=statistics.fmean(values),
        standard_deviation=statistics.pstdev(values),
    )


@dataclass(frozen=True)
class AlignmentReport:
    """Spread before and after over the participants who scored at both moments: a view given
    only once cannot show movement, and comparing different rooms would mislead.
    """

    scored_at_start: int
    scored_at_end: int
    before: AlignmentSpread
    after: AlignmentSpread

    @property
    def moved_closer(self) -> bool:
        # The standard deviation weighs every view; the range only the two furthest apart.
        return self.after.standard_deviation < self.before.standard_deviation and not math.isclose(
            self.after.standard_deviation, self.before.standard_deviation
        )


def compare_alignment(
    start: Mapping[uuid.UUID, int], end: Mapping[uuid.UUID, int]
) -> AlignmentReport:
    paired = [pid for pid in start if pid in end]
    if len(paired) < 2:
        raise AlignmentNeedsTwoViews(detail=f"{len(paired)} participant(s) scored at both moments")
    return AlignmentReport(
        scored_at_start=len(start),
        scored_at_end=len(end),
        before=alignment_spread(start[pid] for pid in paired),
        after=alignment_spread(end[pid] for pid in paired),
    )


class _MeetingIds(TypedDict):
    meeting_id: uuid.UUID
    setting: FormulationSetting
    formulation_id: uuid.UUID | None
    family_id: uuid.UUID | None


@dataclass(eq=False)
class Meeting:
    """One facilitated meeting. Change it only through its methods."""

    id: uuid.UUID
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    recorded_at: datetime
    formulation_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None
    team_id: str | None = None
    participants: list[Participant] = field(default_factory=list)
    start_scores: dict[uuid.UUID, int] = field(default_factory=dict)
    end_scores: dict[uuid.UUID, int] = field(default_factory=dict)
    alignment: AlignmentReport | None = None
    alignment_measured_at: datetime | None = None
    fair_process: dict[FairProcessPrinciple, FairProcessCheck] = field(default_factory=dict)
    fair_process_checked_at: datetime | None = None
    reflections: list[FourWaysReflection] = field(default_factory=list)
    events: list[EventPayload] = field(default_factory=list)

    @classmethod
    def record(
        cls,
        *,
        meeting_id: uuid.UUID,
        setting: FormulationSetting,
        held_on: date,
        facilitator_id: str,
        now: datetime,
        participants: Iterable[Participant] = (),
        formulation_id: uuid.UUID | None = None,
        family_id: uuid.UUID | None = None,
        team_id: str | None = None,
    ) -> Meeting:
        if setting not in MEETING_SETTINGS:
            raise NotAMeetingSetting(errors=[FieldError("setting", setting.value)])
        meeting = cls(
            id=meeting_id,
            setting=setting,
            held_on=held_on,
            facilitator_id=facilitator_id,
            recorded_at=now,
            formulation_id=formulation_id,
            family_id=family_id,
            team_id=team_id,
            participants=list(participants),
        )
        meeting.events.append(
            v1.MeetingHeld(
                **meeting._event_ids(),
                team_id=team_id,
                held_on=held_on,
                facilitator_id=facilitator_id,
                participant_roles=role_counts(meeting.participants),
                recorded_at=now,
            )
        )
        return meeting

    @property
    def takes_alignment(self) -> bool:
        return self.setting in ALIGNMENT_SETTINGS

    def participant(self, participant_id: uuid.UUID) -> Participant:
        for p in self.participants:
            if p.id == participant_id:
                return p
        raise ParticipantNotFound(detail=str(participant_id))

    def people(self) -> list[tuple[str, uuid.UUID]]:
        """Every registered person the meeting names, with the field that names them."""
        return [("person_id", p.person_id) for p in self.participants if p.person_id]

    def add_participant(
        self,
        role: ParticipantRole,
        *,
        participant_id: uuid.UUID | None = None,
        person_id: uuid.UUID | None = None,
        user_id: str | None = None,
        agency_id: str | None = None,
    ) -> Participant:
        participant = Participant(
            id=participant_id or uuid.uuid4(),
            role=role,
            person_id=person_id,
            user_id=user_id,
            agency_id=agency_id,
        )
        self.participants.append(participant)
        return participant

    def remove_participant(self, participant_id: uuid.UUID) -> None:
        self.participant(participant_id)
        if participant_id in self.start_scores or participant_id in self.end_scores:
            raise ParticipantInUse(detail=str(participant_id))
        self.participants = [p for p in self.participants if p.id != participant_id]

    # -- alignment -------------------------------------------------------------------------------

    def record_alignment_score(
        self, participant_id: uuid.UUID, moment: AlignmentMoment, score: int
    ) -> None:
        """How big this participant thinks the issue or risk is, 0-10, at the start or the end."""
        if not self.takes_alignment:
            raise AlignmentNotTakenInSetting(errors=[FieldError("setting", self.setting.value)])
        if self.alignment is not None:
            raise AlignmentAlreadyMeasured()
        if all(p.id != participant_id for p in self.participants):
            raise UnknownParticipant(errors=[FieldError("participant_id", str(participant_id))])
        if (
            isinstance(score, bool)
            or not isinstance(score, int)
            or not MIN_ALIGNMENT_SCORE <= score <= MAX_ALIGNMENT_SCORE
        ):
            raise AlignmentScoreOutOfRange(errors=[FieldError("score", str(score))])
        scores = self.start_scores if moment is AlignmentMoment.START else self.end_scores
        scores[participant_id] = score

    def measure_alignment(self, now: datetime) -> AlignmentReport:
        """Close the scoring and report whether views moved closer. Scores are final after this."""
        if not self.takes_alignment:
            raise AlignmentNotTakenInSetting(errors=[FieldError("setting", self.setting.value)])
        if self.alignment is not None:
            raise AlignmentAlreadyMeasured()
        report = compare_alignment(self.start_scores, self.end_scores)
        self.alignment = report
        self.alignment_measured_at = now
        self.events.append(
            v1.AlignmentMeasured(
                **self._event_ids(),
                scored_at_start=report.scored_at_start,
                scored_at_end=report.scored_at_end,
                spread_before=_spread_payload(report.before),
                spread_after=_spread_payload(report.after),
                moved_closer=report.moved_closer,
                measured_at=now,
            )
        )
        return report

    # -- restorative tools -----------------------------------------------------------------------

    def record_fair_process(self, checks: Iterable[FairProcessCheck], now: datetime) -> None:
        """The facilitator's Fair Process check; a later check replaces an earlier one."""
        given = list(checks)
        principles = [c.principle for c in given]
        if sorted(principles) != sorted(FairProcessPrinciple):
            raise FairProcessCheckIncomplete(
                errors=[FieldError("checks", ", ".join(p.value for p in principles) or "none")]
            )
        self.fair_process = {c.principle: c for c in given}
        self.fair_process_checked_at = now
        self.events.append(
            v1.FairProcessChecked(
                **self._event_ids(),
                met=[p for p in FairProcessPrinciple if self.fair_process[p].met],
                not_met=[p for p in FairProcessPrinciple if not self.fair_process[p].met],
                checked_at=now,
            )
        )

    def record_four_ways_reflection(
        self,
        *,
        practitioner_id: str,
        way_of_being: WayOfBeing,
        notes: str,
        now: datetime,
        reflection_id: uuid.UUID | None = None,
    ) -> FourWaysReflection:
        reflection = FourWaysReflection(
            id=reflection_id or uuid.uuid4(),
            practitioner_id=practitioner_id,
            way_of_being=way_of_being,
            notes=notes.strip(),
            recorded_at=now,
        )
        self.reflections.append(reflection)
        self.events.append(
            v1.MeetingFourWaysReflectionRecorded(
                **self._event_ids(),
                reflection_id=reflection.id,
                practitioner_id=practitioner_id,
                way_of_being=way_of_being,
                recorded_at=now,
            )
        )
        return reflection

    def _event_ids(self) -> _MeetingIds:
        return _MeetingIds(
            meeting_id=self.id,
            setting=self.setting,
            formulation_id=self.formulation_id,
            family_id=self.family_id,
        )


def _spread_payload(spread: AlignmentSpread) -> v1.AlignmentSpread:
    return v1.AlignmentSpread(
        count=spread.count,
        minimum=spread.minimum,
        maximum=spread.maximum,
        range=spread.range,
        mean=spread.mean,
        standard_deviation=spread.standard_deviation,
    )
