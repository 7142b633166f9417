"""Pytest fixtures for real components: the embedded broker, SQLite and PostgreSQL databases,
a development issuer, and running services in-process. Loaded by the root `conftest.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from contracts.reference.referrals import ConsentStatus
from contracts.referrals.v1 import ConversationRecorded
from contracts.topics import namespaced
from fastapi import FastAPI
from sqlalchemy import MetaData, func, select

from runtime import observed_statuses
from runtime.broker import (
    EmbeddedBroker,
    KRaftBroker,
    apache_kafka_available,
    die_with_parent,
    free_port,
)
from runtime.devauth import sign, token_claims, write_keypair
from runtime.kafka import ensure_topics
from runtime.migrations import upgrade
from runtime.services import SERVICES
from runtime.settings import PlatformSettings

# The PostgreSQL server of the tests: `make test` names it (see runtime.pgserver), else the
# default local one. With LPM_REQUIRE_POSTGRES=1 (CI) a missing server fails the run, never skips.
_PG = urlsplit(
    os.environ.get("LPM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
)
PG_HOST = _PG.hostname or "127.0.0.1"
PG_PORT = _PG.port or 5432
PG_USER = _PG.username or "postgres"
PG_PASSWORD = _PG.password
REQUIRE_POSTGRES = os.environ.get("LPM_REQUIRE_POSTGRES", "") not in ("", "0", "false")
TEST_ISSUER = "http://127.0.0.1/lpm-test-issuer"
TEST_AUDIENCE = "lpm-platform"
TEST_PSEUDONYM_SECRET = "test-pseudonym-secret-0123456789abcdef"


def postgres_available() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    """Skip a PostgreSQL case when no server answers, or fail it where one is required (CI)."""
    if postgres_available():
        return
    message = f"PostgreSQL not reachable on {PG_HOST}:{PG_PORT}"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " and LPM_REQUIRE_POSTGRES is set", pytrace=False)
    pytest.skip(message)


def postgres_url(name: str, driver: str = "postgresql+asyncpg") -> str:
    auth = PG_USER if PG_PASSWORD is None else f"{PG_USER}:{PG_PASSWORD}"
    return f"{driver}://{auth}@{PG_HOST}:{PG_PORT}/{name}"


async def _admin_connection() -> Any:
    import asyncpg

    return await asyncpg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, password=PG_PASSWORD, database="postgres"
    )


# -- identity ----------------------------------------------------------------------------------


@dataclass
class Issuer:
    """A test identity provider: signs tokens for any role, agency, team or scopes."""

    folder: Path
    issuer: str = TEST_ISSUER
    audience: str = TEST_AUDIENCE

    @property
    def key_path(self) -> Path:
        return self.folder / "signing-key.pem"

    @property
    def jwks_path(self) -> Path:
        return self.folder / "jwks.json"

    def token(
        self,
        role: str,
        *,
        agency: str | None = None,
        team: str | None = None,
        subject: str | None = None,
        scopes: list[str] | None = None,
        **overrides: Any,
    ) -> str:
        claims = token_claims(role, subject, agency, team, scopes or [])
        claims.update(overrides)
        return sign(
            self.key_path, self.jwks_path, claims, issuer=self.issuer, audience=self.audience
        )

    def headers(self, role: str, **kwargs: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, **kwargs)}"}


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Issuer:
    folder = tmp_path_factory.mktemp("issuer")
    write_keypair(folder / "signing-key.pem", folder / "jwks.json")
    return Issuer(folder)


# -- broker ------------------------------------------------------------------------------------


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[EmbeddedBroker]:
    """A fresh embedded broker per test (memory storage: no state leaks between tests)."""
    b = EmbeddedBroker(free_port(), log_path=tmp_path / "broker.log")
    await b.astart()
    await ensure_topics(b.bootstrap)
    try:
        yield b
    finally:
        await b.astop()


@pytest.fixture(scope="session")
async def apache_broker(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[KRaftBroker]:
    """One Apache Kafka (KRaft) broker per pytest worker: its JVM starts once. Tests sharing it
    keep apart by their own topic and group names; a test that stops a broker starts its own."""
    if not apache_kafka_available():
        pytest.skip("Apache Kafka needs java and `make kafka`")
    folder = tmp_path_factory.mktemp("kafka")
    b = KRaftBroker(folder / "data", free_port(), log_path=folder / "kafka.log")
    await b.astart()
    try:
        yield b
    finally:
        await b.astop()


@dataclass
class Kafka:
    """A broker for one test: its kind, address and the namespace of the test's topics and
    consumer groups (so tests sharing one Apache Kafka broker never see each other's events)."""

    kind: str
    bootstrap: str
    namespace: str = ""
    process: EmbeddedBroker | None = None

    def topic(self, name: str) -> str:
        return namespaced(self.namespace, name)

    def platform(self) -> dict[str, Any]:
        """Platform settings for a service on this broker."""
        return {
            "kafka_bootstrap": self.bootstrap,
            "kafka_namespace": self.namespace,
            # Only Apache Kafka hands out producer ids.
            "kafka_idempotence": self.kind == "apache",
        }


BROKER_KINDS = ["embedded", "apache"]


@pytest.fixture(params=BROKER_KINDS)
def broker_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "apache" and not apache_kafka_available():
        pytest.skip("Apache Kafka needs java and `make kafka`")
    return str(request.param)


@pytest.fixture
def _broker_process(
    broker_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[EmbeddedBroker]:
    # Synchronous, so that it may ask for the session's Apache Kafka broker only when needed.
    if broker_kind == "apache":
        yield request.getfixturevalue("apache_broker")
        return
    b = EmbeddedBroker(free_port(), log_path=tmp_path / "broker.log")
    b.start()
    try:
        yield b
    finally:
        b.stop()


@pytest.fixture
async def kafka(broker_kind: str, _broker_process: EmbeddedBroker) -> Kafka:
    """Runs the test on the embedded broker (its own) and on Apache Kafka (the session's, under
    a namespace of the test's own), with the platform's topics created."""
    k = Kafka(broker_kind, _broker_process.bootstrap, f"t{uuid.uuid4().hex[:10]}", _broker_process)
    await ensure_topics(k.bootstrap, namespace=k.namespace)
    return k


def own_broker(kind: str, folder: Path) -> EmbeddedBroker:
    """A broker of `kind` for a test that stops or kills it (not yet started)."""
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "apache":
        return KRaftBroker(folder / "kafka", free_port(), log_path=folder / "kafka.log")
    return EmbeddedBroker(free_port(), log_path=folder / "broker.log")


# -- databases ---------------------------------------------------------------------------------


@asynccontextmanager
async def postgres_database(prefix: str) -> AsyncIterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await _admin_connection()
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield postgres_url(name)
    finally:
        conn = await _admin_connection()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass
class DatabaseFactory:
    """Makes empty databases of one kind (`sqlite` or `postgresql`) for a test."""

    kind: str
    tmp_path: Path
    _stack: list[Any] = field(default_factory=list)

    async def new(self, prefix: str = "lpm_test") -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.tmp_path / (prefix + '-' + uuid.uuid4().hex[:6])}.db"
        cm = postgres_database(prefix)
        url = await cm.__aenter__()
        self._stack.append(cm)
        return url

    async def close(self) -> None:
        while self._stack:
            await self._stack.pop().__aexit__(None, None, None)


@pytest.fixture(params=["sqlite", "postgresql"])
async def databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseFactory]:
    """Runs the test once on SQLite and once on PostgreSQL."""
    if request.param == "postgresql":
        require_postgres()
    factory = DatabaseFactory(request.param, tmp_path)
    try:
        yield factory
    finally:
        await factory.close()


