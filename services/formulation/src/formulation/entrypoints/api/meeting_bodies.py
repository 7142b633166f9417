"""Request and response bodies of the meeting endpoints: alignment, Fair Process, reflections."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from contracts.reference.formulation import FairProcessPrinciple, FormulationSetting
from pydantic import BaseModel, Field

from formulation.domain.meetings import AlignmentReport, AlignmentSpread, Meeting
from formulation.domain.restorative_tools import FairProcessCheck
from formulation.entrypoints.api.bodies import (
    HeldOn,
    Note,
    ParticipantRequest,
    ParticipantResponse,
    Ref,
    ReflectionResponse,
    Strict,
    TeamId,
)


class RecordMeetingRequest(Strict):
    setting: FormulationSetting = Field(
        description="rethink_next_steps_forum, practice_and_progress, rethink_space or "
        "group_supervision"
    )
    held_on: HeldOn
    facilitator_id: Ref | None = Field(None, description="defaults to the caller")
    formulation_id: uuid.UUID | None = Field(
        None, description="the formulation discussed; the meeting is then about its family"
    )
    family_id: uuid.UUID | None = None
    team_id: TeamId | None = None
    participants: Annotated[list[ParticipantRequest], Field(max_length=50)] = []


class AlignmentScoreRequest(Strict):
    participant_id: uuid.UUID
    score: int = Field(description="how big this participant thinks the issue or risk is, 0-10")


class AlignmentScoresRequest(Strict):
    scores: Annotated[list[AlignmentScoreRequest], Field(min_length=1, max_length=50)]


class FairProcessCheckRequest(Strict):
    principle: FairProcessPrinciple
    met: bool
    notes: Note = ""


class FairProcessRequest(Strict):
    """Engagement, explanation and expectation clarity, once each."""

    checks: Annotated[list[FairProcessCheckRequest], Field(max_length=3)]

    def checked(self) -> list[FairProcessCheck]:
        return [FairProcessCheck(c.principle, c.met, c.notes) for c in self.checks]


class AlignmentScoreResponse(BaseModel):
    participant_id: uuid.UUID
    score: int


class SpreadResponse(BaseModel):
    count: int
    minimum: int
    maximum: int
    range: int
    mean: float
    standard_deviation: float

    @classmethod
    def of(cls, s: AlignmentSpread) -> SpreadResponse:
        return cls(
            count=s.count,
            minimum=s.minimum,
            maximum=s.maximum,
            range=s.range,
            mean=s.mean,
            standard_deviation=s.standard_deviation,
        )


class AlignmentResponse(BaseModel):
    """Spread of the views of those who scored at both moments, before and after."""

    scored_at_start: int
    scored_at_end: int
    before: SpreadResponse
    after: SpreadResponse
    moved_closer: bool

    @classmethod
    def of(cls, r: AlignmentReport) -> AlignmentResponse:
        return cls(
            scored_at_start=r.scored_at_start,
            scored_at_end=r.scored_at_end,
            before=SpreadResponse.of(r.before),
            after=SpreadResponse.of(r.after),
            moved_closer=r.moved_closer,
        )


class FairProcessCheckResponse(BaseModel):
    principle: FairProcessPrinciple
    met: bool
    notes: str


class MeetingResponse(BaseModel):
    id: uuid.UUID
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    recorded_at: datetime
    formulation_id: uuid.UUID | None
    family_id: uuid.UUID | None
    team_id: str | None
    participants: list[ParticipantResponse]
    takes_alignment: bool
    start_scores: list[AlignmentScoreResponse]
    end_scores: list[AlignmentScoreResponse]
    alignment: AlignmentResponse | None = Field(description="once measured; the scores are final")
    alignment_measured_at: datetime | None
    fair_process: list[FairProcessCheckResponse]
    fair_process_checked_at: datetime | None
    reflections: list[ReflectionResponse]
    revision: int

    @classmethod
    def of(cls, m: Meeting, revision: int) -> MeetingResponse:
        return cls(
            id=m.id,
            setting=m.setting,
            held_on=m.held_on,
            facilitator_id=m.facilitator_id,
            recorded_at=m.recorded_at,
            formulation_id=m.formulation_id,
            family_id=m.family_id,
            team_id=m.team_id,
            participants=[ParticipantResponse.of(p) for p in m.participants],
            takes_alignment=m.takes_alignment,
            start_scores=[
                AlignmentScoreResponse(participant_id=p, score=s) for p, s in m.start_scores.items()
            ],
            end_scores=[
                AlignmentScoreResponse(participant_id=p, score=s) for p, s in m.end_scores.items()
            ],
            alignment=None if m.alignment is None else AlignmentResponse.of(m.alignment),
            alignment_measured_at=m.alignment_measured_at,
            fair_process=[
                FairProcessCheckResponse(principle=c.principle, met=c.met, notes=c.notes)
                for c in m.fair_process.values()
            ],
            fair_process_checked_at=m.fair_process_checked_at,
            reflections=[ReflectionResponse.of(r) for r in m.reflections],
            revision=revision,
        )


class MeetingSummaryResponse(BaseModel):
    """A meeting in a list; read the meeting itself for participants, scores and checks."""

    id: uuid.UUID
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    formulation_id: uuid.UUID | None
    family_id: uuid.UUID | None
    team_id: str | None
    recorded_at: datetime
    revision: int

    @classmethod
    def of(cls, row: Any) -> MeetingSummaryResponse:
        return cls(
            id=row.meeting_id,
            setting=row.setting,
            held_on=row.held_on,
            facilitator_id=row.facilitator_id,
            formulation_id=row.formulation_id,
            family_id=row.family_id,
            team_id=row.team_id,
            recorded_at=row.recorded_at,
            revision=row.revision,
        )
