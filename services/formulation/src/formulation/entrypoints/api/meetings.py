"""Facilitated meetings: Rethink-Next Steps forums, Practice and Progress, Rethink Space and group
supervision, with alignment scores, the Fair Process check and Four Ways of Being reflections.

Every change needs If-Match with the meeting's ETag and answers with the new one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from contracts.reference.formulation import FormulationSetting
from fastapi import APIRouter, Depends, Query, Request, Response
from runtime import audit
from runtime.app import get_db, get_uow
from runtime.concurrency import set_etag
from runtime.db import Database, utcnow
from runtime.families import people_touched
from runtime.fields import IsoDate
from runtime.identity import Principal
from runtime.pagination import Page, PageCursor, PageLimit
from runtime.security import principal
from runtime.uow import UnitOfWork

from formulation.adapters import orm
from formulation.adapters.repository import MeetingFilters, MeetingRepository
from formulation.domain.meetings import AlignmentMoment, Meeting
from formulation.domain.participants import Participant
from formulation.entrypoints.api.bodies import (
    ParticipantRequest,
    ParticipantResponse,
    ReflectionRequest,
    ReflectionResponse,
)
from formulation.entrypoints.api.callers import if_match, scope_of
from formulation.entrypoints.api.listing import list_page
from formulation.entrypoints.api.meeting_bodies import (
    AlignmentScoresRequest,
    FairProcessRequest,
    MeetingResponse,
    MeetingSummaryResponse,
    RecordMeetingRequest,
)
from formulation.service_layer.meetings import (
    RecordMeeting,
    change_meeting,
    read_meeting,
    record_meeting,
)
from formulation.service_layer.unit_of_work import Changed

router = APIRouter(prefix="/v1/meetings", tags=["meetings"])
ITEM = "/{meeting_id}"

T = TypeVar("T")


async def _audit(
    uow: UnitOfWork, request: Request, caller: Principal, action: str, m: Meeting, status: int
) -> None:
    await audit.record(
        uow.session,
        uow.tables,
        request,
        caller,
        action,
        "meeting",
        m.id,
        family_id=m.family_id,
        person_ids=await people_touched(uow.session, orm.family_facts, m.family_id, m.people()),
        status=status,
    )


async def _change(
    request: Request,
    caller: Principal,
    uow: UnitOfWork,
    meeting_id: uuid.UUID,
    apply: Callable[[Meeting], T],
    *,
    status: int = 200,
) -> Changed[Meeting, T]:
    async with uow:
        changed = await change_meeting(uow, meeting_id, scope_of(caller), if_match(request), apply)
        await _audit(uow, request, caller, "update", changed.aggregate, status)
        await uow.commit()
    return changed


def _respond(response: Response, changed: Changed[Meeting, Any]) -> MeetingResponse:
    set_etag(response, changed.revision)
    return MeetingResponse.of(changed.aggregate, changed.revision)


@router.post("", status_code=201, summary="Record a meeting and who took part")
async def create_meeting(
    body: RecordMeetingRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> MeetingResponse:
    cmd = RecordMeeting(
        setting=body.setting,
        held_on=body.held_on,
        facilitator_id=body.facilitator_id or caller.subject,
        formulation_id=body.formulation_id,
        family_id=body.family_id,
        team_id=body.team_id,
        participants=[p.command() for p in body.participants],
    )
    async with uow:
        meeting = await record_meeting(cmd, uow, scope_of(caller), utcnow())
        await _audit(uow, request, caller, "create", meeting, 201)
        await uow.commit()
    response.headers["Location"] = f"/v1/meetings/{meeting.id}"
    set_etag(response, 1)
    return MeetingResponse.of(meeting, 1)


@router.get("", summary="List meetings by family, formulation, team, setting and date")
async def list_meetings(
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
    family_id: uuid.UUID | None = None,
    formulation_id: uuid.UUID | None = None,
    team_id: str | None = Query(None, max_length=64),
    setting: FormulationSetting | None = None,
    held_from: IsoDate | None = None,
    held_to: IsoDate | None = None,
    limit: PageLimit = None,
    cursor: PageCursor = None,
) -> Page[MeetingSummaryResponse]:
    filters = MeetingFilters(
        family_id=family_id,
        formulation_id=formulation_id,
        team_id=team_id,
        setting=setting,
        held_from=held_from,
        held_to=held_to,
    )
    items, next_page = await list_page(
        request, caller, db, MeetingRepository, filters, limit=limit, cursor=cursor
    )
    return Page(items=[MeetingSummaryResponse.of(r) for r in items], next_cursor=next_page)


@router.get(ITEM, summary="Read a meeting")
async def read(
    meeting_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> MeetingResponse:
    async with db.sessions() as session:
        loaded = await read_meeting(session, meeting_id, scope_of(caller))
        meeting = loaded.aggregate
        people = await people_touched(
            session, orm.family_facts, meeting.family_id, meeting.people()
        )
    await audit.record_read(
        db,
        request.app.state.tables,
        request,
        caller,
        "meeting",
        meeting_id,
        family_id=meeting.family_id,
        person_ids=people,
    )
    set_etag(response, loaded.revision)
    return MeetingResponse.of(loaded.aggregate, loaded.revision)


@router.post(ITEM + "/participants", status_code=201, summary="Add a participant")
async def add_participant(
    meeting_id: uuid.UUID,
    body: ParticipantRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> ParticipantResponse:
    def apply(m: Meeting) -> Participant:
        return m.add_participant(
            body.role, person_id=body.person_id, user_id=body.user_id, agency_id=body.agency_id
        )

    changed = await _change(request, caller, uow, meeting_id, apply, status=201)
    set_etag(response, changed.revision)
    return ParticipantResponse.of(changed.result)


@router.delete(ITEM + "/participants/{participant_id}", summary="Remove an unscored participant")
async def remove_participant(
    meeting_id: uuid.UUID,
    participant_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> MeetingResponse:
    changed = await _change(
        request, caller, uow, meeting_id, lambda m: m.remove_participant(participant_id)
    )
    return _respond(response, changed)


@router.put(
    ITEM + "/alignment-scores/{moment}",
    summary="Record alignment scores (0-10) at the start or the end of the meeting",
)
async def record_alignment_scores(
    meeting_id: uuid.UUID,
    moment: AlignmentMoment,
    body: AlignmentScoresRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> MeetingResponse:
    def apply(m: Meeting) -> None:
        for s in body.scores:
            m.record_alignment_score(s.participant_id, moment, s.score)

    return _respond(response, await _change(request, caller, uow, meeting_id, apply))


@router.post(
    ITEM + "/alignment",
    summary="Measure alignment: spread before and after, and whether views moved closer",
)
async def measure_alignment(
    meeting_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> MeetingResponse:
    now = utcnow()
    changed = await _change(request, caller, uow, meeting_id, lambda m: m.measure_alignment(now))
    return _respond(response, changed)


@router.put(ITEM + "/fair-process", summary="Record the Fair Process check")
async def check_fair_process(
    meeting_id: uuid.UUID,
    body: FairProcessRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> MeetingResponse:
    checks, now = body.checked(), utcnow()
    changed = await _change(
        request, caller, uow, meeting_id, lambda m: m.record_fair_process(checks, now)
    )
    return _respond(response, changed)


@router.post(ITEM + "/reflections", status_code=201, summary="Reflect on the Four Ways of Being")
async def reflect(
    meeting_id: uuid.UUID,
    body: ReflectionRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
) -> ReflectionResponse:
    now = utcnow()
    changed = await _change(
        request,
        caller,
        uow,
        meeting_id,
        lambda m: m.record_four_ways_reflection(
            practitioner_id=caller.subject,
            way_of_being=body.way_of_being,
            notes=body.notes,
            now=now,
        ),
        status=201,
    )
    set_etag(response, changed.revision)
    return ReflectionResponse.of(changed.result)
