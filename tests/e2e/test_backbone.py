"""The event backbone end to end: HTTP write, outbox, Kafka, consumer, projection, under faults.

Every test runs on SQLite and on PostgreSQL; those about delivery run on the embedded broker
and on Apache Kafka (`kafka`), each test under topic and group names of its own.
"""

from __future__ import annotations

import pytest
from contracts import topics
from runtime.outbox import pending_count
from runtime.testing import (
    Kafka,
    eventually,
    headers_of,
    json_of,
    own_broker,
    read_topic,
    run_service,
)
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

SCHOOL = {
    "source": "school_via_cluster",
    "cluster_id": "seacroft-manston",
    "caller": {"role": "Targeted Services Leader"},
    "worry": "Attendance has dropped.",
}


async def contacts_total(outcomes, issuer) -> int:  # type: ignore[no-untyped-def]
    r = await outcomes.client.get("/v1/measures/contacts", headers=issuer.headers("bi_analyst"))
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


async def test_a_contact_written_over_http_reaches_the_outcomes_projection(
    kafka, databases, issuer
):
    school = issuer.headers("partner", agency="school-1")
    async with (
        run_service("referrals", await databases.new("referrals"), kafka, issuer) as referrals,
        run_service("outcomes", await databases.new("outcomes"), kafka, issuer) as outcomes,
    ):
        r = await referrals.client.post("/v1/contacts", json=SCHOOL, headers=school)
        assert r.status_code == 201, r.text
        contact_id = r.json()["contact_id"]
        await eventually(lambda: contacts_total(outcomes, issuer), timeout=40)
        assert await contacts_total(outcomes, issuer) == 1
        producer = referrals.workers.relay._producer
        if kafka.kind == "apache":
            # Idempotent: the broker gave the relay a producer id, so a retried send of a
            # batch is written once.
            assert producer._txn_manager is not None
            assert producer._txn_manager.producer_id >= 0

    records = await read_topic(kafka, topics.REFERRALS_CONTACT, 1)
    assert records[0].key.decode() == contact_id
    h = headers_of(records[0])
    assert h["ce_type"] == "referrals.contact.opened.v1"
    assert h["ce_specversion"] == "1.0"
    assert h["ce_dataschema"] == "urn:lpm:schema:referrals.contact.opened.v1"
    assert json_of(records[0])["referring_agency_id"] == "school-1"


async def test_writes_while_the_broker_is_down_all_arrive_once_it_is_back(
    broker_kind, databases, issuer, tmp_path
):
    down = own_broker(broker_kind, tmp_path)  # not started yet
    kafka = Kafka(broker_kind, down.bootstrap)
    school = issuer.headers("partner", agency="school-1")
    async with run_service(
        "referrals", await databases.new("referrals"), kafka, issuer
    ) as referrals:
        for _ in range(5):
            r = await referrals.client.post("/v1/contacts", json=SCHOOL, headers=school)
            assert r.status_code == 201, r.text
        assert await pending_count(referrals.db, referrals.app.state.tables) == 5
        relay = referrals.workers.relay
        await eventually(lambda: relay.stats.failures >= 1)

        await down.astart()
        try:
            # No topics yet: each service creates them before its relay may write.
            async with run_service(
                "outcomes", await databases.new("outcomes"), kafka, issuer
            ) as outcomes:
                await eventually(lambda: _zero_pending(referrals), timeout=60)
                await eventually(lambda: _total_is(outcomes, issuer, 5), timeout=40)
                consumer = outcomes.workers.consumer
                assert consumer.stats.applied == 5
            records = await read_topic(kafka, topics.REFERRALS_CONTACT, 5)
            assert len({headers_of(r)["ce_id"] for r in records}) == 5
        finally:
            await down.astop()


async def _zero_pending(service) -> bool:  # type: ignore[no-untyped-def]
    return await pending_count(service.db, service.app.state.tables) == 0


async def _total_is(outcomes, issuer, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await contacts_total(outcomes, issuer) == n


async def test_an_event_committed_before_a_crash_is_published_after_restart(
    kafka, databases, issuer
):
    school = issuer.headers("partner", agency="school-1")
    url = await databases.new("referrals")
    # First life: commits the write, dies before its relay publishes anything.
    async with run_service("referrals", url, kafka, issuer, run_workers=False) as first:
        r = await first.client.post("/v1/contacts", json=SCHOOL, headers=school)
        assert r.status_code == 201
        assert await pending_count(first.db, first.app.state.tables) == 1
    # Second life on the same database: the relay finds the row and publishes it.
    async with run_service("referrals", url, kafka, issuer) as second:
        await eventually(lambda: _zero_pending(second))
    records = await read_topic(kafka, topics.REFERRALS_CONTACT, 1)
    assert [json_of(r)["contact_id"] for r in records] == [r.json()["contact_id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"source": "carrier_pigeon"}, "source"),
        ({"source": "school_via_cluster", "cluster_id": "atlantis"}, "cluster_id"),
        ({"source": "school_via_cluster", "worry": "x" * 4001}, "worry"),
        ({"source": "school_via_cluster", "caller": {"name": 7}}, "caller.name"),
        ({"source": "school_via_cluster", "surprise": True}, "surprise"),
    ],
)
async def test_invalid_input_gets_a_problem_and_stores_and_publishes_nothing(
    broker, databases, issuer, body, field
):
    from referrals.adapters import orm

    async with run_service(
        "referrals", await databases.new("referrals"), broker.bootstrap, issuer
    ) as referrals:
        r = await referrals.client.post(
            "/v1/contacts", json=body, headers=issuer.headers("duty_advice")
        )
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        problem = r.json()
        assert problem["type"] == "/problems/validation-error"
        assert field in [e["field"] for e in problem["errors"]]
        async with referrals.db.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(orm.contacts)) == 0
        assert await pending_count(referrals.db, referrals.app.state.tables) == 0