# -- services ----------------------------------------------------------------------------------


def platform_settings(bootstrap: str, issuer: Issuer, **overrides: Any) -> PlatformSettings:
    values: dict[str, Any] = {
        "kafka_bootstrap": bootstrap,
        "auth_issuer": issuer.issuer,
        "auth_audience": issuer.audience,
        "auth_jwks_file": issuer.jwks_path,
        "pseudonym_secret": TEST_PSEUDONYM_SECRET,
        "outgoing_timeout_seconds": 2.0,
        "kafka_request_timeout_ms": 3000,
    }
    values.update(overrides)
    return PlatformSettings(**values)


@dataclass
class RunningService:
    name: str
    app: FastAPI
    client: httpx.AsyncClient
    database_url: str

    @property
    def db(self) -> Any:
        return self.app.state.db

    @property
    def workers(self) -> Any:
        return self.app.state.workers

    async def fingerprint(self, metadata: MetaData) -> dict[str, tuple[int, int]]:
        """Rows and the sum of versions of every table of `metadata` (the outbox and audit log
        too), so a test can say a refused request changed nothing. Idempotency keys are left
        out: a refused keyed request may keep its answer."""
        found: dict[str, tuple[int, int]] = {}
        async with self.db.sessions() as s:
            for table in metadata.sorted_tables:
                if table.name == "idempotency_keys":
                    continue
                versions = func.sum(table.c.version) if "version" in table.c else func.count()
                count, total = (
                    await s.execute(select(func.count(), versions).select_from(table))
                ).one()
                found[table.name] = (int(count), int(total or 0))
        return found


