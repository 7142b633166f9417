"""Rebuild: drop the read models and re-read every subscribed topic from its beginning.

A second consumer (`<live group>-rebuild-<n>`, the name of its inbox rows; in no consumer group
on the broker, as it never resumes) applies the same handlers while the live consumer carries on; the handlers are order-tolerant upserts, so an event applied
by both leaves one row. Stream events are not emitted twice: their ids derive from the source
event and a handler emits only ids the outbox does not hold.

Before clearing anything the topics are read through once: a rebuild whose topics lack an event
the read models were built from (the live inbox holds its id) is refused, since it would erase
figures it cannot make again. Progress is the records read against the records found then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from runtime.consumer import EventConsumer
from runtime.db import Database
from runtime.domain import Conflict
from runtime.kafka import scan_topics
from sqlalchemy import delete, func, or_, select

from outcomes.adapters import orm
from outcomes.adapters.read_models import clear_read_models
from outcomes.domain.errors import RebuildSourceIncomplete

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED, INTERRUPTED = "running", "done", "failed", "interrupted"


@dataclass
class RebuildStatus:
    group_id: str
    status: str
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    target_records: int
    records_read: int
    events_applied: int

    @property
    def lag(self) -> int:
        return 0 if self.status == DONE else max(0, self.target_records - self.records_read)


class Rebuilder:
    def __init__(self, app_state: Any) -> None:
        self.state = app_state
        self.definition = app_state.definition
        self.db: Database = app_state.db
        self.consumer: EventConsumer | None = None
        self.current: RebuildStatus | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def live_group(self) -> str:
        return str(self.definition.consumer_group)

    async def start(self, requested_by: str) -> RebuildStatus:
        if self._task is not None and not self._task.done():
            raise Conflict(
                detail=f"rebuild {self.current.group_id if self.current else ''} is running"
            )
        if not self.definition.settings.run_workers:
            raise Conflict(detail="this process runs no consumers; rebuild where the workers run")
        topics = list(self.definition.subscriptions)
        platform = self.definition.settings.platform
        scan = await scan_topics(platform.kafka_bootstrap, [platform.kafka_name(t) for t in topics])
        rebuilds, inbox = orm.rebuilds, self.definition.tables.processed_messages
        prefix = f"{self.live_group}-rebuild-"
        applied = or_(inbox.c.handler == self.live_group, inbox.c.handler.startswith(prefix))
        async with self.db.sessions() as session:
            known = {
                str(i) for i in (await session.scalars(select(inbox.c.event_id).where(applied)))
            }
        missing = len(known - scan.event_ids)
        if missing:
            raise RebuildSourceIncomplete(
                detail=(
                    f"the topics hold {len(known) - missing} of the {len(known)} events the read "
                    f"models were built from ({missing} missing): nothing was cleared"
                ),
                extra={"events_applied": len(known), "events_missing": missing},
            )
        target = scan.records
        now = datetime.now(UTC)
        async with self.db.transaction() as session:
            n = int(await session.scalar(select(func.count()).select_from(rebuilds)) or 0) + 1
            group_id = f"{prefix}{n}"
            await clear_read_models(session)
            await session.execute(delete(inbox).where(applied))
            await session.execute(
                rebuilds.update().where(rebuilds.c.status == RUNNING).values(status=INTERRUPTED)
            )
            await session.execute(
                rebuilds.insert().values(
                    group_id=group_id,
                    requested_by=requested_by,
                    started_at=now,
                    target_records=target,
                    status=RUNNING,
                )
            )
        self.consumer = EventConsumer(
            self.db,
            self.definition.tables,
            self.definition.settings.platform,
            group_id=group_id,
            topics=topics,
            handlers=dict(self.definition.handlers),
            source=self.definition.source,
            grouped=False,
        )
        self.current = RebuildStatus(group_id, RUNNING, requested_by, now, None, target, 0, 0)
        # A worker task: the service's shutdown stops the rebuild with the relay and consumer.
        self._task = self.state.workers.spawn(self._run(self.consumer))
        return self.current

    async def _run(self, consumer: EventConsumer) -> None:
        assert self.current is not None
        status = self.current
        runner = asyncio.create_task(consumer.run())
        try:
            while True:
                self._refresh(status, consumer)
                if status.records_read >= status.target_records:
                    break
                if runner.done():
                    raise RuntimeError("the rebuild consumer stopped")
                await asyncio.sleep(0.05)
            status.status = DONE
        except asyncio.CancelledError:
            status.status = INTERRUPTED
            raise
        except Exception:
            log.exception("rebuild %s failed", status.group_id)
            status.status = FAILED
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
            self._refresh(status, consumer)
            status.finished_at = datetime.now(UTC)
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await session.execute(
                        orm.rebuilds.update()
                        .where(orm.rebuilds.c.group_id == status.group_id)
                        .values(status=status.status, finished_at=status.finished_at)
                    )

    @staticmethod
    def _refresh(status: RebuildStatus, consumer: EventConsumer) -> None:
        s = consumer.stats
        status.records_read = s.applied + s.duplicates + s.ignored + s.dead_lettered
        status.events_applied = s.applied

    async def latest(self) -> RebuildStatus | None:
        if self.current is not None:
            return self.current
        r = orm.rebuilds.c
        async with self.db.sessions() as session:
            row = (
                (await session.execute(select(orm.rebuilds).order_by(r.seq.desc()).limit(1)))
                .mappings()
                .first()
            )
        if row is None:
            return None
        status = row["status"] if row["status"] != RUNNING else INTERRUPTED
        return RebuildStatus(
            row["group_id"],
            status,
            row["requested_by"],
            row["started_at"],
            row["finished_at"],
            row["target_records"],
            0,
            0,
        )
