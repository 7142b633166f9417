"""The service app factory: one way to build every service's FastAPI app and its workers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import MetaData
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime import audit
from runtime.auth import TokenVerifier
from runtime.consumer import EventConsumer, Handler
from runtime.db import Database
from runtime.docs import install_docs
from runtime.errors import (
    DATABASE_RETRY_AFTER_SECONDS,
    ProblemError,
    install_problem_handlers,
    problem_response,
)
from runtime.fields import IsoDateTime
from runtime.heap import startup_frozen
from runtime.idempotency import IdempotencyMiddleware
from runtime.identity import Principal, Role
from runtime.jsonbody import strict_json_body
from runtime.kafka import broker_reachable, ensure_topics
from runtime.lease import WorkerLease, sqlite_file
from runtime.limits import BodySizeLimit, HeaderSizeLimit, RateLimiter
from runtime.openapi import install_openapi
from runtime.outbox import OutboxRelay
from runtime.pagination import MAX_PAGE_SIZE
from runtime.policy import Policy, rule
from runtime.problems import STANDARD, problem_page
from runtime.refusals import RefusedSubjects
from runtime.retention import prune_forever
from runtime.security import authorise, principal
from runtime.settings import ServiceSettings
from runtime.tables import PlatformTables
from runtime.telemetry import (
    fastapi_telemetry,
    instrument_app,
    instrument_engine,
    setup_tracing,
)
from runtime.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class ServiceDefinition:
    """Everything that makes one service: its settings, tables, routes and event handlers."""

    name: str
    title: str
    description: str
    settings: ServiceSettings
    metadata: MetaData
    tables: PlatformTables
    policy: Policy
    routers: Sequence[APIRouter] = ()
    handlers: Mapping[str, Handler] = field(default_factory=dict)
    subscriptions: Sequence[str] = ()
    # Extra start-up work (e.g. seeding reference data) run when the app starts.
    on_startup: Sequence[Callable[[FastAPI], Awaitable[None]]] = ()
    version: str = "1.0.0"
    # Whose record a refused request aimed at, from its path (runtime.families.RefusedSubjects),
    # so a subject access request finds the refused attempts at a family's records too.
    refused_subjects: RefusedSubjects | None = None

    @property
    def source(self) -> str:
        return f"/services/{self.name}"

    @property
    def consumer_group(self) -> str:
        return self.settings.consumer_group or f"{self.name}-projections"


class Workers:
    """The relay, the consumer and the retention prune of one service, run as background
    tasks."""

    def __init__(self, definition: ServiceDefinition, db: Database) -> None:
        s = definition.settings
        self.definition = definition
        self.db = db
        self.relay = OutboxRelay(
            db,
            definition.tables,
            s.platform,
            client_id=f"{definition.name}-relay",
            batch_size=s.outbox_batch_size,
            poll_seconds=s.outbox_poll_seconds,
        )
        self.consumer: EventConsumer | None = None
        if definition.handlers:
            self.consumer = EventConsumer(
                db,
                definition.tables,
                s.platform,
                group_id=definition.consumer_group,
                topics=list(definition.subscriptions),
                handlers=dict(definition.handlers),
                source=definition.source,
            )
        self._tasks: list[asyncio.Task[None]] = []
        self.topics_ready = asyncio.Event()

    async def _prepare_topics(self) -> None:
        delay = 0.5
        while True:
            try:
                platform = self.definition.settings.platform
                await ensure_topics(platform.kafka_bootstrap, namespace=platform.kafka_namespace)
                self.topics_ready.set()
                return
            except Exception as exc:
                log.warning("%s: cannot create topics yet (%s)", self.definition.name, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _consume(self) -> None:
        assert self.consumer is not None
        await self.topics_ready.wait()
        await self.consumer.run()

    def start(self) -> None:
        self._tasks.append(
            asyncio.create_task(
                prune_forever(
                    self.db,
                    self.definition.tables,
                    self.definition.settings.platform,
                    self.definition.name,
                )
            )
        )
        # The relay starts at once: while the broker is away it keeps rows and backs off.
        self._tasks.append(asyncio.create_task(self._prepare_topics()))
        self._tasks.append(asyncio.create_task(self.relay.run()))
        if self.consumer is not None:
            self._tasks.append(asyncio.create_task(self._consume()))

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run more background work beside the relay and the consumer; stopped with them."""
        task = asyncio.create_task(work)
        self._tasks.append(task)
        return task

    async def stop(self, grace_seconds: float = 15.0) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            # Bounded: a task that ignores its cancellation must not hold the shutdown forever.
            done, stuck = await asyncio.wait(self._tasks, timeout=grace_seconds)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.error("%s: %s ended with %r", self.definition.name, task, task.exception())
            for task in stuck:
                log.error("%s: %s did not stop when cancelled", self.definition.name, task)
        self._tasks.clear()
        await self.relay.close()


