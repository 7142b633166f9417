"""Event consumer: at-least-once delivery, exactly-once effect, dead letters for poison events.

The records of one fetch are applied in order in one database transaction that also inserts
their `processed_messages(handler, event_id)` rows; a redelivered event finds its row and
changes nothing. Offsets are committed only after that transaction. When any event of the batch
fails, the batch is rolled back and its events applied again one transaction each, so a failure
is the event's own. A record that cannot be parsed, or whose
handler rejects it, goes to `<topic>.dlq` with the reason, and the consumer carries on.
A database that is down is not poison: the record is retried until it can be stored.

A broker that came back empty (a new cluster id; runtime.kafka.ClusterGuard) holds none of the
offsets this consumer had reached: it drops its client, and a new one reads the topics from
their beginning, as the relays send their logs again; the inbox turns what was applied before
into no-ops. Nothing is committed on the new cluster from the old one's positions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import ConsumerRecord
from contracts.envelope import Envelope, EventPayload
from contracts.registry import is_known, parse_payload
from contracts.topics import dead_letter_topic
from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from runtime import audit
from runtime.db import Database, utcnow
from runtime.domain import DomainError
from runtime.kafka import (
    ClusterChanged,
    PinnedConsumer,
    PinnedProducer,
    ensure_topics,
    new_consumer,
    new_producer,
)
from runtime.outbox import enqueue
from runtime.settings import PlatformSettings
from runtime.staging import close_staging, flush_staged, open_staging
from runtime.tables import PlatformTables
from runtime.telemetry import messaging_span
from runtime.uow import drain_events

log = logging.getLogger(__name__)


CLUSTER_CHECK_SECONDS = 1.0


class PoisonEvent(Exception):
    """Raised by a handler for an event it can never apply."""


@dataclass
class HandlerContext:
    """What a handler gets: the inbox transaction's session, the envelope, and `emit`."""

    session: AsyncSession
    envelope: Envelope
    tables: PlatformTables
    source: str
    emitted: list[tuple[Envelope, EventPayload]] = field(default_factory=list)

    def emit(self, payload: EventPayload, *, event_id: uuid.UUID | None = None) -> Envelope:
        """Queue `payload` in the outbox with this event as its cause; `event_id` pins the id
        of an event derived deterministically from this one, so a replay derives the same."""
        env = Envelope.wrap(
            payload,
            event_id=event_id,
            source=self.source,
            correlation_id=self.envelope.correlationid,
            causation_id=str(self.envelope.id),
            traceparent=self.envelope.traceparent,
            tracestate=self.envelope.tracestate,
        )
        self.emitted.append((env, payload))
        return env

    async def audit(
        self,
        action: str,
        record_type: str,
        record_id: object,
        *,
        family_id: object | None = None,
        person_id: object | None = None,
    ) -> None:
        """Audit a write of a family's or person's record made on this event, in its transaction."""
        await audit.record_event(
            self.session,
            self.tables,
            service=self.source,
            event_id=self.envelope.id,
            event_type=self.envelope.type,
            traceparent=self.envelope.traceparent,
            action=action,
            record_type=record_type,
            record_id=record_id,
            family_id=family_id,
            person_id=person_id,
        )

    def collect(self, *aggregates: object) -> None:
        """Emit the events that domain aggregates recorded, in order, and clear them."""
        drain_events(aggregates, self.emit)


