"""Kafka clients: producer and consumer factories, idempotent topic creation, reachability."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from contracts.topics import ALL_TOPICS, PARTITIONS, dead_letter_topic, namespaced

from runtime.settings import PlatformSettings

log = logging.getLogger(__name__)


def all_topics_with_dead_letters() -> list[str]:
    return [t for topic in ALL_TOPICS for t in (topic, dead_letter_topic(topic))]


def new_producer(settings: PlatformSettings, client_id: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=2,
    )


def new_consumer(
    settings: PlatformSettings, group_id: str | None, topics: list[str], client_id: str
) -> AIOKafkaConsumer:
    """A consumer of contracted `topics` in `group_id`, both under the settings' namespace;
    with no group, of every partition of the topics, and it can commit no offsets."""
    return AIOKafkaConsumer(
        *[settings.kafka_name(t) for t in topics],
        bootstrap_servers=settings.kafka_bootstrap,
        group_id=settings.kafka_name(group_id) if group_id is not None else None,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40000),
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
    )


async def ensure_topics(
    bootstrap: str,
    topics: list[str] | None = None,
    partitions: int = PARTITIONS,
    *,
    namespace: str = "",
) -> None:
    """Create contracted topics (and their dead-letter twins) if missing, under `namespace`.
    Safe to call at every start."""
    contracted = topics if topics is not None else all_topics_with_dead_letters()
    wanted = [namespaced(namespace, t) for t in contracted]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return
        try:
            await admin.create_topics(
                [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing]
            )
        except TopicAlreadyExistsError:
            pass  # another process created them first
    finally:
        await admin.close()


@dataclass
class TopicScan:
    """What a set of topics holds now: its records, and the distinct event ids (`ce_id`)."""

    records: int = 0
    event_ids: set[str] = field(default_factory=set)


async def scan_topics(
    bootstrap: str, topics: list[str], *, quiet_seconds: float = 0.25, timeout: float = 600.0
) -> TopicScan:
    """Read `topics` from their beginning to their end, counting records and event ids.

    The end is where every partition's position has reached its end offset (as the broker gave
    them when the reading first paused) and a fetch finds nothing more. The embedded broker
    counts a partition's last batch as one record, so its end offsets fall short: a position
    past one means that batch was fetched whole, and a short quiet (`quiet_seconds`) stands in
    for any doubt. Topics the broker does not hold count as empty.
    """
    scan = TopicScan()
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        held = [t for t in topics if t in await consumer.topics()]
        if not held:
            return scan
        consumer.subscribe(held)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last_record = loop.time()
        ends: dict[TopicPartition, int] | None = None
        while loop.time() < deadline:
            # A short wait: what was fetched is returned at once, and the ends are checked only
            # once nothing more is.
            batch = await consumer.getmany(timeout_ms=50, max_records=5000)
            for records in batch.values():
                scan.records += len(records)
                for record in records:
                    for key, value in record.headers or ():
                        if key == "ce_id" and value:
                            scan.event_ids.add(value.decode("utf-8", "replace"))
            if batch:
                last_record = loop.time()
                continue
            assignment = consumer.assignment()
            if not assignment:
                continue
            if ends is None:
                ends = await consumer.end_offsets(list(assignment))
            positions = {tp: await consumer.position(tp) for tp in assignment}
            if any(positions[tp] < ends.get(tp, 0) for tp in assignment):
                continue
            # A fetch found nothing: the rest of a batch returned in part would have come.
            exact = all(positions[tp] == ends.get(tp, 0) for tp in assignment)
            if exact or loop.time() - last_record >= quiet_seconds:
                return scan
        raise TimeoutError(f"topics {held} not read to their end within {timeout}s")
    finally:
        await consumer.stop()


async def broker_reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    """True when a TCP connection to the first bootstrap server succeeds."""
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host or "127.0.0.1", int(port)), timeout
        )
    except (OSError, TimeoutError):
        return False
    writer.close()
    try:
        await writer.wait_closed()
    except OSError:
        pass
    return True
