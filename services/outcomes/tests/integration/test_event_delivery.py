"""Delivery guarantees of the consumer, on both brokers (embedded and Apache Kafka) and both
databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from contracts import topics
from contracts.envelope import Envelope
from contracts.referrals.v1 import ContactOpened
from outcomes.adapters import orm
from runtime.testing import Kafka, eventually, headers_of, read_topic, run_service
from sqlalchemy import func, select

pytestmark = pytest.mark.integration


def contact_opened(source: str = "school") -> Envelope:
    payload = ContactOpened(
        contact_id=uuid.uuid4(),
        source=source,
        cluster_id="seacroft-manston",
        opened_at=datetime.now(UTC),
    )
    return Envelope.wrap(payload, source="/services/referrals")


async def send(
    kafka: Kafka, envelope: Envelope, *, value: bytes | None = None, key: str | None = None
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            kafka.topic(topics.REFERRALS_CONTACT),
            value=envelope.kafka_value() if value is None else value,
            key=(key or envelope.subject or "").encode(),
            headers=envelope.kafka_headers(),
        )
    finally:
        await producer.stop()


async def contact_total(client, headers) -> int:  # type: ignore[no-untyped-def]
    response = await client.get("/v1/measures/contacts", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["total"])


async def test_the_same_event_delivered_twice_changes_the_projection_once(kafka, databases, issuer):
    url = await databases.new("outcomes")
    analyst = issuer.headers("bi_analyst")
    async with run_service("outcomes", url, kafka, issuer) as outcomes:
        first, second = contact_opened(), contact_opened("early_help_hub")
        await send(kafka, first)
        await send(kafka, first)  # redelivery: same event id
        await send(kafka, second)
        consumer = outcomes.workers.consumer
        await eventually(lambda: consumer.stats.applied + consumer.stats.duplicates >= 3)
        assert await contact_total(outcomes.client, analyst) == 2
        assert consumer.stats.duplicates == 1


async def test_a_poison_message_is_dead_lettered_and_later_events_still_apply(
    kafka, databases, issuer
):
    url = await databases.new("outcomes")
    analyst = issuer.headers("bi_analyst")
    async with run_service("outcomes", url, kafka, issuer) as outcomes:
        poison = contact_opened()
        await send(kafka, poison, value=b'{"contact_id": "not-a-uuid"}')
        # The same key: the good event sits behind the poison on its partition, so its being
        # applied proves the poison did not stall the partition.
        good = contact_opened()
        await send(kafka, good, key=poison.subject)
        consumer = outcomes.workers.consumer
        await eventually(lambda: consumer.stats.applied >= 1, timeout=20)
        assert consumer.stats.dead_lettered == 1
        assert await contact_total(outcomes.client, analyst) == 1

    dead = await read_topic(kafka, topics.dead_letter_topic(topics.REFERRALS_CONTACT), 1)
    assert len(dead) == 1
    h = headers_of(dead[0])
    assert h["ce_id"] == str(poison.id)
    assert "invalid referrals.contact.opened.v1 payload" in h["dlq_reason"]
    assert h["dlq_original_topic"] == kafka.topic(topics.REFERRALS_CONTACT)


async def send_raw(
    kafka: Kafka, value: bytes | None, headers: list[tuple[str, bytes | None]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            kafka.topic(topics.REFERRALS_CONTACT), value=value, key=b"poison", headers=headers
        )
    finally:
        await producer.stop()


def with_header(
    envelope: Envelope, name: str, value: bytes | None
) -> list[tuple[str, bytes | None]]:
    return [(k, value if k == name else v) for k, v in envelope.kafka_headers()]


async def test_malformed_headers_and_bodies_are_dead_lettered_and_the_next_event_applies(
    kafka, databases, issuer
):
    """A record the consumer cannot read must never stall its partition: a null header value,
    invalid UTF-8 in the body or in ce_type, and a type no contract defines each go to the
    dead-letter topic with a reason, and the good event behind them is applied."""
    url = await databases.new("outcomes")
    analyst = issuer.headers("bi_analyst")
    async with run_service("outcomes", url, kafka, issuer) as outcomes:
        base = contact_opened()
        poisons = {
            "null header": (base.kafka_value(), with_header(base, "ce_source", None)),
            "utf-8 body": (b'{"contact_id": "\xff\xfe"}', list(base.kafka_headers())),
            "utf-8 type": (base.kafka_value(), with_header(base, "ce_type", b"\xffreferrals")),
            "unknown type": (
                base.kafka_value(),
                with_header(base, "ce_type", b"referrals.contact.invented.v1"),
            ),
        }
        for value, headers in poisons.values():
            await send_raw(kafka, value, headers)
        # The same key: the good event sits behind the poisons on their partition.
        good = contact_opened()
        await send_raw(kafka, good.kafka_value(), list(good.kafka_headers()))
        consumer = outcomes.workers.consumer
        await eventually(lambda: consumer.stats.applied >= 1, timeout=20)
        assert await contact_total(outcomes.client, analyst) == 1
        assert consumer.stats.dead_lettered == len(poisons)

    dead = await read_topic(kafka, topics.dead_letter_topic(topics.REFERRALS_CONTACT), len(poisons))
    reasons = [dict(d.headers)["dlq_reason"].decode() for d in dead]
    assert len(reasons) == len(poisons)
    assert "ce_source" in reasons[0]
    assert "UTF-8" in reasons[1]
    assert "ce_type" in reasons[2]
    assert "unknown event type" in reasons[3]


async def test_an_event_its_handler_refuses_in_a_fetch_is_dead_lettered_and_the_rest_apply(
    kafka, databases, issuer, history, send
):
    """The records of one fetch are applied together; when one of them fails its handler, the
    others are still applied, each once, and only that one goes to the dead-letter topic."""
    plans = [e for e in history.events if e.type == "goals.plan.opened.v1"]
    sub_goal_set = next(e for e in history.events if e.type == "goals.plan.sub_goal_set.v1")
    uncoded = sub_goal_set.model_copy(update={"data": {**sub_goal_set.data, "code": "Z9"}})
    # Sent before the service starts, so its first fetch holds them all.
    await send(kafka, [*plans[:3], uncoded, *plans[3:], *plans[:2]])
    async with run_service("outcomes", await databases.new("outcomes"), kafka, issuer) as outcomes:
        consumer = outcomes.workers.consumer
        await eventually(lambda: consumer.stats.dead_lettered >= 1, timeout=30)
        await eventually(lambda: consumer.stats.applied >= len(plans), timeout=30)
        assert (consumer.stats.applied, consumer.stats.duplicates) == (len(plans), 2)
        assert consumer.stats.dead_lettered == 1
        async with outcomes.db.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(orm.plans))
            sub_goals = await session.scalar(select(func.count()).select_from(orm.sub_goals))
        assert (stored, sub_goals) == (len(plans), 0)

    dead = await read_topic(kafka, topics.dead_letter_topic(topics.GOALS_PLAN), 1)
    assert headers_of(dead[0])["ce_id"] == str(uncoded.id)
    assert "Z9" in headers_of(dead[0])["dlq_reason"]
