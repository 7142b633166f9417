"""Two outcomes replicas share one consumer group on PostgreSQL. The second joins while contacts
are being written, and the first is SIGKILLed during that rebalance: the survivor takes over its
partitions, and every acknowledged contact is counted once."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from runtime.testing import (
    ServiceProcess,
    eventually,
    migrate,
    postgres_database,
    require_postgres,
    run_service,
)

pytestmark = pytest.mark.integration

WRITES = 40
SCHOOL = {
    "source": "school_via_cluster",
    "cluster_id": "seacroft-manston",
    "caller": {"role": "Targeted Services Leader"},
    "worry": "Attendance has dropped.",
}


async def _total(service: ServiceProcess, headers: dict[str, str]) -> int:
    async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:
        r = await client.get("/v1/measures/contacts", headers=headers)
    return int(r.json()["total"]) if r.status_code == 200 else -1


async def _ready(service: ServiceProcess) -> bool:
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:
            return (await client.get("/health/ready")).status_code == 200
    except httpx.HTTPError:
        return False


async def test_one_of_two_outcomes_replicas_killed_during_a_rebalance_loses_nothing(
    kafka, issuer, tmp_path
):
    require_postgres()
    group = f"outcomes-{uuid.uuid4().hex[:6]}"
    bi = issuer.headers("bi_analyst")
    duty = issuer.headers("duty_advice")
    async with postgres_database("outcomes") as outcomes_url:
        await migrate("outcomes", outcomes_url)
        first, second = (
            ServiceProcess.of(
                "outcomes", outcomes_url, kafka, issuer, tmp_path, consumer_group=group
            )
            for _ in range(2)
        )
        acknowledged: list[str] = []
        try:
            first.start()
            await first.wait_live()
            await eventually(lambda: _ready(first), timeout=120, interval=0.5)
            async with run_service(
                "referrals", f"sqlite+aiosqlite:///{tmp_path / 'referrals.db'}", kafka, issuer
            ) as referrals:

                async def load() -> None:
                    for _ in range(WRITES):
                        r = await referrals.client.post("/v1/contacts", json=SCHOOL, headers=duty)
                        assert r.status_code == 201, r.text
                        acknowledged.append(r.json()["contact_id"])
                        await asyncio.sleep(0.1)

                writing = asyncio.create_task(load())
                await eventually(lambda: _total(first, bi), timeout=60)  # the first projects
                second.start()
                await second.wait_live()
                # The second replica's join starts a rebalance; the first dies in it.
                await asyncio.sleep(1.0)
                first.kill()
                await writing
                await eventually(
                    lambda: _total_is(second, bi, len(acknowledged)), timeout=120, interval=0.5
                )
            assert len(acknowledged) == WRITES
            await asyncio.sleep(2)  # a late redelivery would show as a second count
            assert await _total(second, bi) == WRITES, second.log()
        finally:
            first.kill()
            second.stop()


async def _total_is(service: ServiceProcess, headers: dict[str, str], n: int) -> bool:
    return await _total(service, headers) == n
