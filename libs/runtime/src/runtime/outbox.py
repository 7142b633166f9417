"""Transactional outbox: events are rows written with the state change, then relayed to Kafka.

The relay reads unpublished rows in `seq` order, publishes them with `acks=all`, and marks them
published. On PostgreSQL several replicas of a service may run a relay each: one publishes at a
time, the one holding the transaction-scoped advisory lock `RELAY_LOCK` of the service's
database; the others find it taken and wait for their next poll. Disjoint batches published side
by side (`SKIP LOCKED`) could put a later event of an aggregate before an earlier one.
On a broker fault it stops at the first failed row (so a key's events keep their order), backs
off and tries again; the API never waits for it. Published rows stay: the table is the service's
ordered event log for replays.

A broker that came back empty (its cluster id changed: the embedded broker at every restart)
has lost what was published. The relay's producer is pinned to the cluster it started on
(runtime.kafka.ClusterGuard), so no batch begun there is retried into the new one; the relay
then creates the contracted topics, marks its whole log unpublished and sends it again from
the first row, in order, before anything newer. Consumers rewind on the same sign, and their
inbox makes each event apply once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from aiokafka.partitioner import DefaultPartitioner
from contracts.envelope import Envelope, EventPayload
from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.db import Database, utcnow
from runtime.kafka import ClusterChanged, PinnedProducer, ensure_topics, new_producer
from runtime.settings import PlatformSettings
from runtime.tables import PlatformTables
from runtime.telemetry import messaging_span

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
# The advisory lock key of the relay leader (advisory locks are per database on PostgreSQL, and
# each service has its own database).
RELAY_LOCK = 0x4C504D0052454C41  # "LPM\0RELA"
# The partition of a key, as the producer itself (and Kafka's Java clients) choose it.
PARTITIONER = DefaultPartitioner()


async def enqueue(
    session: AsyncSession, tables: PlatformTables, envelope: Envelope, payload: EventPayload
) -> None:
    """Add an event to the outbox inside the caller's transaction."""
    now = utcnow()
    aggregate_id = payload.aggregate_id()
    await session.execute(
        insert(tables.outbox),
        {
            "id": envelope.id,
            "aggregate_type": payload.aggregate_type,
            "aggregate_id": aggregate_id,
            "event_type": envelope.type,
            "topic": payload.topic,
            "key": aggregate_id,
            "payload": envelope.data,
            "headers": envelope.model_dump(mode="json", exclude={"data"}),
            "created_at": now,
            "attempts": 0,
            "next_attempt_at": now,
        },
    )


def envelope_of(row: Row[Any]) -> Envelope:
    return Envelope.model_validate({**row.headers, "data": row.payload})


def backoff(attempts: int) -> float:
    return float(min(MAX_BACKOFF_SECONDS, 0.25 * 2 ** min(attempts, 10)))


@dataclass
class RelayStats:
    published: int = 0
    failures: int = 0
    waits: int = 0  # polls that found another relay publishing
    republished_logs: int = 0  # times the whole log was sent again to a broker that lost it


