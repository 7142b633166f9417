"""The relay's sending discipline, with a producer double: a partition's next batch goes only
after the broker confirmed the one before it, so a failed batch is never overtaken by a later
event of the same key (the embedded broker has no idempotent producer to refuse that)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from aiokafka.errors import KafkaTimeoutError
from runtime.outbox import PARTITIONER, OutboxRelay
from runtime.settings import PlatformSettings

PARTITIONS = [0, 1, 2]


def row(seq: int, key: str) -> SimpleNamespace:
    headers = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/test",
        "type": "test.thing.happened.v1",
        "time": "2026-01-15T10:00:00Z",
        "datacontenttype": "application/json",
        "dataschema": "urn:lpm:schema:test.thing.happened.v1",
        "correlationid": str(uuid.uuid4()),
    }
    return SimpleNamespace(
        seq=seq, id=headers["id"], topic="things", key=key, headers=headers, payload={"n": seq}
    )


class Batch:
    def __init__(self, room: int) -> None:
        self.room = room
        self.keys: list[bytes] = []

    def append(self, *, timestamp: Any, key: bytes, value: bytes, headers: Any) -> object | None:
        if len(self.keys) == self.room:
            return None
        self.keys.append(key)
        return object()


@dataclass
class Producer:
    """Answers each partition's batches in turn; `fail` names (partition, nth batch) to fail."""

    room: int = 2
    fail: set[tuple[int, int]] = field(default_factory=set)
    sent: list[tuple[int, list[bytes]]] = field(default_factory=list)

    async def partitions_for(self, topic: str) -> set[int]:
        return set(PARTITIONS)

    def create_batch(self) -> Batch:
        return Batch(self.room)

    async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> asyncio.Future[Any]:
        nth = sum(1 for p, _ in self.sent if p == partition)
        self.sent.append((partition, list(batch.keys)))
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if (partition, nth) in self.fail:
            answer.set_exception(KafkaTimeoutError())
        else:
            answer.set_result(None)
        await asyncio.sleep(0)  # the other partitions' lanes run meanwhile
        return answer


def partition_of(key: str) -> int:
    return int(PARTITIONER(key.encode(), PARTITIONS, PARTITIONS))


def keys_on(partition: int, count: int) -> list[str]:
    found = []
    n = 0
    while len(found) < count:
        if partition_of(f"k{n}") == partition:
            found.append(f"k{n}")
        n += 1
    return found


def relay() -> OutboxRelay:
    return OutboxRelay(None, None, PlatformSettings(), "test-relay")  # type: ignore[arg-type]


async def test_rows_go_to_their_keys_partitions_in_order_and_all_are_confirmed() -> None:
    keys = [k for p in PARTITIONS for k in keys_on(p, 2)]
    rows = [row(seq, keys[seq % len(keys)]) for seq in range(30)]
    producer = Producer(room=3)
    confirmed, error = await relay()._send_in_order(producer, rows)  # type: ignore[arg-type]
    assert (confirmed, error) == (30, None)
    for partition in PARTITIONS:
        sent = [k.decode() for p, batch in producer.sent if p == partition for k in batch]
        assert sent == [r.key for r in rows if partition_of(r.key) == partition]


async def test_a_failed_batch_is_not_overtaken_by_the_rest_of_its_partition() -> None:
    (a,) = keys_on(0, 1)
    (b,) = keys_on(1, 1)
    # Rows 0-1 of `a` fill partition 0's first batch, which fails; rows 2-3 of `a` would make its
    # second. Partition 1 takes `b`'s rows meanwhile.
    rows = [row(0, a), row(1, a), row(2, b), row(3, a), row(4, a), row(5, b), row(6, b)]
    producer = Producer(room=2, fail={(0, 0)})
    confirmed, error = await relay()._send_in_order(producer, rows)  # type: ignore[arg-type]
    assert isinstance(error, KafkaTimeoutError)
    assert confirmed == 0  # the first row's batch failed: the whole batch is sent again later
    # Nothing of `a` after its failed batch reached the broker; `b`'s partition went on.
    assert [keys for p, keys in producer.sent if p == 0] == [[a.encode(), a.encode()]]
    assert [len(keys) for p, keys in producer.sent if p == 1] == [2, 1]


async def test_confirmed_counts_the_rows_before_the_first_that_failed() -> None:
    (a,) = keys_on(0, 1)
    (b,) = keys_on(2, 1)
    rows = [row(0, b), row(1, b), row(2, a), row(3, b), row(4, b), row(5, a)]
    # Partition 2's second batch (rows 3-4) fails; row 2 (partition 0) is confirmed.
    producer = Producer(room=2, fail={(2, 1)})
    confirmed, error = await relay()._send_in_order(producer, rows)  # type: ignore[arg-type]
    assert isinstance(error, KafkaTimeoutError)
    assert confirmed == 3
