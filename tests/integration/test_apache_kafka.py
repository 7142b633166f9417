"""Apache Kafka (KRaft) from .tools/kafka/lib: starts, refuses unknown topics, and keeps its
topics and records across a restart on the same data folder."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from runtime.broker import KRaftBroker, apache_kafka_available, free_port

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not apache_kafka_available(), reason="needs java and `make kafka`"),
]


async def _read_one(bootstrap: str, topic: str) -> bytes | None:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=f"g-{topic}"
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=20000, max_records=1)
        records = [r for rs in batch.values() for r in rs]
        return records[0].value if records else None
    finally:
        await consumer.stop()


async def test_topics_and_records_survive_a_restart(tmp_path: Path) -> None:
    broker = KRaftBroker(tmp_path / "data", free_port(), log_path=tmp_path / "kafka.log")
    await broker.astart()
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        await admin.create_topics([NewTopic("lpm.kraft", num_partitions=1, replication_factor=1)])
        await admin.close()
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=True)
        await producer.start()
        await producer.send_and_wait("lpm.kraft", b"kept")
        await producer.stop()
        await broker.astop()

        # A new launcher on the same folder, as a second `lpm run` would be.
        broker = KRaftBroker(tmp_path / "data", broker.port, log_path=tmp_path / "kafka.log")
        await broker.astart()
        assert await _read_one(broker.bootstrap, "lpm.kraft") == b"kept"
        admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
        await admin.start()
        assert "lpm.unknown" not in await admin.list_topics()
        await admin.close()
    finally:
        await broker.astop()


async def test_idempotent_producer_on_the_shared_broker(apache_broker: KRaftBroker) -> None:
    topic = f"lpm.idem.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=apache_broker.bootstrap)
    await admin.start()
    await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=apache_broker.bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, b"once")
    finally:
        await producer.stop()
    assert sent.offset == 0
    assert await _read_one(apache_broker.bootstrap, topic) == b"once"
