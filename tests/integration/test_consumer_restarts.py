"""A consumer that stops mid-stream and comes back applies every event exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from contracts import topics
from contracts.envelope import Envelope
from contracts.referrals.v1 import ContactOpened
from runtime.testing import eventually, run_service

pytestmark = pytest.mark.integration


async def _produce(bootstrap: str, n: int) -> list[Envelope]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    sent = []
    try:
        for _ in range(n):
            env = Envelope.wrap(
                ContactOpened(contact_id=uuid.uuid4(), source="early_help_hub",
                              opened_at=datetime.now(UTC)),
                source="/services/referrals",
            )
            await producer.send(topics.REFERRALS_CONTACT, value=env.kafka_value(),
                                key=(env.subject or "").encode(), headers=env.kafka_headers())
            sent.append(env)
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def _projected(service) -> int:  # type: ignore[no-untyped-def]
    from outcomes.adapters import orm

    async with service.db.sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(orm.contacts)) or 0)


async def test_a_restarted_consumer_resumes_without_losing_or_doubling_events(
    broker, databases, issuer
):
    url = await databases.new("outcomes")
    group = f"outcomes-{uuid.uuid4().hex[:6]}"
    await _produce(broker.bootstrap, 40)
    async with run_service("outcomes", url, broker.bootstrap, issuer, consumer_group=group) as first:
        await eventually(lambda: first.workers.consumer.stats.applied >= 10, timeout=40)
        # Stopped part-way (graceful shutdown); more events arrive while it is away.
    await _produce(broker.bootstrap, 25)
    async with run_service("outcomes", url, broker.bootstrap, issuer, consumer_group=group) as again:
        await eventually(lambda: _total_is(again, 65), timeout=40)
        stats = again.workers.consumer.stats
        # Whatever the first life applied but had not committed came back as duplicates.
        assert stats.applied + stats.duplicates <= 65
    assert await _projected_count(url, issuer, broker) == 65


async def _total_is(service, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await _projected(service) == n


async def _projected_count(url: str, issuer, broker) -> int:  # type: ignore[no-untyped-def]
    async with run_service("outcomes", url, broker.bootstrap, issuer, run_workers=False) as svc:
        return await _projected(svc)