Handler = Callable[[HandlerContext, Any], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """A record read as an event this consumer handles (no record: an envelope given alone)."""

    record: ConsumerRecord[Any, Any] | None
    envelope: Envelope
    handler: Handler
    payload: EventPayload


@dataclass
class ConsumerStats:
    applied: int = 0
    duplicates: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    rewinds: int = 0  # times the topics were read again from the start on a new cluster


class EventConsumer:
    """Consumes `topics` in group `group_id`, dispatching by event type to `handlers`.

    Not `grouped`, it reads every partition from its beginning in no consumer group and
    commits no offsets (for a reader that never resumes: a new group's join takes seconds on
    the embedded broker); `group_id` still names its inbox rows.
    """

    def __init__(
        self,
        db: Database,
        tables: PlatformTables,
        settings: PlatformSettings,
        group_id: str,
        topics: list[str],
        handlers: dict[str, Handler],
        source: str,
        max_handler_attempts: int = 3,
        grouped: bool = True,
    ) -> None:
        self.db = db
        self.tables = tables
        self.settings = settings
        self.group_id = group_id
        self.topics = topics
        self.handlers = handlers
        self.source = source
        self.max_handler_attempts = max_handler_attempts
        self.grouped = grouped
        self.stats = ConsumerStats()
        self.assigned = asyncio.Event()
        self._consumer: PinnedConsumer | None = None
        self._producer: PinnedProducer | None = None
        self.cluster_id: str | None = None  # of the last client's cluster

    async def run(self) -> None:
        """Consume until cancelled, reconnecting with backoff when the broker is away."""
        delay = 0.5
        while True:
            try:
                await self._run_once()
                delay = 0.5
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is None or task.cancelling():
                    raise
                # Not this worker being stopped: a future inside the client was cancelled (its
                # coordinator closing on a broker that went away). Start a new client.
                log.warning("consumer %s: the client was cancelled; reconnecting", self.group_id)
                await self._close_clients()
                await asyncio.sleep(delay)
            except ClusterChanged as exc:
                # A new client reads the new cluster's topics from their beginning (no offsets
                # of the group there yet); the inbox skips what was applied.
                log.warning("consumer %s: %s", self.group_id, exc)
                await self._close_clients()
            except Exception as exc:
                log.warning("consumer %s: %s; reconnecting in %.1fs", self.group_id, exc, delay)
                await self._close_clients()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 15.0)

    async def _run_once(self) -> None:
        # A client that subscribes before its topics exist sees them only at its next metadata
        # refresh, minutes later; after a broker came back empty nobody may have created them.
        await ensure_topics(self.settings.kafka_bootstrap, namespace=self.settings.kafka_namespace)
        group = self.group_id if self.grouped else None
        consumer = new_consumer(self.settings, group, self.topics, self.group_id)
        self._consumer = consumer
        try:
            # Inside the try: a worker stopped while joining its group still closes the client.
            await consumer.start()
            cluster = await consumer.guard.current()
            if self.cluster_id is not None and cluster != self.cluster_id:
                # The group's offsets went with the old cluster: it starts from the beginning.
                self.stats.rewinds += 1
                log.warning(
                    "consumer %s: the broker came back empty (cluster %s, was %s); reading the "
                    "topics from their beginning",
                    self.group_id,
                    cluster,
                    self.cluster_id,
                )
            self.cluster_id = cluster
            loop = asyncio.get_running_loop()
            next_check = loop.time() + CLUSTER_CHECK_SECONDS
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                if loop.time() >= next_check:
                    # Ask ourselves too: a client left without partitions or coordinator may
                    # send nothing that would meet the new cluster.
                    next_check = loop.time() + CLUSTER_CHECK_SECONDS
                    await self._check_cluster(consumer)
                if consumer.guard.changed is not None:
                    # Those records are the old cluster's; all of it is read again.
                    raise consumer.guard.changed
                if consumer.assignment():
                    self.assigned.set()
                else:
                    self.assigned.clear()
                if batch:
                    # Partitions are independent: their records in one batch, each in order.
                    await self.process_batch([r for records in batch.values() for r in records])
                    # Commit once the effects are stored: a crash or rebalance before this
                    # redelivers the batch, and the inbox turns each redelivery into a no-op.
                    if self.grouped:
                        await self._commit(
                            consumer, {tp: rs[-1].offset + 1 for tp, rs in batch.items()}
                        )
        finally:
            await self._close_clients()

    @staticmethod
    async def _check_cluster(consumer: PinnedConsumer) -> None:
        try:
            await consumer.guard.current()
        except ClusterChanged:
            raise
        except Exception:  # the broker is away: the client reconnects by itself
            log.debug("cluster check failed", exc_info=True)

    @staticmethod
    async def _commit(consumer: PinnedConsumer, offsets: dict[Any, int]) -> None:
        """Commit, unless the cluster changed: aiokafka would look for the old cluster's group
        coordinator for ever, since the guard refuses to send it the old offsets."""
        commit = asyncio.ensure_future(consumer.commit(offsets))
        while True:
            done, _ = await asyncio.wait({commit}, timeout=0.5)
            if done:
                commit.result()
                return
            if consumer.guard.changed is not None:
                commit.cancel()
                with contextlib.suppress(BaseException):
                    await commit
                raise consumer.guard.changed

    def consuming(self, within_seconds: float = 10.0) -> bool:
        """True when the consumer holds partitions and the broker answered a fetch for each of
        them lately: it projects again, not merely reconnects (readiness asks this)."""
        consumer = self._consumer
        if consumer is None or not self.assigned.is_set():
            return False
        assignment = consumer.assignment()
        if not assignment:
            return False
        now_ms = time.time() * 1000
        for tp in assignment:
            polled = consumer.last_poll_timestamp(tp)
            if polled is None or now_ms - polled > within_seconds * 1000:
                return False
        return True

    async def _close_clients(self) -> None:
        self.assigned.clear()
        consumer, self._consumer = self._consumer, None
        producer, self._producer = self._producer, None
        for client in (consumer, producer):
            if client is not None:
                try:
                    # Bounded: leaving a group on a broker that is away may never finish.
                    async with asyncio.timeout(10):
                        await client.stop()
                except Exception:
                    log.debug("client stop failed", exc_info=True)

    async def process(self, record: ConsumerRecord[Any, Any]) -> None:
        """Apply one record exactly once in effect, or dead-letter it."""
        await self.process_batch([record])

    async def process_batch(self, records: list[ConsumerRecord[Any, Any]]) -> None:
        """Apply records in order, as `process` would one by one: each run of events between
        the records that are dead-lettered or skipped in one transaction."""
        run: list[Delivery] = []
        for record in records:
            read = self._read(record)
            if isinstance(read, Delivery):
                run.append(read)
                continue
            await self._apply_run(run)  # the events before it first: the order holds
            run = []
            if read is None:
                self.stats.ignored += 1
            else:
                await self._dead_letter(record, read)
        await self._apply_run(run)

    def _read(self, record: ConsumerRecord[Any, Any]) -> Delivery | str | None:
        """The record as a delivery; else why it is dead letter material, or None to skip it."""
        try:
            envelope = Envelope.from_kafka(list(record.headers or []), record.value)
        except (ValueError, ValidationError) as exc:
            return f"unreadable envelope: {exc}"
        handler = self.handlers.get(envelope.type)
        if handler is None:
            # A contracted type this service does not need is skipped; a type no contract
            # defines is a producer's mistake someone must see.
            return None if is_known(envelope.type) else f"unknown event type {envelope.type!r}"
        try:
            payload = parse_payload(envelope)
        except (LookupError, ValidationError) as exc:
            return f"invalid {envelope.type} payload: {exc}"
        return Delivery(record, envelope, handler, payload)

    def _span(self, delivery: Delivery) -> contextlib.AbstractContextManager[Any]:
        envelope, record = delivery.envelope, delivery.record
        return messaging_span(
            self.settings.otel_exporter,
            "process",
            record.topic if record is not None else delivery.payload.topic,
            str(envelope.id),
            envelope.traceparent,
            envelope.tracestate,
            group=self.group_id,
        )

    async def _apply_run(self, deliveries: list[Delivery]) -> None:
        """Apply `deliveries` in one transaction; if that fails, each alone."""
        if not deliveries:
            return
        if len(deliveries) > 1:
            try:
                applied = await self.apply_many(deliveries)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Nothing of the batch was stored: find the event at fault on its own.
                log.info(
                    "consumer %s: a batch of %d failed (%s: %s); applying its events one by one",
                    self.group_id,
                    len(deliveries),
                    type(exc).__name__,
                    exc,
                )
            else:
                self.stats.applied += sum(applied)
                self.stats.duplicates += len(applied) - sum(applied)
                return
        for delivery in deliveries:
            await self._apply_alone(delivery)

    async def _apply_alone(self, delivery: Delivery) -> None:
        assert delivery.record is not None
        await self._apply_with_retries(
            delivery.record, delivery.envelope, delivery.handler, delivery.payload
        )

    async def _apply_with_retries(
        self,
        record: ConsumerRecord[Any, Any],
        envelope: Envelope,
        handler: Handler,
        payload: EventPayload,
    ) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                applied = await self.apply(envelope, handler, payload)
            except (PoisonEvent, DomainError, ValidationError, ValueError, LookupError) as exc:
                await self._dead_letter(record, f"{type(exc).__name__}: {exc}")
                return
            except IntegrityError as exc:
                # A constraint the handler broke is about the event, not the database: it
                # may clear once a racing write settles, so retry a bounded number of times.
                if attempt >= self.max_handler_attempts:
                    await self._dead_letter(record, f"{type(exc).__name__}: {exc.orig}")
                    return
                await asyncio.sleep(0.1 * attempt)
                continue
            except (OperationalError, DBAPIError, OSError) as exc:
                # Infrastructure, not the event: keep it until the database is back.
                log.warning("consumer %s: database unavailable (%s); retrying", self.group_id, exc)
                await asyncio.sleep(min(0.5 * attempt, 10.0))
                continue
            except Exception as exc:
                if attempt >= self.max_handler_attempts:
                    await self._dead_letter(record, f"{type(exc).__name__}: {exc}")
                    return
                await asyncio.sleep(0.1 * attempt)
                continue
            if applied:
                self.stats.applied += 1
            else:
                self.stats.duplicates += 1
            return

    async def apply(self, envelope: Envelope, handler: Handler, payload: EventPayload) -> bool:
        """Run the handler and record the event id in one transaction; False if seen before."""
        try:
            # Alone, the handler writes as it goes: the semantics a batch's staging must keep.
            delivery = Delivery(None, envelope, handler, payload)
            (applied,) = await self.apply_many([delivery], staging=False)
        except (IntegrityError, DomainError):
            # Another delivery of the same event committed first (a rebalance can hand one
            # record to two consumers for a moment; a repository turns the clash into a
            # Conflict), or the handler broke a constraint or a rule: only the former is a
            # duplicate.
            if await self._seen(envelope):
                return False
            raise
        return applied

    async def apply_many(self, deliveries: list[Delivery], *, staging: bool = True) -> list[bool]:
        """Run each delivery's handler in order and record the event ids, all in one
        transaction; for each, False if seen before (in the inbox or earlier in the list).
        With `staging`, the handlers' stores may hold writes back until the end
        (`runtime.staging`)."""
        inbox = self.tables.processed_messages
        ids = [d.envelope.id for d in deliveries]
        results: list[bool] = []
        emitted = False
        async with self.db.transaction() as session:
            seen = set(
                await session.scalars(
                    select(inbox.c.event_id).where(
                        inbox.c.handler == self.group_id, inbox.c.event_id.in_(set(ids))
                    )
                )
            )
            fresh: list[Delivery] = []
            if staging:
                open_staging(session)
            try:
                for delivery in deliveries:
                    envelope = delivery.envelope
                    if envelope.id in seen:
                        results.append(False)
                        continue
                    seen.add(envelope.id)
                    results.append(True)
                    fresh.append(delivery)
                    ctx = HandlerContext(session, envelope, self.tables, self.source)
                    with self._span(delivery):
                        await delivery.handler(ctx, delivery.payload)
                    if ctx.emitted:
                        for env, payload in ctx.emitted:
                            await enqueue(session, self.tables, env, payload)
                        emitted = True
                await flush_staged(session)
            finally:
                close_staging(session)
            if fresh:
                # One moment for the batch: its effects become visible together, at the commit.
                now = utcnow()
                await session.execute(
                    insert(inbox),
                    [
                        {
                            "handler": self.group_id,
                            "event_id": d.envelope.id,
                            "event_type": d.envelope.type,
                            "processed_at": now,
                        }
                        for d in fresh
                    ],
                )
        if emitted:
            self.db.outbox_signal.set()
        return results

    async def _seen(self, envelope: Envelope) -> bool:
        inbox = self.tables.processed_messages
        async with self.db.sessions() as session:
            found = await session.scalar(
                select(inbox.c.event_id).where(
                    inbox.c.handler == self.group_id, inbox.c.event_id == envelope.id
                )
            )
        return found is not None

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], reason: str) -> None:
        headers = [
            # A null header value cannot be produced again: it travels as empty bytes.
            *[(k, b"" if v is None else v) for k, v in record.headers or []],
            ("dlq_reason", reason[:4000].encode()),
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self.group_id.encode()),
        ]
        log.error(
            "consumer %s: dead-lettering %s@%s: %s",
            self.group_id,
            record.topic,
            record.offset,
            reason,
        )
        if self._producer is None:
            producer = new_producer(self.settings, self.group_id + "-dlq")
            await producer.start()
            self._producer = producer
        await self._producer.send_and_wait(
            dead_letter_topic(record.topic), value=record.value, key=record.key, headers=headers
        )
        self.stats.dead_lettered += 1
