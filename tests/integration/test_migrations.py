"""Each service's Alembic history builds exactly the tables its models declare, on both databases."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from runtime.db import create_engine
from runtime.services import DATA_SERVICES as SERVICES
from runtime.testing import migrate

pytestmark = pytest.mark.integration


async def _diff(name: str, url: str) -> list[object]:
    metadata = SERVICES[name].bootstrap().definition().metadata
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
    finally:
        await engine.dispose()


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_migrations_and_models_agree(name, databases):
    url = await databases.new(name)
    await migrate(name, url)
    diff = await _diff(name, url)
    assert diff == [], f"{name}: models and migrations differ; run `lpm makemigration`: {diff}"


async def test_migrations_can_run_twice_without_change(databases):
    url = await databases.new("referrals")
    await migrate("referrals", url)
    await migrate("referrals", url)
    assert await _diff("referrals", url) == []
    await asyncio.sleep(0)
