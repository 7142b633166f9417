"""Ingest of service responses the platform does not own, one at a time or as a back-fill."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from contracts.outcomes.v1 import ResponseKind
from contracts.reference.referrals import CLUSTERS
from fastapi import APIRouter, Depends, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from runtime import audit
from runtime.app import get_uow
from runtime.domain import FieldError
from runtime.errors import ProblemError
from runtime.fields import RequestBody
from runtime.identity import Principal
from runtime.security import principal
from runtime.uow import UnitOfWork

from outcomes.domain.errors import SourceSystemRequired
from outcomes.service_layer.outcome_stream import StreamSource
from outcomes.service_layer.service_responses import (
    Recorded,
    RecordServiceResponse,
    record_service_response,
)

router = APIRouter(prefix="/v1", tags=["service responses"])

Identifier = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")
MAX_BATCH = 500
CLUSTER_IDS = frozenset(c.cluster_id for c in CLUSTERS)


def known_cluster(value: str) -> str:
    # An unknown cluster would reach the BI stream and the tables as a place of its own.
    if value not in CLUSTER_IDS:
        raise ValueError(f"unknown cluster; one of {sorted(CLUSTER_IDS)}")
    return value


class ServiceResponseRequest(RequestBody):
    # The schema says what the validator below checks: the child is named one way or the other.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in ("child_id", "source_person_id")
            ],
        },
    )

    kind: ResponseKind
    child_id: uuid.UUID | None = Field(None, description="the platform's person id, when known")
    source_person_id: str | None = Field(
        None, min_length=1, max_length=64, description="the sending system's person id"
    )
    child_date_of_birth: date | None = Field(
        None, description="used only to work out an age band; never stored"
    )
    # The schema names the known clusters, so a partner system (and a fuzzer) knows them.
    cluster_id: Annotated[
        str,
        AfterValidator(known_cluster),
        Field(max_length=40, json_schema_extra={"enum": sorted(CLUSTER_IDS)}),
    ]
    occurred_on: date = Field(
        description="the day the plan started or the child became looked after"
    )
    source_system: str | None = Field(
        None, min_length=1, max_length=64, description="the sending system (partners: their agency)"
    )
    source_id: str = Identifier

    @model_validator(mode="after")
    def _names_the_child(self) -> ServiceResponseRequest:
        if self.child_id is None and self.source_person_id is None:
            raise ValueError("give child_id or source_person_id")
        return self

    def command(self, caller: Principal) -> RecordServiceResponse:
        system = self.source_system
        if caller.is_partner:
            # A partner records for its own system only: its agency is the sending system.
            if system is not None and system != caller.agency_id:
                raise ProblemError(403, f"a partner records only for its own system, not {system}")
            system = caller.agency_id
        if not system:
            raise SourceSystemRequired(
                "source_system is required", [FieldError("source_system", "required for staff")]
            )
        return RecordServiceResponse(
            kind=self.kind,
            cluster_id=self.cluster_id,
            occurred_on=self.occurred_on,
            source_system=system,
            source_id=self.source_id,
            child_id=self.child_id,
            source_person_id=self.source_person_id,
            child_date_of_birth=self.child_date_of_birth,
        )


class ServiceResponseBatchRequest(RequestBody):
    items: list[ServiceResponseRequest] = Field(min_length=1, max_length=MAX_BATCH)


class ServiceResponseResponse(BaseModel):
    response_id: uuid.UUID
    kind: ResponseKind
    cluster_id: str
    occurred_on: date
    source_system: str
    source_id: str
    age_band: str
    created: bool

    @classmethod
    def of(cls, r: Recorded) -> ServiceResponseResponse:
        row: dict[str, Any] = r.row
        return cls(
            response_id=r.response_id,
            kind=ResponseKind(row["kind"]),
            cluster_id=row["cluster_id"],
            occurred_on=row["occurred_on"],
            source_system=row["source_system"],
            source_id=row["source_id"],
            age_band=row["age_band"],
            created=r.created,
        )


class ServiceResponseBatchResponse(BaseModel):
    created: int
    already_recorded: int
    items: list[ServiceResponseResponse]


async def _stream(request: Request) -> StreamSource:
    source: StreamSource = request.app.state.outcome_stream
    return source


async def _record(
    items: list[ServiceResponseRequest],
    request: Request,
    caller: Principal,
    uow: UnitOfWork,
    stream: StreamSource,
) -> list[Recorded]:
    commands = [item.command(caller) for item in items]
    results: list[Recorded] = []
    async with uow:
        for cmd in commands:
            result = await record_service_response(cmd, uow, stream.get())
            if result.created:
                await audit.record(
                    uow.session,
                    uow.tables,
                    request,
                    caller,
                    "create",
                    "service_response",
                    result.response_id,
                    person_id=cmd.child_id,
                    status=201,
                )
            results.append(result)
        await uow.commit()
    return results


@router.post(
    "/service-responses",
    status_code=201,
    summary="Record a CP plan or a child becoming looked after (sent again: the first record)",
    responses={
        200: {
            "model": ServiceResponseResponse,
            "description": "Already recorded from this source: the first record",
        }
    },
)
async def record_one(
    body: ServiceResponseRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
    stream: StreamSource = Depends(_stream),
) -> ServiceResponseResponse:
    [result] = await _record([body], request, caller, uow, stream)
    if not result.created:
        response.status_code = 200
    return ServiceResponseResponse.of(result)


@router.post(
    "/service-responses:batch",
    summary="Back-fill many service responses in one transaction; each counted once by source id",
)
async def record_batch(
    body: ServiceResponseBatchRequest,
    request: Request,
    caller: Principal = Depends(principal),
    uow: UnitOfWork = Depends(get_uow),
    stream: StreamSource = Depends(_stream),
) -> ServiceResponseBatchResponse:
    results = await _record(body.items, request, caller, uow, stream)
    # The same source id twice in one batch is one record.
    seen: dict[uuid.UUID, Recorded] = {}
    for r in results:
        seen.setdefault(r.response_id, r)
    created = sum(1 for r in seen.values() if r.created)
    return ServiceResponseBatchResponse(
        created=created,
        already_recorded=len(results) - created,
        items=[ServiceResponseResponse.of(r) for r in results],
    )
