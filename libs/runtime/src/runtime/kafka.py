"""Kafka clients: producer and consumer factories, idempotent topic creation, reachability.

Every client of the platform is pinned to one cluster (`ClusterGuard`): a broker that came back
empty has a new cluster id, and a client refuses to send it anything on the old one's state (a
retried batch, a commit of an old offset). Nor does any client create a topic by asking for
its metadata: topics exist only as `ensure_topics` made them, with the contracted partitions.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

import aiokafka.client
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.conn import CloseReason
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
    RequestTimedOutError,
    TopicAlreadyExistsError,
)
from aiokafka.protocol.metadata import MetadataRequest
from contracts.topics import ALL_TOPICS, PARTITIONS, dead_letter_topic, namespaced

from runtime.settings import PlatformSettings

log = logging.getLogger(__name__)


class _NoAutoCreate(MetadataRequest):  # type: ignore[misc]
    """A metadata request that never creates the topics it names. A client asks for a topic's
    metadata before it produces to it; the embedded broker (and an Apache Kafka left with
    `auto.create.topics.enable`) would then create it with its own default partition count, and
    one aggregate's events would no longer share a partition."""

    def __init__(
        self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = None
    ) -> None:
        super().__init__(topics, allow_auto_topic_creation=False)


# aiokafka builds every client's metadata request from this name (and offers no setting).
aiokafka.client.MetadataRequest = _NoAutoCreate


class ClusterChanged(KafkaError):  # type: ignore[misc]
    """The broker now answering belongs to another cluster than the one the client started on:
    it came back empty (the embedded broker at every restart, an Apache Kafka whose log was
    lost). Not retriable, so that nothing is sent to it on the old cluster's state."""

    retriable = False  # aiokafka re-raises its errors as type(err)(message): one argument


class ClusterGuard:
    """Pins an aiokafka client to the first cluster it reaches.

    Before any request but metadata goes over a connection, the cluster id of the broker behind
    it is asked once (a TCP connection does not outlive a broker restart, so one question per
    connection covers every later send and every retry over it). Another id raises
    `ClusterChanged` instead of sending: a produce batch started on the old cluster is never
    retried into the new one, and an offset of the old one is never committed there.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.cluster_id: str | None = None
        self.changed: ClusterChanged | None = None
        self._checked: weakref.WeakSet[Any] = weakref.WeakSet()
        self._send = client.send
        client.send = self.send

    async def send(self, node_id: Any, request: Any, **kwargs: Any) -> Any:
        group = kwargs.get("group", aiokafka.client.ConnectionGroup.DEFAULT)
        while True:
            conn = await self.client._get_conn(node_id, group=group)
            if conn is None or conn in self._checked:
                break  # no connection: the send below raises NodeNotReadyError
            await self._check(conn)
        # Nothing suspends between here and the write: the request goes over the checked one.
        return await self._send(node_id, request, **kwargs)

    async def current(self) -> str | None:
        """The cluster id behind a connection to the broker now (asked once per connection);
        raises `ClusterChanged` if it is not the pinned one."""
        node_id = self.client.get_random_node()
        if node_id is None:
            raise KafkaConnectionError("no broker known")
        conn = await self.client._get_conn(node_id)
        if conn is None:
            raise KafkaConnectionError(f"broker {node_id} not reachable")
        if conn not in self._checked:
            await self._check(conn)
        return self.cluster_id

    async def _check(self, conn: Any) -> None:
        try:
            response = await conn.send(MetadataRequest([]))
        except TimeoutError as exc:
            conn.close(reason=CloseReason.CONNECTION_TIMEOUT)
            raise RequestTimedOutError() from exc
        cluster = getattr(response, "cluster_id", None)
        if self.cluster_id is None:
            self.cluster_id = cluster
        elif cluster != self.cluster_id:
            self.changed = ClusterChanged(
                f"cluster id changed from {self.cluster_id} to {cluster}: the broker came back empty"
            )
            raise self.changed
        self._checked.add(conn)


class PinnedProducer(AIOKafkaProducer):  # type: ignore[misc]
    """A producer that sends only to the cluster it started on (`ClusterGuard`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guard = ClusterGuard(self.client)


class PinnedConsumer(AIOKafkaConsumer):  # type: ignore[misc]
    """A consumer that fetches and commits only on the cluster it started on (`ClusterGuard`)."""

    def __init__(self, *topics: str, **kwargs: Any) -> None:
        super().__init__(*topics, **kwargs)
        self.guard = ClusterGuard(self._client)


def all_topics_with_dead_letters() -> list[str]:
    return [t for topic in ALL_TOPICS for t in (topic, dead_letter_topic(topic))]


def new_producer(settings: PlatformSettings, client_id: str) -> PinnedProducer:
    return PinnedProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=2,
    )


def new_consumer(
    settings: PlatformSettings, group_id: str | None, topics: list[str], client_id: str
) -> PinnedConsumer:
    """A consumer of contracted `topics` in `group_id`, both under the settings' namespace;
    with no group, of every partition of the topics, and it can commit no offsets."""
    return PinnedConsumer(
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
