"""OpenTelemetry tracing: provider set-up by settings, and trace context in and out of envelopes.

Span names follow the messaging conventions: `<topic> publish` and `<topic> process`.
"""

from __future__ import annotations

import logging
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)
_propagator = TraceContextTextMapPropagator()
_configured = False

tracer = trace.get_tracer("lpm")


def setup_tracing(service_name: str, exporter: str, endpoint: str) -> None:
    """Install a tracer provider once per process. `exporter` is none, console or otlp."""
    global _configured
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    if exporter == "console":
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        otlp: SpanExporter = OTLPSpanExporter(endpoint=endpoint)
        provider.add_span_processor(BatchSpanProcessor(otlp))
    trace.set_tracer_provider(provider)
    _configured = True


class ServerSpans:
    """One server span per request and nothing more: what the events' `traceparent` and the
    audit's trace id need, without the full instrumentation's attributes and metrics (a tenth
    of a write's time), for when no exporter is set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/health/"):
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode(): value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name in (b"traceparent", b"tracestate")
        }
        with tracer.start_as_current_span(
            f"{scope['method']} {scope['path']}",
            context=_propagator.extract(carrier) if carrier else None,
            kind=SpanKind.SERVER,
        ):
            await self.app(scope, receive, send)


def instrument_app(app: Any, exporter: str) -> None:
    """HTTP server spans for the app and client spans for outgoing httpx calls."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    instrumentor = HTTPXClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()
    if exporter == "none":
        app.add_middleware(ServerSpans)
        return
    # No spans for each ASGI receive and send: two or three per request that say nothing the
    # server span does not.
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="health/live,health/ready", exclude_spans=["receive", "send"]
    )


def instrument_engine(engine: Any, exporter: str) -> None:
    """Spans for every SQL statement of this engine, when spans go anywhere: with no exporter
    they would be built and dropped, several per request (the trace context still flows)."""
    if exporter == "none":
        return
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine)


def current_trace_headers() -> tuple[str | None, str | None]:
    """The W3C traceparent/tracestate of the active span, if any."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent"), carrier.get("tracestate")


def context_from(traceparent: str | None, tracestate: str | None) -> otel_context.Context:
    carrier = {k: v for k, v in (("traceparent", traceparent), ("tracestate", tracestate)) if v}
    return _propagator.extract(carrier)


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None
