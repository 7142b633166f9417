"""`make bench`: figures for the backbone slice on the single-machine default (SQLite, embedded
broker, real HTTP through uvicorn).

1. HTTP write throughput of `POST /v1/contacts` (JWT check, validation, audit, outbox in one
   transaction) beside a bare FastAPI endpoint doing one INSERT with the same driver.
2. Event-to-projection lag at a steady rate: from the outbox row's commit in referrals to the
   inbox row's commit in outcomes, per event (p50, p99).
"""

from __future__ import annotations

import asyncio
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
from runtime.broker import EmbeddedBroker, free_port
from runtime.devauth import ensure_dev_issuer, issuer_dir, sign, token_claims
from runtime.kafka import ensure_topics
from runtime.migrations import upgrade
from runtime.services import SERVICES

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
RATE = float(os.environ.get("BENCH_RATE", "50"))
BODY = {
    "source": "school_via_cluster",
    "cluster_id": "inner-east",
    "worry": "Attendance has dropped.",
}


def _serve(module: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            module,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env={**os.environ, **env},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} not ready")


async def _throughput(url: str, headers: dict[str, str]) -> float:
    done = 0
    stop = time.monotonic() + SECONDS
    async with httpx.AsyncClient(timeout=30) as client:

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < stop:
                r = await client.post(url, json=BODY, headers=headers)
                if r.status_code != 201:
                    raise SystemExit(f"{url}: {r.status_code} {r.text}")
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.monotonic() - started)


async def _steady(url: str, headers: dict[str, str], count: int) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        interval = 1.0 / RATE
        next_at = time.monotonic()
        pending = []
        for _ in range(count):
            pending.append(asyncio.create_task(client.post(url, json=BODY, headers=headers)))
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        for r in await asyncio.gather(*pending):
            assert r.status_code == 201, r.text


def _lags(referrals_db: Path, outcomes_db: Path, since: str) -> list[float]:
    with sqlite3.connect(referrals_db) as r, sqlite3.connect(outcomes_db) as o:
        created = dict(
            r.execute(
                "SELECT replace(id, '-', ''), created_at FROM outbox WHERE created_at >= ?",
                (since,),
            )
        )
        processed = dict(
            o.execute("SELECT replace(event_id, '-', ''), processed_at FROM processed_messages")
        )
    lags = []
    for event_id, at in created.items():
        if event_id in processed:
            lags.append(
                (
                    datetime.fromisoformat(processed[event_id]) - datetime.fromisoformat(at)
                ).total_seconds()
                * 1000
            )
    return lags


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="lpm-bench-"))
    ensure_dev_issuer(work)
    folder = issuer_dir(work)
    token = sign(
        folder / "signing-key.pem",
        folder / "jwks.json",
        token_claims("duty_advice", "bench", None, None, []),
        issuer=os.environ["LPM_AUTH_ISSUER"],
    )
    headers = {"Authorization": f"Bearer {token}"}
    broker = EmbeddedBroker(free_port(), log_path=work / "broker.log")
    broker.start()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        asyncio.run(ensure_topics(broker.bootstrap))
        env = {
            "LPM_DATA_DIR": str(work),
            "LPM_KAFKA_BOOTSTRAP": broker.bootstrap,
            "LPM_RATE_LIMIT_PER_MINUTE": "10000000",
            "BARE_DATABASE_URL": f"sqlite+aiosqlite:///{work}/bare.db",
        }
        ports = {name: free_port() for name in ("referrals", "outcomes", "bare")}
        for name in ("referrals", "outcomes"):
            upgrade(SERVICES[name].migrations, f"sqlite+aiosqlite:///{work}/{name}.db")
            env[f"{name.upper()}_PORT"] = str(ports[name])
            procs.append(
                _serve(f"{name}.bootstrap:create_app", ports[name], env, work / f"{name}.log")
            )
        procs.append(
            _serve("benchmarks.bare_app:create_app", ports["bare"], env, work / "bare.log")
        )
        for name in ("referrals", "outcomes"):
            _wait(f"http://127.0.0.1:{ports[name]}/health/ready")
        _wait(f"http://127.0.0.1:{ports['bare']}/docs")

        bare = asyncio.run(_throughput(f"http://127.0.0.1:{ports['bare']}/bare", {}))
        ours = asyncio.run(
            _throughput(f"http://127.0.0.1:{ports['referrals']}/v1/contacts", headers)
        )
        time.sleep(3)  # let the relay and consumer drain the throughput run
        since = datetime.now().astimezone().isoformat()
        count = int(RATE * SECONDS)
        asyncio.run(_steady(f"http://127.0.0.1:{ports['referrals']}/v1/contacts", headers, count))
        deadline = time.monotonic() + 60
        lags: list[float] = []
        while time.monotonic() < deadline:
            lags = _lags(work / "referrals.db", work / "outcomes.db", since.replace("T", " ")[:26])
            if len(lags) >= count:
                break
            time.sleep(0.5)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(10)
        broker.stop()

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite (aiosqlite), embedded broker; {CONCURRENCY} concurrent clients, {SECONDS:.0f} s"
    )
    print(f"bare FastAPI + one INSERT      : {bare:8.1f} writes/s")
    print(f"POST /v1/contacts (full stack) : {ours:8.1f} writes/s  ({ours / bare:.0%} of bare)")
    if lags:
        print(
            f"event-to-projection lag at {RATE:.0f} writes/s over {len(lags)} events: "
            f"p50 {_pct(lags, 0.5):.0f} ms, p99 {_pct(lags, 0.99):.0f} ms, "
            f"max {max(lags):.0f} ms, mean {statistics.fmean(lags):.0f} ms"
        )
    else:
        print("event-to-projection lag: no events projected (see logs in", work, ")")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
