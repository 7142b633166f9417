"""Retention: what each platform table keeps, and the prune that applies it.

- Outbox: unpublished rows are never pruned; published rows go after `outbox_retention_days`
  (365). Until then they are the service's event log for `lpm replay` and the rebuild after a
  broker that came back empty.
- Inbox (`processed_messages`): after `inbox_retention_days` (400). It must outlive the
  outbox rows of every producer, so that any event that can still be republished is still
  recognised as applied (the settings refuse an inbox kept shorter than the outbox).
- Idempotency keys: after `idempotency_retention_hours` (24).
- Audit: `audit_retention_years` (25) from the entry. The IRMS retention guidelines for local
  authorities keep early help and children in need case records until the child's 25th
  birthday; the trail of who read or changed a record is kept as long as the record, and an
  entry is never older than the child it concerns, so 25 years from the entry covers it. Audit
  entries are removed only by `lpm prune`, a deliberate act, never by the workers.

The workers prune outbox, inbox and idempotency keys every `prune_interval_seconds`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Delete, delete
from sqlalchemy.ext.asyncio import AsyncSession

from runtime.db import Database, utcnow
from runtime.settings import PlatformSettings
from runtime.tables import PlatformTables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pruned:
    outbox: int = 0
    inbox: int = 0
    idempotency_keys: int = 0
    audit: int = 0


@dataclass(frozen=True)
class RetentionRule:
    """How long each table keeps its rows; 0 days (or years) keeps them for ever."""

    outbox_days: int
    inbox_days: int
    audit_years: int
    idempotency: timedelta = timedelta(hours=24)

    @classmethod
    def of(cls, settings: PlatformSettings) -> RetentionRule:
        return cls(
            settings.outbox_retention_days,
            settings.inbox_retention_days,
            settings.audit_retention_years,
            timedelta(hours=settings.idempotency_retention_hours),
        )


async def prune(
    db: Database,
    tables: PlatformTables,
    rule: RetentionRule,
    *,
    audit: bool = False,
    now: datetime | None = None,
) -> Pruned:
    """Delete what the rule no longer keeps; the audit trail only when `audit` is asked for."""
    now = now or utcnow()
    outbox, inbox = tables.outbox, tables.processed_messages
    keys, trail = tables.idempotency_keys, tables.audit_log
    counts = {"outbox": 0, "inbox": 0, "idempotency_keys": 0, "audit": 0}
    async with db.transaction() as session:
        if rule.outbox_days > 0:
            deleted = await _delete(
                session,
                delete(outbox).where(
                    outbox.c.published_at.is_not(None),
                    outbox.c.published_at < now - timedelta(days=rule.outbox_days),
                ),
            )
            counts["outbox"] = deleted
        if rule.inbox_days > 0:
            deleted = await _delete(
                session,
                delete(inbox).where(inbox.c.processed_at < now - timedelta(days=rule.inbox_days)),
            )
            counts["inbox"] = deleted
        deleted = await _delete(
            session, delete(keys).where(keys.c.created_at < now - rule.idempotency)
        )
        counts["idempotency_keys"] = deleted
        if audit and rule.audit_years > 0:
            # Calendar years; 29 February falls back to the 28th.
            try:
                horizon = now.replace(year=now.year - rule.audit_years)
            except ValueError:
                horizon = now.replace(year=now.year - rule.audit_years, day=28)
            deleted = await _delete(session, delete(trail).where(trail.c.at < horizon))
            counts["audit"] = deleted
    return Pruned(**counts)


async def _delete(session: AsyncSession, statement: Delete) -> int:
    result = cast(CursorResult[Any], await session.execute(statement))
    return int(result.rowcount)


async def prune_forever(
    db: Database, tables: PlatformTables, settings: PlatformSettings, service: str
) -> None:
    """The workers' loop: outbox, inbox and idempotency keys, never the audit trail."""
    rule = RetentionRule.of(settings)
    while True:
        try:
            pruned = await prune(db, tables, rule)
            if pruned != Pruned():
                log.info("%s: retention pruned %s", service, pruned)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database may be away; the next round tries again
            log.warning("%s: retention prune failed (%s)", service, exc)
        await asyncio.sleep(settings.prune_interval_seconds)
