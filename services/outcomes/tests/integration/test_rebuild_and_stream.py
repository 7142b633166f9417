"""On the real broker: the live consumers, a rebuild that must give the same dashboards, and the
BI outcome stream, which must carry nothing that identifies a family."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
from contracts import topics
from contracts.outcomes import v1
from contracts.registry import all_events
from runtime.broker import KRaftBroker
from runtime.kafka import ensure_topics
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

from .test_read_models import disagreeing, read_model_rows

pytestmark = pytest.mark.integration

DASHBOARDS = (
    "/v1/scorecard",
    "/v1/scorecard?cluster_id=jess",
    "/v1/evaluation/goal-movement",
    "/v1/evaluation/closure-reasons",
    "/v1/evaluation/improvement-by-category",
    "/v1/evaluation/table-4",
    "/v1/evaluation/table-1",
    "/v1/evaluation/table-3?from=2017-01-01&to=2019-12-31",
    "/v1/run-charts/goals_improved_percent?from=2019-01-01&to=2019-06-30",
)
STREAM_MODELS = {c.event_type: c for c in all_events() if c.topic == topics.OUTCOMES_STREAM}
EXPECTED_STREAM = 36 + 8 + 4  # scores, endings, closures


async def dashboards(service, issuer) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = {}
    for path in DASHBOARDS:
        r = await service.client.get(path, headers=issuer.headers("bi_analyst"))
        assert r.status_code == 200, r.text
        found[path] = r.json()
    return found


def check_the_stream_identifies_no_one(records, history) -> None:  # type: ignore[no-untyped-def]
    secrets = set(history_identifiers(history))
    for record in records:
        body = json_of(record)
        event_type = headers_of(record)["ce_type"]
        model = STREAM_MODELS[event_type]
        model.model_validate(body)
        for name, value in body.items():
            kind = v1.ALLOWED_FIELD_KINDS.get(name)
            assert kind is not None, f"{event_type}.{name} is not an allowed field"
            if kind is v1.FieldKind.PSEUDONYM:
                assert re.fullmatch(v1.PSEUDONYM_PATTERN, value), value
        text = json.dumps(body) + record.key.decode()
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{event_type} carries {leaked}"


def history_identifiers(history) -> list[str]:  # type: ignore[no-untyped-def]
    """Every id, and every string that is not a code, of the input events."""
    found: list[str] = list(history.free_text)
    for env in history.events:
        for key, value in env.data.items():
            if key.endswith("_id") or key.endswith("_ids"):
                values = value if isinstance(value, list) else [value]
                found += [str(v) for v in values if v and len(str(v)) > 12]
    return found


async def test_a_rebuild_gives_the_live_dashboards_and_emits_nothing_twice(
    kafka, databases, issuer, history, send
):
    events = list(history.events)
    async with run_service("outcomes", await databases.new("outcomes"), kafka, issuer) as outcomes:
        r = await outcomes.client.post(
            "/v1/service-responses",
            json={
                "kind": "cp_plan",
                "cluster_id": "jess",
                "occurred_on": "2018-03-01",
                "source_system": "mosaic",
                "source_id": "cp-9",
                "source_person_id": "MOS-77",
                "child_date_of_birth": "2012-05-17",
            },
            headers=issuer.headers("admin"),
        )
        assert r.status_code == 201, r.text
        # Every event once, then the first twenty again: a redelivery after a crash.
        await send(kafka, events + events[:20])
        consumer = outcomes.workers.consumer
        total = len(events) + 20
        await eventually(
            lambda: consumer.stats.applied + consumer.stats.duplicates >= total, timeout=60
        )
        assert consumer.stats.applied == len(events)
        assert consumer.stats.dead_lettered == 0
        live = await dashboards(outcomes, issuer)
        assert live["/v1/evaluation/goal-movement"]["improved"] == 8

        admin = issuer.headers("admin")
        started = await outcomes.client.post("/v1/admin/rebuild", headers=admin)
        assert started.status_code == 202, started.text
        assert started.json()["target_records"] == total
        again = await outcomes.client.post("/v1/admin/rebuild", headers=admin)
        assert again.status_code == 409

        async def finished() -> dict[str, Any] | None:
            r = await outcomes.client.get("/v1/admin/rebuild", headers=admin)
            body = r.json()
            return body if body["status"] == "done" else None

        progress = await eventually(finished, timeout=90)
        assert progress["lag"] == 0
        assert progress["records_read"] == total
        assert progress["group_id"].endswith("-rebuild-1")
        assert await dashboards(outcomes, issuer) == live

        # The stream: each score, ending and closure once, although two groups read them all.
        outbox = outcomes.app.state.tables.outbox
        async with outcomes.db.sessions() as session:
            emitted = await session.scalar(
                select(func.count()).where(outbox.c.topic == topics.OUTCOMES_STREAM)
            )
        assert emitted == EXPECTED_STREAM + 1  # and the ingested service response
        stream = await read_topic(kafka, topics.OUTCOMES_STREAM, emitted)
        assert len(stream) == emitted
        check_the_stream_identifies_no_one(stream, history)
        assert "2012-05-17" not in json.dumps([json_of(s) for s in stream])


async def test_a_rebuild_leaves_the_rows_the_live_consumer_made_of_a_shuffled_history(
    kafka, databases, issuer, history, send
):
    # Only what one topic says of a record disagrees (its events keep their order on their
    # partition); a record's events are otherwise out of order, and some come twice.
    only_contact_events_say = {"referrals.contact.opened.v1": {"referring_agency_id": "school-2"}}
    events = list(history.events) + disagreeing(history.events, only_contact_events_say)
    random.Random(5).shuffle(events)
    sent = events + events[::4]
    async with run_service("outcomes", await databases.new("outcomes"), kafka, issuer) as outcomes:
        await send(kafka, sent)
        consumer = outcomes.workers.consumer
        await eventually(
            lambda: consumer.stats.applied + consumer.stats.duplicates >= len(sent), timeout=60
        )
        assert consumer.stats.applied == len(events)
        live = await read_model_rows(outcomes)

        admin = issuer.headers("admin")
        started = await outcomes.client.post("/v1/admin/rebuild", headers=admin)
        assert started.status_code == 202, started.text

        async def finished() -> dict[str, Any] | None:
            body = (await outcomes.client.get("/v1/admin/rebuild", headers=admin)).json()
            return body if body["status"] == "done" else None

        progress = await eventually(finished, timeout=90)
        assert progress["records_read"] == len(sent)
        assert progress["events_applied"] == len(events)
        assert await read_model_rows(outcomes) == live


async def test_a_rebuild_after_the_broker_came_back_empty_refuses_then_gives_the_same_figures(
    broker_kind, databases, issuer, history, send, tmp_path
):
    events = list(history.events)
    broker = own_broker(broker_kind, tmp_path / "first")
    await broker.astart()
    kafka = Kafka(broker_kind, broker.bootstrap)
    await ensure_topics(kafka.bootstrap)
    empty = None
    try:
        async with run_service(
            "outcomes", await databases.new("outcomes"), kafka, issuer
        ) as outcomes:
            await send(kafka, events)
            consumer = outcomes.workers.consumer
            await eventually(lambda: consumer.stats.applied == len(events), timeout=60)
            live = await dashboards(outcomes, issuer)

            # The broker dies and comes back with nothing: the embedded one keeps its topics
            # in memory; an Apache Kafka whose log is lost is a new cluster on the same port.
            broker.kill()
            if broker_kind == "apache":
                empty = KRaftBroker(
                    tmp_path / "empty", broker.port, log_path=tmp_path / "empty.log"
                )
            else:
                empty = broker
            await empty.astart()
            await ensure_topics(kafka.bootstrap)  # as lpm run does for a broker it restarts

            admin = issuer.headers("admin")
            refused = await outcomes.client.post("/v1/admin/rebuild", headers=admin)
            assert refused.status_code == 409, refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            problem = refused.json()
            assert problem["type"] == "/problems/rebuild-source-incomplete"
            assert problem["events_missing"] == problem["events_applied"] == len(events)
            assert "lpm replay" in (await outcomes.client.get(problem["type"])).json()["how_to_fix"]
            assert await dashboards(outcomes, issuer) == live  # nothing was cleared

            # Once the producers have republished their logs, the rebuild gives the same figures.
            await send(kafka, events)
            started = await outcomes.client.post("/v1/admin/rebuild", headers=admin)
            assert started.status_code == 202, started.text
            assert started.json()["target_records"] == len(events)

            async def finished() -> dict[str, Any] | None:
                body = (await outcomes.client.get("/v1/admin/rebuild", headers=admin)).json()
                return body if body["status"] == "done" else None

            progress = await eventually(finished, timeout=90)
            assert progress["records_read"] == len(events)
            assert await dashboards(outcomes, issuer) == live
    finally:
        for b in (broker, empty):
            if b is not None:
                await b.astop()
