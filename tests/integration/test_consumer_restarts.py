"""A consumer that stops mid-stream and comes back applies every event exactly once, on both
brokers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from contracts import topics
from contracts.envelope import Envelope
from contracts.referrals.v1 import ContactOpened
from runtime.testing import Kafka, eventually, run_service
from sqlalchemy import func, select

pytestmark = pytest.mark.integration


async def _produce(kafka: Kafka, n: int) -> list[Envelope]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    sent = []
    try:
        for _ in range(n):
            env = Envelope.wrap(
                ContactOpened(
                    contact_id=uuid.uuid4(), source="early_help_hub", opened_at=datetime.now(UTC)
                ),
                source="/services/referrals",
            )
            await producer.send(
                kafka.topic(topics.REFERRALS_CONTACT),
                value=env.kafka_value(),
                key=(env.subject or "").encode(),
                headers=env.kafka_headers(),
            )
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
    kafka, databases, issuer
):
    url = await databases.new("outcomes")
    group = f"outcomes-{uuid.uuid4().hex[:6]}"
    await _produce(kafka, 40)
    async with run_service("outcomes", url, kafka, issuer, consumer_group=group) as first:
        await eventually(lambda: first.workers.consumer.stats.applied >= 10, timeout=40)
        # Stopped part-way (graceful shutdown); more events arrive while it is away.
    await _produce(kafka, 25)
    async with run_service("outcomes", url, kafka, issuer, consumer_group=group) as again:
        await eventually(lambda: _total_is(again, 65), timeout=40)
        stats = again.workers.consumer.stats
        # Whatever the first life applied but had not committed came back as duplicates.
        assert stats.applied + stats.duplicates <= 65
    assert await _projected_count(url, issuer, kafka) == 65


async def _total_is(service, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await _projected(service) == n


async def _projected_count(url: str, issuer, kafka) -> int:  # type: ignore[no-untyped-def]
    async with run_service("outcomes", url, kafka, issuer, run_workers=False) as svc:
        return await _projected(svc)


async def test_a_handler_that_breaks_a_constraint_is_dead_lettered_not_retried_forever(
    kafka, databases, issuer
):
    """A constraint violation is about the event: bounded retries, then the dead-letter topic."""
    from contracts.topics import dead_letter_topic
    from runtime.consumer import EventConsumer, HandlerContext
    from runtime.testing import headers_of, read_topic
    from sqlalchemy import insert

    url = await databases.new("outcomes")
    clash = uuid.uuid4()
    async with run_service("outcomes", url, kafka, issuer, run_workers=False) as svc:
        inbox = svc.app.state.tables.processed_messages
        applied: list[uuid.UUID] = []

        async def handler(ctx: HandlerContext, payload: ContactOpened) -> None:
            if payload.contact_id == clash:
                # Writes a row that is already there: an IntegrityError on every attempt.
                await ctx.session.execute(
                    insert(inbox).values(
                        handler="seeded",
                        event_id=clash,
                        event_type="x",
                        processed_at=datetime.now(UTC),
                    )
                )
            applied.append(payload.contact_id)

        async with svc.db.transaction() as s:
            await s.execute(
                insert(inbox).values(
                    handler="seeded", event_id=clash, event_type="x", processed_at=datetime.now(UTC)
                )
            )
        consumer = EventConsumer(
            svc.db,
            svc.app.state.tables,
            svc.app.state.settings.platform,
            f"constraint-{uuid.uuid4().hex[:6]}",
            [topics.REFERRALS_CONTACT],
            {ContactOpened.event_type: handler},
            "/tests",
        )
        import asyncio

        task = asyncio.create_task(consumer.run())
        try:
            producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
            await producer.start()
            good = uuid.uuid4()
            try:
                for contact_id in (clash, good):
                    env = Envelope.wrap(
                        ContactOpened(
                            contact_id=contact_id, source="school", opened_at=datetime.now(UTC)
                        ),
                        source="/services/referrals",
                    )
                    await producer.send_and_wait(
                        kafka.topic(topics.REFERRALS_CONTACT),
                        value=env.kafka_value(),
                        key=(env.subject or "").encode(),
                        headers=env.kafka_headers(),
                    )
            finally:
                await producer.stop()
            # Different keys, maybe different partitions: wait for both outcomes, in any order.
            await eventually(
                lambda: good in applied and consumer.stats.dead_lettered >= 1, timeout=40
            )
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert consumer.stats.dead_lettered == 1
        assert clash not in applied  # its transaction rolled back each time
        [dead] = await read_topic(kafka, dead_letter_topic(topics.REFERRALS_CONTACT), 1)
        assert "IntegrityError" in headers_of(dead)["dlq_reason"]


async def test_a_delivery_that_loses_a_race_with_its_twin_counts_as_a_duplicate(issuer):
    """Two consumers may hold one record for a moment during a rebalance: the one that loses
    the race sees its write refused, finds the event processed, and does not dead-letter it."""
    from runtime.consumer import EventConsumer, HandlerContext
    from runtime.domain import Conflict
    from runtime.testing import postgres_database, require_postgres
    from sqlalchemy import insert

    require_postgres()  # the twin commits from a second connection
    async with postgres_database("race") as url:
        async with run_service("outcomes", url, "127.0.0.1:1", issuer, run_workers=False) as svc:
            inbox = svc.app.state.tables.processed_messages
            group = "race-group"
            env = Envelope.wrap(
                ContactOpened(
                    contact_id=uuid.uuid4(), source="school", opened_at=datetime.now(UTC)
                ),
                source="/services/referrals",
            )

            async def twin_wins(ctx: HandlerContext, payload: ContactOpened) -> None:
                # The twin delivery commits the same event first, on its own connection ...
                async with svc.db.transaction() as other:
                    await other.execute(
                        insert(inbox).values(
                            handler=group,
                            event_id=env.id,
                            event_type=env.type,
                            processed_at=datetime.now(UTC),
                        )
                    )
                # ... so this one's write clashes with what the twin stored.
                raise Conflict(detail="recorded by another request")

            consumer = EventConsumer(
                svc.db,
                svc.app.state.tables,
                svc.app.state.settings.platform,
                group,
                [topics.REFERRALS_CONTACT],
                {ContactOpened.event_type: twin_wins},
                "/tests",
            )
            payload = ContactOpened.model_validate(env.data)
            assert await consumer.apply(env, twin_wins, payload) is False
            # Without a twin the same refusal is the event's own: it is raised, to dead-letter.
            other = Envelope.wrap(payload, source="/services/referrals")

            async def refused(ctx: HandlerContext, payload: ContactOpened) -> None:
                raise Conflict(detail="a rule the event breaks")

            with pytest.raises(Conflict):
                await consumer.apply(other, refused, payload)