async def migrate(name: str, database_url: str) -> None:
    await asyncio.to_thread(upgrade, SERVICES[name].migrations, database_url)


@asynccontextmanager
async def run_service(
    name: str,
    database_url: str,
    bootstrap: str | Kafka,
    issuer: Issuer,
    *,
    run_workers: bool = True,
    consumer_group: str | None = None,
    platform: dict[str, Any] | None = None,
    **settings_overrides: Any,
) -> AsyncIterator[RunningService]:
    """Migrate a fresh database and run one service in-process, lifespan and workers included.
    `bootstrap` is an address, or a `Kafka` whose namespace and idempotence the service takes."""
    await migrate(name, database_url)
    entry = SERVICES[name]
    values = bootstrap.platform() if isinstance(bootstrap, Kafka) else {}
    values.update(platform or {})
    address = bootstrap.bootstrap if isinstance(bootstrap, Kafka) else bootstrap
    settings = entry.settings(
        database_url=database_url,
        run_workers=run_workers,
        consumer_group=consumer_group or f"{name}-{uuid.uuid4().hex[:6]}",
        outbox_poll_seconds=0.1,
        platform=platform_settings(address, issuer, **values),
        **settings_overrides,
    )
    app = entry.bootstrap().create_app(settings)
    async with app.router.lifespan_context(app):
        recorded: Any = app
        folder = os.environ.get(observed_statuses.ENV_DIR)
        if folder:
            recorded = observed_statuses.StatusRecorder(app, name, Path(folder))
        transport = httpx.ASGITransport(app=recorded)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
            yield RunningService(name, app, client, database_url)


