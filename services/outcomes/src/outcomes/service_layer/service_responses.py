"""Use case: record a service response another system owns (a CP plan, becoming looked after).

The sending system's own id is the natural key: a record sent again, alone or in a back-fill,
is answered with the first one and changes nothing. A date of birth, when sent, is turned into
an age band here and never stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from contracts.outcomes.v1 import AgeBand, ResponseKind, ServiceResponseIngested
from contracts.reference.referrals import PersonKind, team_for_cluster
from runtime.domain import FieldError
from runtime.uow import UnitOfWork
from sqlalchemy import select

from outcomes.adapters import orm
from outcomes.domain.errors import OutcomesError
from outcomes.domain.outcome_stream import OutcomeStream, age_band_on, response_date_errors
from outcomes.domain.records import ServiceResponseRecord, child_ref


class ResponseInFuture(OutcomesError):
    code = "service-response-in-future"
    title = "A service response cannot start after today"


class UnknownChild(OutcomesError):
    code = "service-response-unknown-child"
    title = "The platform has no registered child with this child_id"
    fix = (
        "Send the platform's person id of a registered child, or leave child_id out and send"
        " source_person_id; a child registered moments ago may take a second to be known here."
    )


class ImpossibleResponseDates(OutcomesError):
    code = "service-response-dates"
    title = "The child's date of birth does not fit the service response"


@dataclass(frozen=True)
class RecordServiceResponse:
    kind: ResponseKind
    cluster_id: str
    occurred_on: date
    source_system: str
    source_id: str
    child_id: uuid.UUID | None = None
    source_person_id: str | None = None
    child_date_of_birth: date | None = None


@dataclass(frozen=True)
class Recorded:
    response_id: uuid.UUID
    created: bool
    row: dict[str, Any]


async def _is_registered_child(uow: UnitOfWork, child_id: uuid.UUID) -> bool:
    people = orm.people.c
    kind = await uow.session.scalar(select(people.kind).where(people.person_id == child_id))
    return kind == PersonKind.CHILD.value


async def record_service_response(
    cmd: RecordServiceResponse, uow: UnitOfWork, stream: OutcomeStream
) -> Recorded:
    table = orm.service_responses
    existing = (
        (
            await uow.session.execute(
                select(table).where(
                    table.c.source_system == cmd.source_system, table.c.source_id == cmd.source_id
                )
            )
        )
        .mappings()
        .first()
    )
    if existing is not None:
        return Recorded(existing["response_id"], False, dict(existing))
    now = datetime.now(UTC)
    errors = response_date_errors(cmd.occurred_on, cmd.child_date_of_birth, now.date())
    if errors:
        error = ImpossibleResponseDates if errors[0].field != "occurred_on" else ResponseInFuture
        raise error(detail=f"{cmd.source_id}: {errors[0].message}", errors=errors)
    band = (
        age_band_on(cmd.child_date_of_birth, cmd.occurred_on)
        if cmd.child_date_of_birth is not None
        else AgeBand.UNKNOWN
    )
    if cmd.child_id is not None and not await _is_registered_child(uow, cmd.child_id):
        raise UnknownChild(
            detail=f"{cmd.source_id}: no registered child {cmd.child_id}",
            errors=[FieldError("child_id", "names no child registered on the platform")],
        )
    response_id = uuid.uuid4()
    row = {
        "response_id": response_id,
        "kind": cmd.kind.value,
        "child_id": cmd.child_id,
        "source_system": cmd.source_system,
        "source_id": cmd.source_id,
        "source_person_id": cmd.source_person_id,
        "cluster_id": cmd.cluster_id,
        "occurred_on": cmd.occurred_on,
        "age_band": band.value,
        "recorded_at": now,
    }
    await uow.session.execute(table.insert().values(**row))
    uow.emit(
        ServiceResponseIngested(
            response_id=response_id,
            kind=cmd.kind,
            child_id=cmd.child_id,
            source_system_ref=cmd.source_id,
            cluster_id=cmd.cluster_id,
            occurred_on=cmd.occurred_on,
        )
    )
    team = team_for_cluster(cmd.cluster_id)
    # The child is the platform's person when matched, else the sending system's person.
    child_key = child_ref(cmd.child_id, cmd.source_system, cmd.source_person_id) or ""
    uow.emit(
        stream.service_response(
            ServiceResponseRecord(str(response_id), cmd.kind, cmd.cluster_id, cmd.occurred_on),
            child_key=child_key,
            age_band=band,
            res_started_on=team.started_on if team else None,
        )
    )
    return Recorded(response_id, True, row)
