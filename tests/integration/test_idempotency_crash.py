"""An Idempotency-Key survives a crash: a burst of keyed writes, the service SIGKILLed in the
middle of it, then every key retried against the restarted service. Each key yields exactly one
record, and a key whose answer reached the client gets that same answer again."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from runtime.db import Database
from runtime.testing import ServiceProcess, migrate
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

BURST = 120
IN_FLIGHT = 12
KILL_AFTER = 30  # answers received before the SIGKILL: the rest are in flight or unsent
SCHOOL = {
    "source": "school_via_cluster",
    "cluster_id": "seacroft-manston",
    "caller": {"role": "Targeted Services Leader"},
    "worry": "Attendance has dropped.",
}


async def _contacts(url: str) -> list[str]:
    from referrals.adapters import orm

    db = Database(url)
    try:
        async with db.sessions() as s:
            return [str(c) for c in (await s.scalars(select(orm.contacts.c.contact_id))).all()]
    finally:
        await db.dispose()


async def _keys_left(url: str) -> int:
    from referrals.adapters import orm

    db = Database(url)
    try:
        async with db.sessions() as s:
            table = orm.platform.idempotency_keys
            return int(await s.scalar(select(func.count()).select_from(table)) or 0)
    finally:
        await db.dispose()


async def test_keyed_writes_retried_after_a_sigkill_yield_one_record_each_and_replay(
    databases, issuer, tmp_path
):
    url = await databases.new("referrals")
    await migrate("referrals", url)
    headers = issuer.headers("partner", agency="school-1")
    keys = [f"burst-{i}-{uuid.uuid4().hex[:6]}" for i in range(BURST)]
    service = ServiceProcess.of(
        "referrals", url, "127.0.0.1:1", issuer, tmp_path, run_workers=False
    )
    service.start()
    first: dict[str, httpx.Response] = {}
    lost: list[str] = []
    answered = asyncio.Event()
    try:
        await service.wait_live()
        gate = asyncio.Semaphore(IN_FLIGHT)
        async with httpx.AsyncClient(base_url=service.url, timeout=90) as client:

            async def write(key: str) -> None:
                async with gate:
                    try:
                        r = await client.post(
                            "/v1/contacts", json=SCHOOL, headers={**headers, "Idempotency-Key": key}
                        )
                    except httpx.HTTPError:
                        lost.append(key)
                        return
                    first[key] = r
                    if len(first) >= KILL_AFTER:
                        answered.set()

            burst = [asyncio.create_task(write(k)) for k in keys]
            await asyncio.wait_for(answered.wait(), 120)
            service.kill()
            await asyncio.gather(*burst)
    finally:
        service.kill()
    assert all(r.status_code == 201 for r in first.values()), [r.text for r in first.values()]
    assert len(first) >= KILL_AFTER and lost, "the SIGKILL must land mid-burst"
    committed_before = len(await _contacts(url))
    assert committed_before >= len(first)

    again = ServiceProcess.of("referrals", url, "127.0.0.1:1", issuer, tmp_path, run_workers=False)
    again.start()
    retried: dict[str, Any] = {}
    try:
        await again.wait_live()
        async with httpx.AsyncClient(base_url=again.url, timeout=90) as client:
            for key in keys:
                r = await client.post(
                    "/v1/contacts", json=SCHOOL, headers={**headers, "Idempotency-Key": key}
                )
                # Never "in progress" for a request that died with the process.
                assert r.status_code == 201, (key, r.status_code, r.text)
                retried[key] = r
    finally:
        again.stop()

    for key, answer in first.items():
        replay = retried[key]
        assert replay.headers.get("idempotent-replayed") == "true"
        assert replay.json() == answer.json()
        assert replay.headers["location"] == answer.headers["location"]
    contact_ids = [r.json()["contact_id"] for r in retried.values()]
    assert len(set(contact_ids)) == BURST  # one record per key ...
    stored = await _contacts(url)
    assert sorted(stored) == sorted(contact_ids)  # ... and none besides
    assert await _keys_left(url) == BURST
