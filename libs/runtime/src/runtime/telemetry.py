"""OpenTelemetry tracing: provider set-up by settings, and trace context in and out of envelopes.

Span names follow the messaging conventions: `<topic> publish` and `<topic> process`.
"""

from __future__ import annotations

import contextlib
import logging
import random
from typing import Any

from fastapi.telemetry import TelemetryConfig
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
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)
_propagator = TraceContextTextMapPropagator()
_configured = False

tracer = trace.get_tracer("lpm")
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)


def setup_tracing(service_name: str, exporter: str, endpoint: str) -> None:
    """Install a tracer provider once per process. `exporter` is console or otlp; with none,
    no provider: spans of the relay and the consumer are the API's non-recording ones, which
    carry the trace context they are given and cost next to nothing."""
    global _configured
    if _configured or exporter == "none":
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
    """The trace context of each request, for when no exporter is set: what the events'
    `traceparent` and the audit's trace id need, without building spans nobody exports (the
    caller's trace id kept, a new span id; a new trace when the caller sent none)."""

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
        parent = (
            trace.get_current_span(_propagator.extract(carrier)).get_span_context()
            if carrier
            else None
        )
        if parent is not None and parent.is_valid:
            span = SpanContext(
                parent.trace_id,
                _span_id(),
                is_remote=False,
                trace_flags=parent.trace_flags,
                trace_state=parent.trace_state,
            )
        else:
            span = SpanContext(_trace_id(), _span_id(), is_remote=False, trace_flags=_SAMPLED)
        token = otel_context.attach(trace.set_span_in_context(NonRecordingSpan(span)))
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)


def _trace_id() -> int:
    return random.getrandbits(128) or 1  # 0 is the invalid id


def _span_id() -> int:
    return random.getrandbits(64) or 1


def fastapi_telemetry(exporter: str) -> TelemetryConfig:
    """The framework's own telemetry settings: off with no exporter (its request, dependency,
    endpoint and serialisation spans, metrics and logs would be built and dropped)."""
    if exporter == "none":
        return {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
    return {}


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
    """The W3C traceparent/tracestate of the active span, if any (what the trace-context
    propagator would inject, without its carrier and setter)."""
    ctx = trace.get_current_span().get_span_context()
    if ctx == trace.INVALID_SPAN_CONTEXT:
        return None, None
    traceparent = f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{ctx.trace_flags:02x}"
    return traceparent, ctx.trace_state.to_header() if ctx.trace_state else None


def context_from(traceparent: str | None, tracestate: str | None) -> otel_context.Context:
    carrier = {k: v for k, v in (("traceparent", traceparent), ("tracestate", tracestate)) if v}
    return _propagator.extract(carrier)


def current_trace_id() -> str | None:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else None


def messaging_span(
    exporter: str,
    operation: str,
    topic: str,
    message_id: str,
    traceparent: str | None,
    tracestate: str | None,
    group: str | None = None,
) -> contextlib.AbstractContextManager[Any]:
    """The span of publishing (`publish`) or processing (`process`) one event, in the event's
    trace. With no exporter none is built (they were a third of a batched event's time): the
    events emitted and audit entries written meanwhile carry the trace from the envelope."""
    if exporter == "none":
        return contextlib.nullcontext()
    return tracer.start_as_current_span(
        f"{topic} {operation}",
        context=context_from(traceparent, tracestate),
        kind=trace.SpanKind.PRODUCER if operation == "publish" else trace.SpanKind.CONSUMER,
        attributes={
            "messaging.system": "kafka",
            "messaging.destination.name": topic,
            "messaging.message.id": message_id,
            "messaging.operation.type": operation,
            **({} if group is None else {"messaging.consumer.group.name": group}),
        },
    )
