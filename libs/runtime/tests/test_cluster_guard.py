"""A client pinned to its cluster: after the embedded broker came back empty (a new cluster id on
the same address), a producer started on the old cluster sends it nothing, not even the retry of
a batch, and no client's metadata request creates a topic."""

from __future__ import annotations

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from runtime.broker import EmbeddedBroker, free_port
from runtime.kafka import ClusterChanged, PinnedProducer, ensure_topics
from runtime.testing import read_all

pytestmark = pytest.mark.integration


async def _topics(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


async def test_a_producer_sends_nothing_to_a_broker_that_came_back_empty(tmp_path):
    broker = EmbeddedBroker(free_port(), log_path=tmp_path / "broker.log")
    await broker.astart()
    try:
        await ensure_topics(broker.bootstrap, ["t.events"])
        producer = PinnedProducer(bootstrap_servers=broker.bootstrap, request_timeout_ms=3000)
        await producer.start()
        try:
            await producer.send_and_wait("t.events", b"before", key=b"k")
            first = await producer.guard.current()
            assert first is not None and first.startswith("lpm-")

            broker.kill()
            await broker.astart()
            # The broker would acknowledge a produce to a topic it does not hold (and keep
            # nothing): the producer must not get that far (refused by its guard, or finding
            # no such topic once its metadata is refreshed).
            with pytest.raises(KafkaError):
                await producer.send_and_wait("t.events", b"after", key=b"k")
            with pytest.raises(ClusterChanged):
                await producer.guard.current()
            assert producer.guard.cluster_id == first
            # Asking for the topic's metadata to produce to it did not create it.
            assert "t.events" not in await _topics(broker.bootstrap)
        finally:
            await producer.stop()

        await ensure_topics(broker.bootstrap, ["t.events"])
        assert await read_all(broker.bootstrap, "t.events", quiet_seconds=0.5) == []
    finally:
        await broker.astop()
