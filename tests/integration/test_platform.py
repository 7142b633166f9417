"""Health, readiness and tracing, the same in every service."""

from __future__ import annotations

import pytest
from contracts import topics
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from runtime.services import DATA_SERVICES as SERVICES
from runtime.telemetry import setup_tracing
from runtime.testing import (
    audit_trail,
    eventually,
    headers_of,
    json_of,
    read_topic,
    run_service,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_ready_only_when_database_and_broker_are_reachable(name, broker, tmp_path, issuer):
    url = f"sqlite+aiosqlite:///{tmp_path}/{name}.db"
    async with run_service(name, url, broker.bootstrap, issuer, run_workers=False) as svc:
        assert (await svc.client.get("/health/live")).json() == {"status": "ok"}
        ready = await svc.client.get("/health/ready")
        assert ready.status_code == 200, ready.text
        await broker.astop()
        not_ready = await svc.client.get("/health/ready")
        assert not_ready.status_code == 503
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert not_ready.json()["checks"]["broker"] == "unavailable"
        assert not_ready.json()["checks"]["database"] == "ok"
        # Docs and the OpenAPI document are public; versioned paths only.
        spec = (await svc.client.get("/openapi.json")).json()
        assert all(p.startswith(("/v1/", "/health/", "/problems/")) for p in spec["paths"])
        assert (await svc.client.get("/docs")).status_code == 200


async def test_a_consumers_span_joins_the_trace_of_the_http_request(databases, broker, issuer):
    exporter = InMemorySpanExporter()
    # A provider is installed only when spans go somewhere (as the services below set).
    setup_tracing("referrals", "console", "")
    provider = trace.get_tracer_provider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))  # type: ignore[attr-defined]
    # With an exporter set (statement spans are skipped when spans go nowhere).
    traced = {"otel_exporter": "console"}
    async with (
        run_service(
            "referrals", await databases.new("r"), broker.bootstrap, issuer, platform=traced
        ) as referrals,
        run_service(
            "outcomes", await databases.new("o"), broker.bootstrap, issuer, platform=traced
        ) as outcomes,
    ):
        r = await referrals.client.post(
            "/v1/contacts", json={"source": "early_help_hub"}, headers=issuer.headers("duty_advice")
        )
        assert r.status_code == 201
        await eventually(lambda: outcomes.workers.consumer.stats.applied >= 1, timeout=40)

    spans = exporter.get_finished_spans()
    server = [s for s in spans if s.kind == trace.SpanKind.SERVER and "/v1/contacts" in s.name]
    publish = [s for s in spans if s.name == f"{topics.REFERRALS_CONTACT} publish"]
    process = [s for s in spans if s.name == f"{topics.REFERRALS_CONTACT} process"]
    assert server and publish and process
    trace_id = server[0].context.trace_id
    assert publish[0].context.trace_id == trace_id
    assert process[0].context.trace_id == trace_id
    assert process[0].attributes["messaging.consumer.group.name"].startswith("outcomes")
    assert any(
        s.name.startswith(("INSERT", "SELECT", "connect")) and s.context.trace_id == trace_id
        for s in spans
    ), "database spans join the trace too"


async def test_without_an_exporter_events_and_audit_carry_the_requests_trace(
    databases, broker, issuer
):
    """No spans are built when none is exported, but the trace context still flows: the
    caller's trace id (or a new one) reaches the event on the topic and the audit entry."""
    caller_trace = "0af7651916cd43dd8448eb211c80319c"
    async with run_service("referrals", await databases.new("r"), broker.bootstrap, issuer) as r:
        staff = issuer.headers("duty_advice")
        traced = await r.client.post(
            "/v1/contacts",
            json={"source": "early_help_hub"},
            headers={**staff, "traceparent": f"00-{caller_trace}-b7ad6b7169203331-01"},
        )
        fresh = await r.client.post(
            "/v1/contacts", json={"source": "early_help_hub"}, headers=staff
        )
        assert traced.status_code == fresh.status_code == 201
        records = await read_topic(broker.bootstrap, topics.REFERRALS_CONTACT, 2)
        admin = issuer.headers("admin")
        audited = {
            c.json()["contact_id"]: await audit_trail(
                r.client, admin, record_id=c.json()["contact_id"]
            )
            for c in (traced, fresh)
        }
    parents = {json_of(rec)["contact_id"]: headers_of(rec)["ce_traceparent"] for rec in records}
    traced_id, fresh_id = traced.json()["contact_id"], fresh.json()["contact_id"]
    version, trace_id, span_id, flags = parents[traced_id].split("-")
    assert (version, trace_id, flags) == ("00", caller_trace, "01")
    assert span_id != "b7ad6b7169203331", "the server's span is a child of the caller's"
    new_trace = parents[fresh_id].split("-")[1]
    assert new_trace not in (caller_trace, "0" * 32)
    assert [e["trace_id"] for e in audited[traced_id]] == [caller_trace]
    assert [e["trace_id"] for e in audited[fresh_id]] == [new_trace]


async def test_a_service_with_a_consumer_is_ready_only_once_it_consumes(broker, tmp_path, issuer):
    url = f"sqlite+aiosqlite:///{tmp_path}/outcomes.db"
    async with run_service("outcomes", url, broker.bootstrap, issuer) as outcomes:
        # Database and broker answer at once, but the consumer has not joined its group yet.
        first = await outcomes.client.get("/health/ready")
        assert first.status_code == 503, first.text
        assert first.json()["checks"]["consumer"] == "not consuming yet"
        assert "retry-after" in first.headers

        async def ready() -> bool:
            return (await outcomes.client.get("/health/ready")).status_code == 200

        await eventually(ready, timeout=60)
        assert outcomes.workers.consumer.consuming()
        body = (await outcomes.client.get("/health/ready")).json()
        assert body["checks"]["consumer"] == "ok"
