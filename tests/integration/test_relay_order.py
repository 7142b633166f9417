"""Two replicas of a service on one PostgreSQL database, each with its relay, writing the same
aggregates while the broker is slow: every aggregate's events reach the topic in the order they
were written, each aggregate in one partition, none twice."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from contracts import topics
from contracts.envelope import Envelope
from contracts.referrals.v1 import ContactOpened
from runtime.db import Database
from runtime.outbox import OutboxRelay, enqueue, pending_count
from runtime.testing import (
    eventually,
    headers_of,
    migrate,
    platform_settings,
    postgres_database,
    read_topic,
    require_postgres,
)

pytestmark = pytest.mark.integration

AGGREGATES = 50
PER_AGGREGATE = 40  # 2,000 events
PER_TRANSACTION = 10


class SlowProducer:
    """A producer whose every send waits first, as on a slow or distant broker."""

    def __init__(self, producer: Any) -> None:
        self._producer = producer

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(random.uniform(0, 0.004))
        return await self._producer.send(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._producer, name)


class SlowRelay(OutboxRelay):
    async def _ensure_producer(self) -> Any:
        return SlowProducer(await super()._ensure_producer())


async def test_two_relays_keep_each_aggregates_order(kafka, issuer):
    from referrals.adapters.orm import platform as tables

    require_postgres()
    settings = platform_settings(kafka.bootstrap, issuer, **kafka.platform())
    async with postgres_database("relays") as url:
        await migrate("referrals", url)
        replicas = [Database(url), Database(url)]
        relays = [
            SlowRelay(
                db, tables, settings, f"referrals-relay-{i}", batch_size=50, poll_seconds=0.05
            )
            for i, db in enumerate(replicas)
        ]
        tasks = [asyncio.create_task(r.run()) for r in relays]
        aggregates = [uuid.uuid4() for _ in range(AGGREGATES)]
        written: dict[str, list[str]] = defaultdict(list)
        try:
            # Each replica writes a share of every aggregate's events, in the aggregate's order;
            # a transaction writes the next event of several aggregates, so that any batch a
            # relay takes holds events of many aggregates.
            for n in range(PER_AGGREGATE):
                random.shuffle(aggregates)
                for start in range(0, AGGREGATES, PER_TRANSACTION):
                    db = replicas[(n + start) % 2]
                    async with db.transaction() as session:
                        for aggregate in aggregates[start : start + PER_TRANSACTION]:
                            payload = ContactOpened(
                                contact_id=aggregate, source="school", opened_at=datetime.now(UTC)
                            )
                            env = Envelope.wrap(payload, source="/services/referrals")
                            await enqueue(session, tables, env, payload)
                            written[str(aggregate)].append(str(env.id))
                    db.outbox_signal.set()
            total = AGGREGATES * PER_AGGREGATE
            await eventually(lambda: _none_pending(replicas[0], tables), timeout=180, interval=0.5)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for r in relays:
                await r.close()
            for db in replicas:
                await db.dispose()
        assert sum(r.stats.published for r in relays) == total

    records = await read_topic(kafka, topics.REFERRALS_CONTACT, total, timeout=60)
    assert len({headers_of(r)["ce_id"] for r in records}) == total == len(records)
    arrived: dict[str, list[str]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        key = record.key.decode()
        arrived[key].append(headers_of(record)["ce_id"])
        partitions[key].add(record.partition)
    out_of_order = [k for k in written if arrived[k] != written[k]]
    assert not out_of_order, f"{len(out_of_order)} aggregates out of order"
    assert all(len(p) == 1 for p in partitions.values())
    assert sum(r.stats.waits for r in relays) > 0  # both tried; one published at a time


async def _none_pending(db: Database, tables: Any) -> bool:
    return await pending_count(db, tables) == 0