class OutboxRelay:
    """Publishes outbox rows to Kafka; `run()` loops until cancelled."""

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        settings: PlatformSettings,
        client_id: str,
        batch_size: int = 200,
        poll_seconds: float = 0.5,
    ) -> None:
        self.db = db
        self.tables = tables
        self.settings = settings
        self.client_id = client_id
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.stats = RelayStats()
        self._producer: PinnedProducer | None = None
        self._producer_failures = 0
        # The cluster this relay's log was last published to (None: not known in this process).
        self.cluster_id: str | None = None

    async def _ensure_producer(self) -> PinnedProducer:
        if self._producer is None:
            producer = new_producer(self.settings, self.client_id)
            try:
                await producer.start()
                cluster = await producer.guard.current()
                if self.cluster_id is not None and cluster != self.cluster_id:
                    await self._republish_log(self.cluster_id, cluster)
                # Never produce to a topic this service has not created as contracted.
                await ensure_topics(
                    self.settings.kafka_bootstrap, namespace=self.settings.kafka_namespace
                )
            except BaseException:
                await self._stop(producer)
                raise
            self.cluster_id = cluster
            self._producer = producer
        return self._producer

    async def _republish_log(self, was: str | None, now: str | None) -> None:
        """The broker lost what was published: mark the whole log unpublished, so that it is
        sent again from its first row, in order (durably: a crash midway goes on after); the
        caller then creates the topics, before anything is sent."""
        log.warning(
            "outbox relay: the broker came back empty (cluster %s, was %s); creating the topics "
            "and publishing the whole outbox log again",
            now,
            was,
        )
        outbox = self.tables.outbox
        async with self.db.transaction() as session:
            if self.db.is_postgres:
                # Not in the middle of another replica's batch.
                await session.execute(select(func.pg_advisory_xact_lock(RELAY_LOCK)))
            await session.execute(
                update(outbox).where(outbox.c.published_at.is_not(None)).values(published_at=None)
            )
        self.stats.republished_logs += 1

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await self._stop(producer)

    @staticmethod
    async def _stop(producer: PinnedProducer) -> None:
        try:
            # Bounded: batches left in it fail at once on another cluster (ClusterChanged), but
            # an idempotent producer may wait for a producer id from a broker that is away.
            async with asyncio.timeout(10):
                await producer.stop()
        except Exception:  # the broker is already gone; nothing more to flush
            log.debug("producer stop failed", exc_info=True)

    async def run(self) -> None:
        while True:
            try:
                published = await self.publish_pending()
                self._producer_failures = 0
            except asyncio.CancelledError:
                raise
            except ClusterChanged as exc:
                # Not a fault of the broker's: start again at once on the new cluster.
                self.stats.failures += 1
                log.warning("outbox relay: %s", exc)
                await self._drop_producer()
                continue
            except Exception as exc:
                self._producer_failures += 1
                self.stats.failures += 1
                delay = backoff(self._producer_failures)
                log.warning("outbox relay: broker unavailable (%s); retry in %.1fs", exc, delay)
                await self._drop_producer()
                await asyncio.sleep(delay)
                continue
            if published == 0:
                self.db.outbox_signal.clear()
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation
                # that lands as the signal is set, and the relay would then never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self.db.outbox_signal.wait()

    async def close(self) -> None:
        await self._drop_producer()

    async def publish_pending(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        producer = await self._ensure_producer()
        # Idle or not, ask which cluster answers (once per connection: a broker that restarted
        # is a new connection), so that a relay with nothing to send still learns of a broker
        # that lost its log.
        await producer.guard.current()
        outbox = self.tables.outbox
        query = (
            select(outbox)
            # No per-row due filter: a row waiting for retry must not be overtaken by later ones.
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.seq)
            .limit(self.batch_size)
        )
        if self.db.is_postgres:
            # One relay at a time, for the length of this transaction; API writes go on.
            async with self.db.transaction() as session:
                leader = await session.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK)))
                if not leader:
                    self.stats.waits += 1
                    return 0
                rows = (await session.execute(query)).all()
                sent, error = await self._send_in_order(producer, rows)
                await self._mark(session, rows, sent, error)
        else:
            # SQLite has one relay per database file; never hold its write lock while sending.
            async with self.db.sessions() as session:
                rows = (await session.execute(query)).all()
            sent, error = await self._send_in_order(producer, rows)
            if rows:
                async with self.db.transaction() as session:
                    await self._mark(session, rows, sent, error)
        self.stats.published += sent
        if error is not None:
            raise error
        return sent

    async def _mark(
        self, session: AsyncSession, rows: Sequence[Row[Any]], sent: int, error: Exception | None
    ) -> None:
        outbox = self.tables.outbox
        now = utcnow()
        if sent:
            await session.execute(
                update(outbox)
                .where(outbox.c.seq.in_([r.seq for r in rows[:sent]]))
                .values(published_at=now, attempts=outbox.c.attempts + 1, last_error=None)
            )
        if error is not None and sent < len(rows):
            failed = rows[sent]
            await session.execute(
                update(outbox)
                .where(outbox.c.seq == failed.seq)
                .values(
                    attempts=failed.attempts + 1,
                    last_error=str(error)[:2000] or type(error).__name__,
                    next_attempt_at=now + timedelta(seconds=backoff(failed.attempts + 1)),
                )
            )

    async def _send_in_order(
        self, producer: PinnedProducer, rows: Sequence[Row[Any]]
    ) -> tuple[int, Exception | None]:
        """Send a batch; returns how many leading rows are confirmed, and the first error.

        Without an idempotent producer (the embedded broker has none) a broker that fails one
        batch of a partition still takes the producer's batches queued after it, so a key's
        later event could be written before its earlier one, which the relay sends again. So
        the relay builds each partition's batches itself and sends a partition's next batch
        only once the broker has confirmed the one before it; partitions go side by side.
        """
        lanes: dict[tuple[str, int], list[int]] = {}
        try:
            for i, row in enumerate(rows):
                topic = self.settings.kafka_name(row.topic)
                partitions = sorted(await producer.partitions_for(topic))
                # The producer's own choice of partition for a key (as `send` makes it).
                partition = PARTITIONER(row.key.encode(), partitions, partitions)
                lanes.setdefault((topic, partition), []).append(i)
        except Exception as exc:
            return 0, exc
        confirmed = [False] * len(rows)

        async def lane(topic: str, partition: int, indexes: list[int]) -> None:
            while indexes:
                batch = producer.create_batch()
                taken = 0
                for i in indexes:
                    if not self._append(batch, topic, rows[i]):
                        break  # full: this row opens the partition's next batch
                    taken += 1
                await (await producer.send_batch(batch, topic, partition=partition))
                for i in indexes[:taken]:
                    confirmed[i] = True
                indexes = indexes[taken:]

        outcomes = await asyncio.gather(
            *(lane(topic, partition, ix) for (topic, partition), ix in lanes.items()),
            return_exceptions=True,
        )
        failed = dict(zip(lanes, outcomes, strict=True))
        lane_of = {i: key for key, indexes in lanes.items() for i in indexes}
        for index, done in enumerate(confirmed):
            if not done:  # its lane stopped at it (a lane that ends confirms all its rows)
                error = failed[lane_of[index]]
                if not isinstance(error, Exception):
                    raise cast(BaseException, error)  # cancelled: not the broker's fault
                return index, error
        return len(rows), None

    def _append(self, batch: Any, topic: str, row: Row[Any]) -> bool:
        """Add one row's event to a partition's batch; False when the batch is full."""
        env = envelope_of(row)
        exporter = self.settings.otel_exporter
        with messaging_span(
            exporter, "publish", topic, str(row.id), env.traceparent, env.tracestate
        ):
            appended = batch.append(
                timestamp=None,
                key=row.key.encode(),
                value=env.kafka_value(),
                headers=env.kafka_headers(),
            )
        return appended is not None


async def pending_count(db: Database, tables: PlatformTables) -> int:
    async with db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(tables.outbox)
                .where(tables.outbox.c.published_at.is_(None))
            )
            or 0
        )


async def republish_all(
    db: Database, tables: PlatformTables, settings: PlatformSettings, client_id: str
) -> int:
    """Send the whole outbox log again, in order (to rebuild consumers after a broker loss)."""
    producer = new_producer(settings, client_id)
    await producer.start()
    count = 0
    try:
        async with db.sessions() as session:
            result = await session.stream(select(tables.outbox).order_by(tables.outbox.c.seq))
            async for row in result:
                env = envelope_of(row)
                await producer.send(
                    settings.kafka_name(row.topic),
                    value=env.kafka_value(),
                    key=row.key.encode(),
                    headers=env.kafka_headers(),
                )
                count += 1
        await producer.flush()
    finally:
        await producer.stop()
    return count
