"""Retention: published outbox rows and inbox entries go after their period, unpublished rows
never; idempotency keys after a day; the audit trail only after its legal period and only by
the prune command, never by the workers. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from runtime.broker import free_port
from runtime.db import utcnow
from runtime.retention import RetentionRule, prune
from runtime.settings import PlatformSettings
from runtime.testing import eventually, run_service
from sqlalchemy import func, insert, select

pytestmark = pytest.mark.integration

DAY = timedelta(days=1)


def _outbox_row(at, published: bool):  # type: ignore[no-untyped-def]
    return {
        "id": uuid.uuid4(),
        "aggregate_type": "contact",
        "aggregate_id": "c1",
        "event_type": "referrals.contact.opened.v1",
        "topic": "referrals.contact.events",
        "key": "c1",
        "payload": {},
        "headers": {},
        "created_at": at,
        "published_at": at if published else None,
        "attempts": 1 if published else 0,
        "next_attempt_at": at,
    }


def _audit_row(at):  # type: ignore[no-untyped-def]
    return {
        "at": at,
        "subject": "worker-1",
        "action": "read",
        "record_type": "contact",
        "record_id": str(uuid.uuid4()),
        "method": "GET",
        "path": "/v1/contacts",
        "status": 200,
        "request_id": str(uuid.uuid4()),
    }


async def _seed(svc, now):  # type: ignore[no-untyped-def]
    t = svc.app.state.tables
    async with svc.db.transaction() as session:
        await session.execute(
            insert(t.outbox),
            [
                _outbox_row(now - 366 * DAY, published=True),  # past the year: goes
                _outbox_row(now - 364 * DAY, published=True),  # within it: stays
                _outbox_row(now - 999 * DAY, published=False),  # never published: stays
            ],
        )
        await session.execute(
            insert(t.processed_messages),
            [
                {"handler": "g", "event_id": uuid.uuid4(), "event_type": "x", "processed_at": at}
                for at in (now - 401 * DAY, now - 399 * DAY)
            ],
        )
        await session.execute(
            insert(t.idempotency_keys),
            [
                {
                    "client": "c",
                    "key": key,
                    "method": "POST",
                    "path": "/v1/contacts",
                    "body_hash": "0" * 64,
                    "status": 201,
                    "response_headers": [],
                    "response_body": "{}",
                    "created_at": at,
                }
                for key, at in (("old", now - 25 * timedelta(hours=1)), ("new", now))
            ],
        )
        await session.execute(
            insert(t.audit_log), [_audit_row(now - 9200 * DAY), _audit_row(now - 9000 * DAY)]
        )


async def _counts(svc) -> dict[str, int]:  # type: ignore[no-untyped-def]
    t = svc.app.state.tables
    found = {}
    async with svc.db.sessions() as session:
        for name in ("outbox", "processed_messages", "idempotency_keys", "audit_log"):
            table = getattr(t, name)
            found[name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return found


async def test_each_table_keeps_what_its_rule_says(databases, issuer):
    now = utcnow()
    url = await databases.new("retention")
    async with run_service("referrals", url, "127.0.0.1:9", issuer, run_workers=False) as svc:
        await _seed(svc, now)
        rule = RetentionRule.of(PlatformSettings())
        assert (rule.outbox_days, rule.inbox_days, rule.audit_years) == (365, 400, 25)

        # What the workers run: the audit trail is not theirs to prune.
        by_workers = await prune(svc.db, svc.app.state.tables, rule, now=now)
        assert (by_workers.outbox, by_workers.inbox, by_workers.idempotency_keys) == (1, 1, 1)
        assert by_workers.audit == 0
        assert await _counts(svc) == {
            "outbox": 2,
            "processed_messages": 1,
            "idempotency_keys": 1,
            "audit_log": 2,
        }
        t = svc.app.state.tables
        async with svc.db.sessions() as session:
            unpublished = await session.scalar(
                select(func.count()).where(t.outbox.c.published_at.is_(None))
            )
        assert unpublished == 1

        # The prune command: audit entries over 25 years (9,200 days) go, the rest stay.
        by_command = await prune(svc.db, svc.app.state.tables, rule, audit=True, now=now)
        assert by_command.audit == 1
        assert (await _counts(svc))["audit_log"] == 1

        # 0 keeps for ever.
        keep = RetentionRule(outbox_days=0, inbox_days=0, audit_years=0)
        later = await prune(svc.db, svc.app.state.tables, keep, audit=True, now=now + 9999 * DAY)
        assert (later.outbox, later.inbox, later.audit) == (0, 0, 0)


def test_an_inbox_kept_shorter_than_the_outbox_is_refused():
    with pytest.raises(ValidationError, match="inbox_retention_days"):
        PlatformSettings(outbox_retention_days=30, inbox_retention_days=7)
    with pytest.raises(ValidationError, match="inbox_retention_days"):
        PlatformSettings(outbox_retention_days=0, inbox_retention_days=400)
    assert PlatformSettings(outbox_retention_days=0, inbox_retention_days=0)


async def test_the_workers_prune_on_their_own(issuer, tmp_path):
    now = utcnow()
    url = f"sqlite+aiosqlite:///{tmp_path}/referrals.db"
    platform = {"prune_interval_seconds": 0.2}
    async with run_service(
        "referrals", url, f"127.0.0.1:{free_port()}", issuer, platform=platform
    ) as svc:
        await _seed(svc, now)

        async def pruned() -> bool:
            counts = await _counts(svc)
            return counts["outbox"] == 2 and counts["processed_messages"] == 1

        await eventually(pruned, timeout=30)
        assert (await _counts(svc))["audit_log"] == 2


async def test_lpm_prune_applies_the_rule_and_says_what_it_removed(issuer, tmp_path):
    now = utcnow()
    url = f"sqlite+aiosqlite:///{tmp_path}/referrals.db"
    async with run_service("referrals", url, "127.0.0.1:9", issuer, run_workers=False) as svc:
        await _seed(svc, now)
    done = await asyncio.to_thread(
        subprocess.run,
        [str(Path(sys.executable).parent / "lpm"), "prune", "referrals"],
        env={**os.environ, "REFERRALS_DATABASE_URL": url, "LPM_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    out = done.stdout
    assert "referrals: pruned 1 published outbox rows over 365 days" in out
    assert "1 inbox entries over 400 days" in out and "1 audit entries over 25 years" in out
