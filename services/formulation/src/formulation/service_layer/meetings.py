"""Use cases of facilitated meetings: record one, change it, read it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from contracts.reference.formulation import FormulationSetting
from runtime.domain import FieldError
from sqlalchemy.ext.asyncio import AsyncSession

from formulation.adapters.repository import FormulationRepository, MeetingRepository
from formulation.domain.access import FamilyScope
from formulation.domain.errors import MeetingNotAboutThisFamily
from formulation.domain.meetings import Meeting
from formulation.domain.participants import Participant
from formulation.service_layer.formulations import NewParticipant
from formulation.service_layer.unit_of_work import (
    Changed,
    Loaded,
    RevisionCheck,
    Work,
    change,
    check_people,
    family_team,
    load,
)

T = TypeVar("T")


@dataclass(frozen=True)
class RecordMeeting:
    setting: FormulationSetting
    held_on: date
    facilitator_id: str
    formulation_id: uuid.UUID | None = None
    family_id: uuid.UUID | None = None
    team_id: str | None = None
    participants: Sequence[NewParticipant] = ()


async def record_meeting(
    cmd: RecordMeeting, work: Work, scope: FamilyScope, now: datetime
) -> Meeting:
    """A meeting about a formulation is about its family and belongs to its team."""
    family_id, team_id = cmd.family_id, cmd.team_id
    if cmd.formulation_id is not None:
        formulation = await FormulationRepository(work.session).visible(cmd.formulation_id, scope)
        if family_id is not None and family_id != formulation.subject.family_id:
            raise MeetingNotAboutThisFamily(
                errors=[FieldError("family_id", "leave it out or give the formulation's family")]
            )
        family_id = formulation.subject.family_id
        team_id = team_id or formulation.team_id
    team_id = await family_team(work.session, scope, family_id, team_id, cmd.setting)
    meeting = Meeting.record(
        meeting_id=uuid.uuid4(),
        setting=cmd.setting,
        held_on=cmd.held_on,
        facilitator_id=cmd.facilitator_id,
        now=now,
        participants=[
            Participant(
                id=uuid.uuid4(),
                role=p.role,
                person_id=p.person_id,
                user_id=p.user_id,
                agency_id=p.agency_id,
            )
            for p in cmd.participants
        ],
        formulation_id=cmd.formulation_id,
        family_id=family_id,
        team_id=team_id,
    )
    await check_people(work.session, family_id, meeting.people())
    await MeetingRepository(work.session).add(meeting)
    work.collect(meeting)
    return meeting


async def change_meeting(
    work: Work,
    meeting_id: uuid.UUID,
    scope: FamilyScope,
    check_revision: RevisionCheck,
    apply: Callable[[Meeting], T],
) -> Changed[Meeting, T]:
    repo = MeetingRepository(work.session)
    return await change(work, repo, meeting_id, scope, check_revision, apply)


async def read_meeting(
    session: AsyncSession, meeting_id: uuid.UUID, scope: FamilyScope
) -> Loaded[Meeting]:
    return await load(MeetingRepository(session), meeting_id, scope)