def create_app(definition: ServiceDefinition) -> FastAPI:
    settings = definition.settings
    setup_tracing(definition.name, settings.platform.otel_exporter, settings.platform.otel_endpoint)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.resolved_database_url()
        lease: WorkerLease | None = None
        if settings.run_workers and (path := sqlite_file(url)) is not None:
            # Refused before anything runs: two relays on one SQLite file publish every row twice.
            lease = WorkerLease(path, definition.name)
            lease.acquire()
        db = Database(url)
        app.state.db = db
        workers = Workers(definition, db)
        app.state.workers = workers
        instrument_engine(db.engine, settings.platform.otel_exporter)
        if db.write_engine is not db.engine:
            instrument_engine(db.write_engine, settings.platform.otel_exporter)
        try:
            for hook in definition.on_startup:
                await hook(app)
            if settings.run_workers:
                workers.start()
            with startup_frozen():
                yield
        finally:
            await workers.stop()
            await db.dispose()
            if lease is not None:
                lease.release()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        telemetry=fastapi_telemetry(settings.platform.otel_exporter),
        dependencies=[Depends(authorise), Depends(strict_json_body)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.definition = definition
    app.state.settings = settings
    app.state.tables = definition.tables
    app.state.policy = Policy(
        definition.policy.service, [*definition.policy.rules, *STANDARD_RULES]
    )
    app.state.verifier = TokenVerifier(settings.platform)
    app.state.rate_limiter = RateLimiter(settings.platform.rate_limit_per_minute)
    # The platform's problem types plus the domain rules of this service's package.
    app.state.problems = STANDARD.for_package(definition.name)
    install_problem_handlers(app)
    install_docs(app)
    install_openapi(app, app.state.policy, app.state.problems)
    instrument_app(app, settings.platform.otel_exporter)

    @app.get("/health/live", tags=["health"], summary="The process is running")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/health/ready", tags=["health"], summary="Database and broker are reachable")
    async def ready(request: Request) -> Any:
        db: Database = request.app.state.db
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(db.ping(), 2.0)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        reachable = await broker_reachable(settings.platform.kafka_bootstrap)
        checks["broker"] = "ok" if reachable else "unavailable"
        workers: Workers = request.app.state.workers
        if settings.run_workers and workers.consumer is not None:
            # Ready means projecting: after a restart, not before the consumer fetches again.
            checks["consumer"] = "ok" if workers.consumer.consuming() else "not consuming yet"
        if all(v == "ok" for v in checks.values()):
            return JSONResponse({"status": "ready", "checks": checks})
        return problem_response(
            request,
            503,
            "not-ready",
            "Service not ready",
            "a dependency is unavailable",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
            extra={"checks": checks},
        )

    @app.get(
        "/problems/{code}",
        tags=["health"],
        summary="What a problem type means and how to fix it",
        description="JSON by default; a page for people when `Accept` prefers `text/html`.",
        response_model=ProblemTypeResponse,
        responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
    )
    async def problem_type(
        request: Request,
        code: Annotated[str, Path(pattern=r"^[a-z0-9-]+$", max_length=80)],
    ) -> Any:
        problem = app.state.problems.get(code)
        if problem is None:
            raise ProblemError(404, f"no problem type {code!r} is defined by this service")
        vary = {"Vary": "Accept"}
        if prefers_html(request.headers.get("accept", "")):
            return HTMLResponse(problem_page(problem, definition.title), headers=vary)
        return JSONResponse(problem.document(), headers=vary)

    app.include_router(audit_router)
    for router in definition.routers:
        app.include_router(router)
    # Last added runs first: the header cap, request ids, the body cap, then idempotent replay.
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.platform.max_body_bytes,
        import_max_bytes=settings.platform.max_import_body_bytes,
    )
    app.add_middleware(RequestIds)
    app.add_middleware(HeaderSizeLimit, max_bytes=settings.platform.max_header_bytes)
    return app