@dataclass
class ServiceProcess:
    """One service in a uvicorn process of its own, so that a test can SIGKILL it."""

    name: str
    env: dict[str, str]
    port: int
    log_path: Path
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def of(
        cls,
        name: str,
        database_url: str,
        bootstrap: str | Kafka,
        issuer: Issuer,
        folder: Path,
        **settings: Any,
    ) -> ServiceProcess:
        """`settings` are the service's own (`run_workers=False` becomes `<NAME>_RUN_WORKERS`)."""
        kafka = bootstrap if isinstance(bootstrap, Kafka) else Kafka("external", bootstrap)
        port = free_port()
        prefix = name.upper() + "_"
        env = {
            **os.environ,
            "LPM_KAFKA_BOOTSTRAP": kafka.bootstrap,
            "LPM_KAFKA_NAMESPACE": kafka.namespace,
            "LPM_KAFKA_IDEMPOTENCE": str(kafka.kind == "apache").lower(),
            "LPM_KAFKA_REQUEST_TIMEOUT_MS": "3000",
            "LPM_AUTH_ISSUER": issuer.issuer,
            "LPM_AUTH_AUDIENCE": issuer.audience,
            "LPM_AUTH_JWKS_FILE": str(issuer.jwks_path),
            "LPM_PSEUDONYM_SECRET": TEST_PSEUDONYM_SECRET,
            "LPM_DATA_DIR": str(folder),
            prefix + "DATABASE_URL": database_url,
            prefix + "HOST": "127.0.0.1",
            prefix + "PORT": str(port),
            prefix + "OUTBOX_POLL_SECONDS": "0.1",
            prefix + "CONSUMER_GROUP": f"{name}-{uuid.uuid4().hex[:6]}",
        }
        env.update(
            {
                prefix + k.upper(): str(v).lower() if isinstance(v, bool) else str(v)
                for k, v in settings.items()
            }
        )
        return cls(name, env, port, folder / f"{name}-{port}.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        module = SERVICES[self.name].bootstrap_module
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    f"{module}:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    "warning",
                ],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )

    async def wait_live(self, timeout: float = 240.0) -> None:
        async def live() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log()
            try:
                async with httpx.AsyncClient() as client:
                    r = await client.get(f"{self.url}/health/live", timeout=1.0)
                return r.status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(live, timeout=timeout, interval=0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing in flight is finished."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def ready(url: str) -> bool:
    """True when the service at `url` answers its readiness check with 200."""
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            return (await client.get("/health/ready")).status_code == 200
    except httpx.HTTPError:
        return False


# -- a steady write load -----------------------------------------------------------------------

SCHOOL_CONTACT = {
    "source": "school_via_cluster",
    "cluster_id": "seacroft-manston",
    "caller": {"role": "Targeted Services Leader"},
    "worry": "Attendance has dropped.",
}


class ContactLoad:
    """A steady write load on referrals through `client`: each writer opens a contact, then adds
    a conversation entry to it (two events of one aggregate, which must stay in order on one
    partition), and pauses. Every write carries an Idempotency-Key and is retried with it until
    it is answered 201, through a service that is killed or briefly unable to answer, so a write
    is acknowledged exactly once and `acknowledged` lists each contact once."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        headers: dict[str, str],
        *,
        writers: int = 3,
        pause: float = 0.05,
    ) -> None:
        self.client = client
        self.headers = headers
        self.writers = writers
        self.pause = pause
        self.acknowledged: list[str] = []
        self.in_flight = 0
        self.retries = 0
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _post(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = {**self.headers, **(headers or {}), "Idempotency-Key": str(uuid.uuid4())}
        while True:
            self.in_flight += 1
            try:
                r = await self.client.post(path, json=body, headers=headers, timeout=30)
            except httpx.HTTPError:
                r = None  # the service died with the request: ask again with the same key
            finally:
                self.in_flight -= 1
            if r is not None and r.status_code == 201:
                return r
            # 503 while a database or the service is coming back, 409 while the key's first
            # attempt is still in progress: the answer will come.
            assert r is None or r.status_code in (409, 429, 503), r.text
            self.retries += 1
            await asyncio.sleep(0.2)

    async def _write(self) -> None:
        while not self._stop.is_set():
            r = await self._post("/v1/contacts", SCHOOL_CONTACT)
            contact_id = r.json()["contact_id"]
            self.acknowledged.append(contact_id)
            await self._post(
                f"/v1/contacts/{contact_id}/conversations",
                {"summary": "Spoke to the school again."},
                {"If-Match": r.headers["ETag"]},
            )
            await asyncio.sleep(self.pause)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._write()) for _ in range(self.writers)]

    async def stop(self) -> int:
        """Let each writer finish its write; returns how many contacts were acknowledged."""
        self._stop.set()
        await asyncio.gather(*self._tasks)
        return len(self.acknowledged)


async def contacts_counted(outcomes: str | httpx.AsyncClient, headers: dict[str, str]) -> int:
    """Contacts the outcomes service counts (-1 while it cannot answer); `outcomes` is its URL
    or a client of it."""
    try:
        if isinstance(outcomes, str):
            async with httpx.AsyncClient(base_url=outcomes, timeout=5) as client:
                r = await client.get("/v1/measures/contacts", headers=headers)
        else:
            r = await outcomes.get("/v1/measures/contacts", headers=headers)
    except httpx.HTTPError:
        return -1
    return int(r.json()["total"]) if r.status_code == 200 else -1


# -- waiting on the broker ---------------------------------------------------------------------


def consent_recorded(
    family_id: uuid.UUID,
    status: ConsentStatus = ConsentStatus.GIVEN,
    *,
    rethink_team: bool = True,
    group_supervision: bool = True,
) -> ConversationRecorded:
    """The referrals event that records a family's consent to share: a conversation entry on
    the family's contact (the services that apply the consent rule learn it from this)."""
    return ConversationRecorded(
        contact_id=uuid.uuid5(family_id, "contact"),
        entry_number=1,
        recorded_at=datetime.now(UTC),
        family_id=family_id,
        consent_status=status,
        consent_includes_rethink_team=rethink_team,
        consent_includes_group_supervision=group_supervision,
    )


async def audit_trail(
    client: httpx.AsyncClient, headers: dict[str, str], **filters: str
) -> list[dict[str, Any]]:
    """Every audit entry a `GET /v1/audit` filter finds, page after page (a test that polls a
    record fills the first page with its own reads)."""
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        r = await client.get("/v1/audit", params={**filters, "after": after}, headers=headers)
        assert r.status_code == 200, r.text
        found += r.json()["items"]
        if r.json()["next_after"] is None:
            return found
        after = r.json()["next_after"]


async def eventually(check: Any, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll an async or sync `check` until it returns a truthy value; fail after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Any = None
    while True:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {last!r})")
        await asyncio.sleep(interval)


async def _reader(bootstrap: str | Kafka, topic: str) -> AIOKafkaConsumer:
    """A started throwaway consumer of a topic from its start (no group); given a `Kafka`,
    `topic` is the contracted name and read under its namespace."""
    if isinstance(bootstrap, Kafka):
        topic = bootstrap.topic(topic)
        bootstrap = bootstrap.bootstrap
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    await consumer.start()
    return consumer


async def read_topic(
    bootstrap: str | Kafka, topic: str, expected: int, timeout: float = 30.0
) -> list[Any]:
    """Read `expected` records from the start of a topic (a throwaway consumer, no group);
    given a `Kafka`, `topic` is the contracted name and read under its namespace."""
    consumer = await _reader(bootstrap, topic)
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for recs in batch.values():
                records.extend(recs)
    finally:
        await consumer.stop()
    return records


async def read_all(bootstrap: str | Kafka, topic: str, *, quiet_seconds: float = 2.0) -> list[Any]:
    """Every record a topic holds now, in each partition's order (a throwaway consumer, no
    group): read until every partition is past its end offset and nothing came for
    `quiet_seconds` (the embedded broker counts end offsets in batches, not records)."""
    consumer = await _reader(bootstrap, topic)
    records: list[Any] = []
    loop = asyncio.get_running_loop()
    try:
        last = loop.time()
        while True:
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            if batch:
                last = loop.time()
                continue
            assignment = consumer.assignment()
            if not assignment or loop.time() - last < quiet_seconds:
                continue
            ends = await consumer.end_offsets(list(assignment))
            if all([await consumer.position(tp) >= ends[tp] for tp in assignment]):
                return records
    finally:
        await consumer.stop()


def headers_of(record: Any) -> dict[str, str]:
    return {k: v.decode() for k, v in record.headers or []}


def json_of(record: Any) -> Any:
    return json.loads(record.value)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


TEST_OUTPUT = Path(__file__).resolve().parents[4] / "test-output"


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("LPM_CURSOR_SECRET", "test-cursor-secret")
    if not hasattr(config, "workerinput"):
        # The controlling process names one folder for this run; xdist workers inherit it.
        folder = TEST_OUTPUT / "observed-statuses" / f"run-{os.getpid()}"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.parent.glob("run-*"):
            if old != folder and not _running(old.name.removeprefix("run-")):
                shutil.rmtree(old, ignore_errors=True)  # a finished run's (one running is kept)
        os.environ[observed_statuses.ENV_DIR] = str(folder)


def _running(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every status the services answered in this run must be documented for its operation."""
    if hasattr(session.config, "workerinput"):
        return
    folder = Path(os.environ.get(observed_statuses.ENV_DIR, ""))
    seen = observed_statuses.read(folder) if folder.is_dir() else set()
    if not seen:
        return
    documents = {name: openapi_document(name) for name in {s for s, *_ in seen}}
    missing = observed_statuses.undocumented(seen, documents)
    (folder / "report.json").write_text(
        json.dumps({"observed": sorted(seen), "undocumented": missing}, indent=1)
    )
    if missing:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("statuses the suite observed that the documents leave out:")
            for line in missing:
                reporter.write_line(f"  {line}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def openapi_document(name: str) -> dict[str, Any]:
    """A service's OpenAPI document as it serves it (built without starting the service)."""
    entry = SERVICES[name]
    app = entry.bootstrap().create_app(entry.settings(run_workers=False))
    document: dict[str, Any] = app.openapi()
    return document


__all__: list[str] = ["Iterator"]
