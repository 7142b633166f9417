"""A PostgreSQL restart under load: clients see 503 with Retry-After, never 500; readiness is
false meanwhile; the service recovers by itself; retries with the same Idempotency-Key leave
exactly one record per key.

The server is the test's own (a throwaway cluster), since the test stops it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from runtime.pgserver import PostgresNotInstalled, ThrowawayCluster, throwaway_cluster
from runtime.testing import REQUIRE_POSTGRES, eventually, run_service
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

CONTACT = {"source": "early_help_hub", "worry": "Mum says things are hard at home."}
CLIENTS = 6


@pytest.fixture
def own_postgres() -> AsyncIterator[ThrowawayCluster]:
    try:
        # Commits must survive the immediate stop (a crash) for the count to mean anything.
        with throwaway_cluster(synchronous_commit="on") as cluster:
            yield cluster
    except PostgresNotInstalled as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))


async def _database_on(cluster: ThrowawayCluster) -> str:
    conn = await asyncpg.connect(dsn=cluster.url)
    try:
        await conn.execute('CREATE DATABASE "referrals"')
    finally:
        await conn.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}/referrals"


async def test_a_postgres_restart_under_load_answers_503_with_retry_after_and_loses_nothing(
    own_postgres, broker, issuer
):
    url = await _database_on(own_postgres)
    headers = issuer.headers("duty_advice")
    statuses: Counter[int] = Counter()
    retry_after_missing: list[int] = []
    readiness: Counter[int] = Counter()
    answers: dict[str, str] = {}
    stop = asyncio.Event()

    async with run_service("referrals", url, broker.bootstrap, issuer) as referrals:
        # Errors are answered, not raised into the client: what a real HTTP client would see.
        transport = httpx.ASGITransport(app=referrals.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://referrals") as client:

            async def write_until_stored(key: str) -> None:
                # A client that retries with the same key until it has a final answer.
                for _ in range(400):
                    r = await client.post(
                        "/v1/contacts", json=CONTACT, headers={**headers, "Idempotency-Key": key}
                    )
                    statuses[r.status_code] += 1
                    if r.status_code == 201:
                        answers[key] = r.json()["contact_id"]
                        return
                    if r.status_code == 503 and "retry-after" not in r.headers:
                        retry_after_missing.append(r.status_code)
                    await asyncio.sleep(0.1)
                raise AssertionError(f"key {key} never stored (last {r.status_code}: {r.text})")

            async def client_loop() -> None:
                while not stop.is_set():
                    await write_until_stored(str(uuid.uuid4()))

            async def watch_readiness() -> None:
                while not stop.is_set():
                    readiness[(await client.get("/health/ready")).status_code] += 1
                    await asyncio.sleep(0.05)

            # Start from a ready service (its consumer holds its partitions and fetches).
            await eventually(lambda: _ready(client), timeout=60)
            tasks = [asyncio.create_task(client_loop()) for _ in range(CLIENTS)]
            tasks.append(asyncio.create_task(watch_readiness()))
            try:
                await eventually(lambda: statuses[201] >= 20, timeout=30)
                await asyncio.to_thread(own_postgres.restart, "fast")
                await eventually(lambda: statuses[201] >= 60, timeout=60)
                # An immediate stop is a crash: no clean goodbye to the open connections.
                await asyncio.to_thread(own_postgres.stop, "immediate")
                await asyncio.sleep(1.0)
                await asyncio.to_thread(own_postgres.start)
                stored = statuses[201]
                await eventually(lambda: statuses[201] >= stored + 30, timeout=60)
            finally:
                stop.set()
                results = await asyncio.gather(*tasks, return_exceptions=True)
            failures = [r for r in results if isinstance(r, BaseException)]
            assert failures == []

            # The service came back by itself and says so.
            await eventually(lambda: _ready(client), timeout=30)

        async with referrals.db.sessions() as session:
            contacts = referrals.app.state.definition.metadata.tables["contacts"]
            count = await session.scalar(select(func.count()).select_from(contacts))
            ids = set((await session.execute(select(contacts.c.contact_id))).scalars())

    print(f"answers {dict(statuses)}, readiness {dict(readiness)}, keys {len(answers)}")
    assert statuses[500] == 0, statuses
    assert statuses[503] > 0, statuses  # the restarts were seen by clients
    assert retry_after_missing == []
    assert readiness[503] > 0 and readiness[200] > 0, readiness
    # One contact per key, the one its first 201 named: nothing lost, nothing doubled.
    assert count == len(answers)
    assert {uuid.UUID(a) for a in answers.values()} == {uuid.UUID(str(i)) for i in ids}


async def _ready(client: httpx.AsyncClient) -> bool:
    return (await client.get("/health/ready")).status_code == 200