def prefers_html(accept: str) -> bool:
    """Whether an Accept header ranks text/html above JSON (a browser's does; a client's that
    names no type, or `*/*`, does not)."""
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            quality[media.lower()] = max(q, quality.get(media.lower(), 0.0))
    html_q = quality.get("text/html", 0.0)
    json_q = max(quality.get(m, 0.0) for m in ("application/json", "application/*", "*/*"))
    return html_q > 0 and html_q > json_q


class ProblemTypeResponse(BaseModel):
    """What a problem `type` URI names: what went wrong and how to fix it."""

    type: str = Field(examples=["/problems/decision-incomplete"])
    code: str = Field(examples=["decision-incomplete"])
    status: int = Field(examples=[422])
    title: str = Field(examples=["The decision needs more information"])
    description: str
    how_to_fix: str


STANDARD_RULES = [
    rule("GET", "/v1/audit", [Role.ADMIN], summary="audit trail per family, person or record"),
    rule("GET", "/v1/audit/refusals", [Role.ADMIN], summary="refused attempts counted"),
]

audit_router = APIRouter(tags=["audit"])


@audit_router.get("/v1/audit", summary="Audit entries for a family, a person or a record")
async def list_audit(
    request: Request,
    caller: Principal = Depends(principal),
    family_id: str | None = Query(None, max_length=64, description="entries about this family"),
    person_id: str | None = Query(None, max_length=64, description="entries about this person"),
    record_id: str | None = Query(None, max_length=64, description="entries about this record"),
    after: int = Query(
        0, ge=0, le=2**63 - 1, description="the `seq` of the last entry already read"
    ),
    limit: int = Query(50, ge=1, le=MAX_PAGE_SIZE),
) -> dict[str, Any]:
    """Filters combine; with none, the whole trail in order (administrators only)."""
    rows = await audit.query(
        request.app.state.db,
        request.app.state.tables,
        family_id=family_id,
        person_id=person_id,
        record_id=record_id,
        after_seq=after,
        limit=limit,
    )
    return {
        "items": rows,
        "next_after": rows[-1]["seq"] if len(rows) == limit else None,
    }


@audit_router.get("/v1/audit/refusals", summary="Refused attempts (403, 404) counted")
async def count_refusals(
    request: Request,
    since: IsoDateTime | None = Query(
        None, description="count only those at or after this time (RFC 3339, with its offset)"
    ),
) -> dict[str, Any]:
    return await audit.refusal_counts(request.app.state.db, request.app.state.tables, since)


class RequestIds:
    """Gives every request the server's own id (answered as `X-Request-ID`) and a correlation id
    that the events it causes carry. A caller's `X-Request-ID` is kept as its own label
    (`caller_request_id`), never taken for the server's: the audit trail must not be written by
    whoever calls."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        request_id = str(uuid.uuid4())
        caller_request_id = headers.get(b"x-request-id", b"").decode("latin-1")[:64] or None
        correlation = headers.get(b"x-correlation-id", b"").decode("latin-1")[:64] or request_id
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["caller_request_id"] = caller_request_id
        state["correlation_id"] = correlation

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)


# -- dependencies for routers ------------------------------------------------------------------
# All `async def`, though none awaits: FastAPI runs a plain `def` dependency on a worker thread,
# a thread hop per dependency per request.


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_uow(request: Request) -> UnitOfWork:
    definition: ServiceDefinition = request.app.state.definition
    return UnitOfWork(
        request.app.state.db,
        definition.tables,
        source=definition.source,
        correlation_id=getattr(request.state, "correlation_id", None),
    )
