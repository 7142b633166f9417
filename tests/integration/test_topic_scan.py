"""Reading topics through to their end (what a rebuild checks its source with), on both brokers:
every record counts, however the producer batched them, and the scan does not wait for quiet
where the broker's end offsets are exact."""

from __future__ import annotations

import time
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from contracts import topics
from runtime.kafka import scan_topics
from runtime.testing import Kafka

pytestmark = pytest.mark.integration


async def produce(kafka: Kafka, topic: str, count: int, *, batched: bool) -> set[str]:
    ids: set[str] = set()
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, linger_ms=50 if batched else 0)
    await producer.start()
    try:
        for n in range(count):
            event_id = str(uuid.uuid4())
            ids.add(event_id)
            message = producer.send if batched else producer.send_and_wait
            await message(
                kafka.topic(topic),
                value=b"{}",
                key=str(n % 7).encode(),
                headers=[("ce_id", event_id.encode())],
            )
        await producer.flush()
    finally:
        await producer.stop()
    return ids


async def test_a_scan_counts_every_record_of_batches_and_of_single_sends(kafka):
    # Batches of many records end both topics' partitions: the embedded broker's end offset
    # then counts a partition's last batch as one record.
    ids = await produce(kafka, topics.REFERRALS_CONTACT, 900, batched=True)
    ids |= await produce(kafka, topics.REFERRALS_PERSON, 5, batched=False)
    ids |= await produce(kafka, topics.REFERRALS_PERSON, 300, batched=True)
    scan = await scan_topics(
        kafka.bootstrap,
        [kafka.topic(t) for t in (topics.REFERRALS_CONTACT, topics.REFERRALS_PERSON)],
    )
    assert scan.records == 1205
    assert scan.event_ids == ids


async def test_a_scan_of_exact_ends_stops_without_waiting_for_quiet(kafka):
    await produce(kafka, topics.REFERRALS_CONTACT, 20, batched=False)
    started = time.monotonic()
    scan = await scan_topics(
        kafka.bootstrap, [kafka.topic(topics.REFERRALS_CONTACT)], quiet_seconds=30
    )
    assert scan.records == 20
    assert time.monotonic() - started < 20


async def test_topics_the_broker_does_not_hold_count_as_empty(kafka):
    scan = await scan_topics(kafka.bootstrap, [kafka.topic("referrals.nothing.events")])
    assert (scan.records, scan.event_ids) == (0, set())
