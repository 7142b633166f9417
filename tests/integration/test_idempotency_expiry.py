"""An Idempotency-Key replays its first answer only while it is kept: once older than the
retention (before the prune has deleted it), or left as a claim by an earlier version, the same
key runs the request afresh."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from runtime.db import utcnow
from runtime.idempotency import IN_PROGRESS
from runtime.testing import run_service
from sqlalchemy import update

pytestmark = pytest.mark.integration

FIRST = {"source": "early_help_hub", "worry": "first"}
SECOND = {"source": "early_help_hub", "worry": "second"}


@pytest.mark.parametrize("left", ["expired", "claim of an earlier version"])
async def test_a_key_no_longer_kept_runs_the_request_afresh(left, databases, broker, issuer):
    async with run_service(
        "referrals", await databases.new("r"), broker.bootstrap, issuer, run_workers=False
    ) as referrals:
        key = str(uuid.uuid4())
        headers = {**issuer.headers("duty_advice"), "Idempotency-Key": key}
        first = await referrals.client.post("/v1/contacts", json=FIRST, headers=headers)
        assert first.status_code == 201, first.text
        # While kept: the same key with another body is refused, with the same body replayed.
        reused = await referrals.client.post("/v1/contacts", json=SECOND, headers=headers)
        assert reused.status_code == 422, reused.text
        replay = await referrals.client.post("/v1/contacts", json=FIRST, headers=headers)
        assert replay.json()["contact_id"] == first.json()["contact_id"]

        keys = referrals.app.state.tables.idempotency_keys
        change = (
            {"created_at": utcnow() - timedelta(hours=25)}
            if left == "expired"
            else {"status": IN_PROGRESS}
        )
        async with referrals.db.transaction() as session:
            await session.execute(update(keys).values(**change))

        again = await referrals.client.post("/v1/contacts", json=SECOND, headers=headers)
        assert again.status_code == 201, again.text
        assert "idempotent-replayed" not in again.headers
        assert again.json()["contact_id"] != first.json()["contact_id"]
        # And the key now replays the new answer.
        replay = await referrals.client.post("/v1/contacts", json=SECOND, headers=headers)
        assert replay.json()["contact_id"] == again.json()["contact_id"]
