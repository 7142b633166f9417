"""The BI team reads the pseudonymised outcome stream with standard tools, as the README says:
`kcat` (Debian's, librdkafka) and `confluent-kafka` for Python, against Apache Kafka. Both use
librdkafka, which needs Apache Kafka: the embedded broker is not enough for them."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from contracts import topics
from contracts.registry import parse_payload
from contracts.topics import namespaced
from runtime.kafka import ensure_topics
from runtime.testing import eventually, run_service
from sqlalchemy import func, select

from .test_rebuild_and_stream import STREAM_MODELS, history_identifiers

pytestmark = pytest.mark.integration

EXPECTED_STREAM = 36 + 8 + 4  # scores, endings, closures of the six families


async def _produce(bootstrap: str, namespace: str, envelopes: list[Any]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for env in envelopes:
            await producer.send_and_wait(
                namespaced(namespace, parse_payload(env).topic),
                value=env.kafka_value(),
                key=(env.subject or "").encode(),
                headers=env.kafka_headers(),
            )
    finally:
        await producer.stop()


def _read_with_kcat(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """What the README tells the BI team to run, with -e to stop at the end of the topic."""
    out = subprocess.run(
        ["kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-J"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _read_with_confluent_kafka(bootstrap: str, topic: str, group: str, expected: int) -> list[Any]:
    from confluent_kafka import Consumer

    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    records: list[Any] = []
    try:
        for _ in range(240):  # at most about two minutes
            message = consumer.poll(0.5)
            if message is None:
                if len(records) >= expected:
                    break
                continue
            assert message.error() is None, message.error()
            records.append(message)
            consumer.commit(message=message, asynchronous=False)
    finally:
        consumer.close()
    return records


def _check(body: dict[str, Any], event_type: str, key: str, secrets: set[str]) -> None:
    STREAM_MODELS[event_type].model_validate(body)
    text = json.dumps(body) + key
    assert not [s for s in secrets if s in text], f"{event_type} carries an identifier"


async def test_the_bi_team_reads_the_outcome_stream_with_kcat_and_confluent_kafka(
    apache_broker, issuer, history, tmp_path
):
    if shutil.which("kcat") is None:
        pytest.fail("kcat is not installed (Debian package kcat; .ci/run installs it)")
    namespace = f"bi{uuid.uuid4().hex[:8]}"
    bootstrap = apache_broker.bootstrap
    await ensure_topics(bootstrap, namespace=namespace)
    url = f"sqlite+aiosqlite:///{tmp_path}/outcomes.db"
    platform = {"kafka_namespace": namespace, "kafka_idempotence": True}
    async with run_service("outcomes", url, bootstrap, issuer, platform=platform) as outcomes:
        await _produce(bootstrap, namespace, list(history.events))

        async def published() -> bool:
            outbox = outcomes.app.state.tables.outbox
            async with outcomes.db.sessions() as session:
                done = await session.scalar(
                    select(func.count()).where(
                        outbox.c.topic == topics.OUTCOMES_STREAM, outbox.c.published_at.isnot(None)
                    )
                )
            return done == EXPECTED_STREAM

        await eventually(published, timeout=240)

    stream = namespaced(namespace, topics.OUTCOMES_STREAM)
    secrets = set(history_identifiers(history))

    by_kcat = await asyncio.to_thread(_read_with_kcat, bootstrap, stream)
    kcat_ids = set()
    for message in by_kcat:
        # kcat -J gives headers as a flat list: name, value, name, value, ...
        headers = dict(zip(message["headers"][::2], message["headers"][1::2], strict=True))
        assert headers["ce_specversion"] == "1.0"
        _check(json.loads(message["payload"]), headers["ce_type"], message["key"], secrets)
        kcat_ids.add(headers["ce_id"])
    assert len(by_kcat) == len(kcat_ids) == EXPECTED_STREAM

    by_librdkafka = await asyncio.to_thread(
        _read_with_confluent_kafka, bootstrap, stream, f"{namespace}.bi-team", EXPECTED_STREAM
    )
    librdkafka_ids = set()
    for message in by_librdkafka:
        headers = {k: v.decode() for k, v in message.headers()}
        _check(json.loads(message.value()), headers["ce_type"], message.key().decode(), secrets)
        librdkafka_ids.add(headers["ce_id"])
    assert len(by_librdkafka) == EXPECTED_STREAM
    # The same events, whichever tool read them.
    assert librdkafka_ids == kcat_ids
