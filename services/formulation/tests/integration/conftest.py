"""Helpers for the formulation service's HTTP tests: a caller that keeps each record's ETag and
sends it as If-Match, and a producer of other services' events onto the real broker.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from contracts.envelope import Envelope, EventPayload
from contracts.referrals.v1 import (
    AllocationClosed,
    FamilyAllocated,
    FormulationRequested,
)
from runtime.testing import consent_recorded

PROBLEM = "application/problem+json"


class Caller:
    """One member of staff at the front end: their token, and the last ETag of each record."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.etags: dict[str, str] = {}

    def _keep(self, record_id: str, response: httpx.Response) -> None:
        if "etag" in response.headers:
            self.etags[record_id] = response.headers["etag"]

    async def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        response = await self.client.get(path, headers=self.headers, params=params)
        assert response.status_code == expect, f"GET {path}: {response.text}"
        if expect == 200 and path.count("/") == 3:  # a record itself, not a view of it
            self._keep(path.rsplit("/", 1)[1], response)
        return response.json()

    async def create(self, path: str, body: dict[str, Any], expect: int = 201) -> Any:
        response = await self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == expect, f"POST {path}: {response.text}"
        if expect == 201:
            self._keep(response.json()["id"], response)
        return response.json()

    async def change(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        expect: int = 200,
        etag: str | None = None,
    ) -> Any:
        """Change the record `path` names (`/v1/<kind>/<id>/...`) over its last ETag."""
        record_id = path.split("/")[3]
        headers = {**self.headers, "If-Match": etag or self.etags[record_id]}
        response = await self.client.request(method, path, json=body, headers=headers)
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        if response.is_success:
            self._keep(record_id, response)
        else:
            assert response.headers["content-type"] == PROBLEM
        return response.json()


@pytest.fixture
def caller() -> Callable[[httpx.AsyncClient, dict[str, str]], Caller]:
    return Caller


Produce = Callable[..., Awaitable[Envelope]]


@pytest.fixture
def produce(broker: Any) -> Produce:
    """Put another service's event on Kafka as that service's relay would."""

    async def send(payload: EventPayload, *, envelope: Envelope | None = None) -> Envelope:
        envelope = envelope or Envelope.wrap(payload, source="/services/referrals")
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(
                payload.topic,
                value=envelope.kafka_value(),
                key=payload.aggregate_id().encode(),
                headers=envelope.kafka_headers(),
            )
        finally:
            await producer.stop()
        return envelope

    return send


class ReferralsEvents:
    """Events the referrals service announces, as the formulation service receives them."""

    @staticmethod
    def allocated(
        family_id: uuid.UUID, team_id: str, at: datetime | None = None
    ) -> FamilyAllocated:
        return FamilyAllocated(
            family_id=family_id,
            allocation_id=uuid.uuid5(family_id, team_id),
            contact_id=uuid.uuid4(),
            team_id=team_id,
            cluster_id="inner-east",
            worker_id="worker-1",
            worker_role="family_support_worker",
            support_level="early_help",
            allocated_at=at or datetime.now(UTC),
        )

    @staticmethod
    def closed(family_id: uuid.UUID, team_id: str) -> AllocationClosed:
        now = datetime.now(UTC)
        return AllocationClosed(
            family_id=family_id,
            allocation_id=uuid.uuid5(family_id, team_id),
            contact_id=uuid.uuid4(),
            team_id=team_id,
            cluster_id="inner-east",
            worker_id="worker-1",
            support_level="early_help",
            allocated_at=now,
            closed_on=now.date(),
            closure_reason="goals_achieved",
            recorded_at=now,
        )

    consent = staticmethod(consent_recorded)

    @staticmethod
    def formulation_requested(
        contact_id: uuid.UUID, request_id: uuid.UUID, family_id: uuid.UUID | None = None
    ) -> FormulationRequested:
        return FormulationRequested(
            contact_id=contact_id,
            formulation_request_id=request_id,
            child_ids=[uuid.uuid4()],
            family_id=family_id,
            cluster_id="inner-east",
            requested_at=datetime.now(UTC),
            requested_by="duty-worker-3",
        )


@pytest.fixture
def referrals_events() -> type[ReferralsEvents]:
    return ReferralsEvents
