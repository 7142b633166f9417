"""What `make bench` runs against: a broker, services as real uvicorn processes on SQLite or
PostgreSQL, the bare baseline app, and `wrk` to load them from outside their process."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from runtime.broker import EmbeddedBroker, KRaftBroker, apache_kafka_available, free_port
from runtime.devauth import ensure_dev_issuer, issuer_dir, sign, token_claims
from runtime.kafka import ensure_topics
from runtime.migrations import upgrade
from runtime.services import SERVICES

LUA = Path(__file__).with_name("post.lua")
PG_ADMIN = os.environ.get("LPM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def describe_machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f", load {os.getloadavg()[0]:.1f}"
    return (
        f"{platform.machine()} {cpu}, {os.cpu_count()} cores{mem}{load}; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}"
    )


# -- databases ---------------------------------------------------------------------------------


def _pg_parts() -> tuple[str, str]:
    """(scheme-less authority, admin database) of the PostgreSQL server used by the bench."""
    rest = PG_ADMIN.split("://", 1)[1]
    authority, _, dbname = rest.partition("/")
    return authority, dbname or "postgres"


def postgres_reachable() -> bool:
    try:
        asyncio.run(_pg_admin("SELECT 1"))
        return True
    except Exception:
        return False


async def _pg_admin(sql: str) -> None:
    import asyncpg

    authority, dbname = _pg_parts()
    conn = await asyncpg.connect(f"postgresql://{authority}/{dbname}")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@dataclass
class Databases:
    """Fresh databases of one kind (`sqlite` or `postgresql`), dropped on close."""

    kind: str
    folder: Path
    created: list[str] = field(default_factory=list)

    def new(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self.folder / name}.db"
        db = f"lpm_bench_{name}_{uuid.uuid4().hex[:8]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{db}"'))
        self.created.append(db)
        return f"postgresql+asyncpg://{_pg_parts()[0]}/{db}"

    def close(self) -> None:
        for db in self.created:
            try:
                asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            except Exception as exc:
                print(f"  (could not drop {db}: {exc})", file=sys.stderr)
        self.created.clear()


class Kept(Databases):
    """Databases already loaded (by service name), kept on close; others as `Databases`."""

    def __init__(self, urls: dict[str, str], folder: Path) -> None:
        super().__init__("postgresql", folder)
        self.urls = urls

    def new(self, name: str) -> str:
        return self.urls[name] if name in self.urls else super().new(name)


# -- processes ---------------------------------------------------------------------------------


def serve(
    module: str, port: int, env: dict[str, str], log: Path, workers: int = 1
) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "uvicorn", "--factory", module, "--host", "127.0.0.1"]
    args += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    if workers > 1:
        args += ["--workers", str(workers)]
    return subprocess.Popen(
        args,
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_ready(url: str, timeout: float = 60) -> float:
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} not ready after {timeout:.0f} s")


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(15)
        except subprocess.TimeoutExpired:
            p.kill()
    procs.clear()


@contextmanager
def broker(kind: str, work: Path) -> Iterator[EmbeddedBroker]:
    b: EmbeddedBroker
    if kind == "apache":
        b = KRaftBroker(
            work / f"kafka-{uuid.uuid4().hex[:6]}", free_port(), log_path=work / "kraft.log"
        )
    else:
        b = EmbeddedBroker(free_port(), log_path=work / "broker.log")
    b.start()
    try:
        asyncio.run(ensure_topics(b.bootstrap))
        yield b
    finally:
        b.stop()


def kraft_available() -> bool:
    return apache_kafka_available()


def dev_token(work: Path, role: str = "duty_advice") -> str:
    ensure_dev_issuer(work)
    folder = issuer_dir(work)
    return sign(
        folder / "signing-key.pem",
        folder / "jwks.json",
        token_claims(role, "bench", None, None, []),
        issuer=os.environ["LPM_AUTH_ISSUER"],
    )


def _has_migrations(name: str) -> bool:
    try:
        SERVICES[name].migrations  # noqa: B018 (raises for a service that keeps no data)
    except LookupError:
        return False
    return True


@dataclass
class Stack:
    """Services (and optionally the bare app) on one kind of database, behind one broker."""

    work: Path
    bootstrap: str
    databases: Databases
    env: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.env.update(
            {
                "LPM_DATA_DIR": str(self.work),
                "LPM_KAFKA_BOOTSTRAP": self.bootstrap,
                "LPM_RATE_LIMIT_PER_MINUTE": "100000000",
            }
        )

    def start(self, name: str, workers: int = 1, **env: str) -> None:
        keeps_data = name == "bare" or _has_migrations(name)
        url = self.databases.new(name) if keeps_data else ""
        self.urls[name] = url
        port = free_port()
        self.ports[name] = port
        if name == "bare":
            self.env["BARE_DATABASE_URL"] = url
            module = "benchmarks.bare_app:create_app"
        else:
            if keeps_data:
                upgrade(SERVICES[name].migrations, url)
                self.env[f"{name.upper()}_DATABASE_URL"] = url
            self.env[f"{name.upper()}_PORT"] = str(port)
            module = f"{name}.bootstrap:create_app"
        self.procs[name] = serve(
            module, port, {**self.env, **env}, self.work / f"{name}.log", workers=workers
        )

    def ready(self) -> None:
        for name, port in self.ports.items():
            path = "/docs" if name == "bare" else "/health/ready"
            wait_ready(f"http://127.0.0.1:{port}{path}")

    def url(self, name: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def close(self) -> None:
        stop(list(self.procs.values()))
        self.procs.clear()
        self.databases.close()


# -- CPU time --------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        # Fields after the command name, which may hold spaces: state, ppid, ... utime, stime.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (uvicorn's workers), so far;
    0 where /proc is not there."""
    if not Path("/proc").is_dir():
        return 0.0
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and fields[1] == str(pid):
            pids.append(int(entry.name))
    ticks = 0
    for p in pids:
        if fields := _stat(p):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# -- wrk ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    rate: float  # 2xx responses per second
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int
    ok: int = 0

    def line(self) -> str:
        return f"{self.rate:8.1f} req/s  p50 {self.p50_ms:6.1f} ms  p99 {self.p99_ms:6.1f} ms" + (
            f"  ({self.failed} failed)" if self.failed else ""
        )


WRK_HELP = (
    "wrk is not installed: `apt-get install wrk` (Debian/Ubuntu) or `brew install wrk`; "
    "without it make bench skips the HTTP throughput figures"
)


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(
    url: str, body: dict[str, Any], auth: str | None, seconds: float, connections: int
) -> LoadResult:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "1",
            "-c",
            str(connections),
            "-d",
            f"{seconds:.0f}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
        ],
        env={**os.environ, "BENCH_BODY": json.dumps(body), "BENCH_AUTH": auth or ""},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    m = re.search(r"^BENCH (.*)$", out, re.M)
    if not m:
        raise SystemExit(f"wrk printed no summary:\n{out}")
    f = {k: int(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    ok = f["requests"] - f["non2xx"]
    return LoadResult(
        rate=ok / (f["duration_us"] / 1e6),
        p50_ms=f["p50_us"] / 1000,
        p99_ms=f["p99_us"] / 1000,
        requests=f["requests"],
        failed=f["non2xx"] + f["socket_errors"],
        ok=ok,
    )
