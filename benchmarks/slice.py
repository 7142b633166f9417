"""`make bench`: the platform's figures, each beside its baseline measured in the same run.

1. Intake: `wrk` (outside the servers' process and language) loads the bare FastAPI + one
   INSERT app and `POST /v1/contacts` (token, policy, audit, outbox; relay and the outcomes
   consumer running) in alternating rounds, on SQLite and on PostgreSQL, with the servers'
   CPU time per answered request beside each rate.
2. Event-to-projection lag at a steady rate (a Python client, which only has to keep the
   rate): from the outbox row's commit in referrals to the inbox row's commit in outcomes,
   on the embedded broker and on Apache Kafka (KRaft).

3. Rebuild by replay: outcomes drops its read models and re-reads a topic of
   `BENCH_REBUILD_EVENTS` contact events, beside a raw aiokafka consume of the same topic on the
   same broker in the same run.
4. Idle resident memory of each service, and `lpm run` (what `make run` runs) from start to
   every service ready, warm (its data folder made by a first start).
5. Reads at national scale on PostgreSQL (`benchmarks.reads`): the scorecard, a run chart, each
   `/v1/evaluation/*` and the staff dashboard page for a year and a cluster, beside a bare SQL
   count and the previous load-everything way. The history is loaded once (some minutes) and
   kept for later runs.

`BENCH_SECONDS` (per wrk round), `BENCH_ROUNDS`, `BENCH_CONNECTIONS`, `BENCH_PG_WORKERS`, `BENCH_RATE`,
`BENCH_ONLY` (comma-separated: intake, lag, rebuild, footprint, reads), `BENCH_READS_REQUESTS`
and `BENCH_READS_COUNCILS` change what runs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from runtime.db import Database
from sqlalchemy import text

from benchmarks import reads, stack

SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
RATE = float(os.environ.get("BENCH_RATE", "200"))
LAG_SECONDS = float(os.environ.get("BENCH_LAG_SECONDS", "10"))
ONLY = {s for s in os.environ.get("BENCH_ONLY", "").split(",") if s}
BODY = {
    "source": "school_via_cluster",
    "cluster_id": "inner-east",
    "worry": "Attendance has dropped.",
}


def wanted(section: str) -> bool:
    return not ONLY or section in ONLY


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- 1. intake ---------------------------------------------------------------------------------


# uvicorn workers of the referrals service on PostgreSQL (`BENCH_PG_WORKERS`; SQLite takes one:
# one writer per file, and the relay's lease refuses a second process). Several run correctly
# (one relay publishes at a time, under an advisory lock; the consumers share the group), but
# on two cores already busy with wrk, the broker, the database and outcomes a second worker
# costs more CPU per request than it gains. The bare app keeps one.
PG_WORKERS = int(os.environ.get("BENCH_PG_WORKERS", "1"))


def intake(work: Path, kind: str, token: str) -> None:
    workers = PG_WORKERS if kind == "postgresql" else 1
    with stack.broker("embedded", work) as broker:
        s = stack.Stack(work, broker.bootstrap, stack.Databases(kind, work))
        try:
            s.start("bare")
            s.start("referrals", workers=workers)
            s.start("outcomes")
            s.ready()
            bare_url = s.url("bare", "/bare")
            full_url = s.url("referrals", "/v1/contacts")
            auth = f"Bearer {token}"
            # Warm both (first connections, statement caches) before anything is counted.
            stack.wrk(bare_url, BODY, None, 2, CONNECTIONS)
            stack.wrk(full_url, BODY, auth, 2, CONNECTIONS)
            ratios = []
            labels = ("bare FastAPI + one INSERT, 1 worker", f"POST /v1/contacts, {workers} worker")
            labels = (labels[0] + " ", labels[1] + ("s" if workers > 1 else " "))
            for n in range(1, ROUNDS + 1):
                bare, bare_cpu = _loaded(s, ["bare"], bare_url, None)
                full, full_cpu = _loaded(s, ["referrals", "outcomes"], full_url, auth)
                ratio = full.rate / bare.rate if bare.rate else 0.0
                ratios.append(ratio)
                print(f"  {kind:<10} round {n}  {labels[0]:<37}: {bare.line()}  {bare_cpu}")
                print(
                    f"  {kind:<10} round {n}  {labels[1]:<37}: {full.line()}  {full_cpu}"
                    f"  ratio {ratio:.2f}x"
                )
            print(
                f"  {kind:<10} full stack / bare: {min(ratios):.2f}-{max(ratios):.2f}x "
                f"(target >= 0.5x, full-stack p99 < 250 ms)",
                flush=True,
            )
        finally:
            s.close()


def _loaded(
    s: stack.Stack, servers: list[str], url: str, auth: str | None
) -> tuple[stack.LoadResult, str]:
    """One wrk round, and the servers' CPU time per answered request meanwhile: a figure that
    moves less than the rates when other work shares the machine."""
    before = {name: stack.cpu_seconds(s.procs[name].pid) for name in servers}
    result = stack.wrk(url, BODY, auth, SECONDS, CONNECTIONS)
    used = {name: stack.cpu_seconds(s.procs[name].pid) - before[name] for name in servers}
    per = {name: 1000 * t / max(result.ok, 1) for name, t in used.items()}
    parts = " + ".join(f"{name} {ms:.2f}" for name, ms in per.items()) if len(per) > 1 else ""
    return result, f"CPU {sum(per.values()):.2f} ms/req" + (f" ({parts})" if parts else "")


# -- 2. lag ------------------------------------------------------------------------------------


async def _steady(url: str, headers: dict[str, str], count: int, rate: float) -> datetime:
    started = datetime.now(UTC)
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:
        interval = 1.0 / rate
        next_at = time.monotonic()
        pending = []
        for _ in range(count):
            pending.append(asyncio.create_task(client.post(url, json=BODY, headers=headers)))
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        for r in await asyncio.gather(*pending):
            if r.status_code != 201:
                raise SystemExit(f"lag run: {r.status_code} {r.text}")
    return started


async def _lags(referrals_url: str, outcomes_url: str, since: datetime) -> list[float]:
    r, o = Database(referrals_url), Database(outcomes_url)
    try:
        async with r.engine.connect() as rc:
            rows = await rc.execute(
                text("SELECT id, created_at FROM outbox WHERE created_at >= :since"),
                {"since": since.isoformat(sep=" ") if not r.is_postgres else since},
            )
            created = {str(i).replace("-", ""): _aware(at) for i, at in rows}
        async with o.engine.connect() as oc:
            rows = await oc.execute(text("SELECT event_id, processed_at FROM processed_messages"))
            processed = {str(i).replace("-", ""): _aware(at) for i, at in rows}
    finally:
        await r.dispose()
        await o.dispose()
    return [
        (processed[i] - at).total_seconds() * 1000 for i, at in created.items() if i in processed
    ]


def _aware(value: datetime | str) -> datetime:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def lag(work: Path, broker_kind: str, token: str) -> None:
    work = work / f"lag-{broker_kind}"  # databases of its own, not another section's
    work.mkdir()
    with stack.broker(broker_kind, work) as broker:
        s = stack.Stack(work, broker.bootstrap, stack.Databases("sqlite", work))
        try:
            for name in ("referrals", "outcomes"):
                s.start(name)
            s.ready()
            count = int(RATE * LAG_SECONDS)
            url = s.url("referrals", "/v1/contacts")
            headers = {"Authorization": f"Bearer {token}"}
            asyncio.run(_steady(url, headers, int(RATE), RATE))  # warm: groups joined, caches
            time.sleep(2)
            since = asyncio.run(_steady(url, headers, count, RATE))
            deadline = time.monotonic() + 60
            lags: list[float] = []
            while time.monotonic() < deadline:
                lags = asyncio.run(_lags(s.urls["referrals"], s.urls["outcomes"], since))
                if len(lags) >= count:
                    break
                time.sleep(0.5)
        finally:
            s.close()
    name = "Apache Kafka (KRaft)" if broker_kind == "apache" else "embedded broker"
    if not lags:
        print(f"  {name:<22}: no events projected (logs in {work})")
        return
    print(
        f"  {name:<22}: {len(lags)} events at {RATE:.0f}/s: p50 {pct(lags, 0.5):.0f} ms, "
        f"p99 {pct(lags, 0.99):.0f} ms, max {max(lags):.0f} ms, "
        f"mean {statistics.fmean(lags):.0f} ms (target p50 < 100 ms, p99 < 500 ms: "
        f"{'met' if pct(lags, 0.5) < 100 and pct(lags, 0.99) < 500 else 'NOT met'})",
        flush=True,
    )


# -- 3. rebuild by replay ----------------------------------------------------------------------

REBUILD_EVENTS = int(os.environ.get("BENCH_REBUILD_EVENTS", "20000"))
# A rebuild still running then is reported at the rate it had reached.
REBUILD_SECONDS = float(os.environ.get("BENCH_REBUILD_SECONDS", "90"))


async def _fill(bootstrap: str, count: int) -> None:
    import uuid

    from aiokafka import AIOKafkaProducer
    from contracts.envelope import Envelope
    from contracts.referrals.v1 import ContactOpened

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        opened = datetime.now(UTC)
        for n in range(count):
            payload = ContactOpened(
                contact_id=uuid.uuid4(),
                source="school_via_cluster",
                cluster_id="inner-east",
                opened_at=opened,
            )
            env = Envelope.wrap(payload, source="/services/referrals")
            await producer.send(
                payload.topic,
                value=env.kafka_value(),
                key=str(payload.contact_id).encode(),
                headers=env.kafka_headers(),
            )
            if n % 1000 == 999:
                await producer.flush()
        await producer.flush()
    finally:
        await producer.stop()


async def _raw_consume(bootstrap: str, topic: str, count: int) -> float:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        started = time.monotonic()
        seen = 0
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(b) for b in batches.values())
        return seen / (time.monotonic() - started)
    finally:
        await consumer.stop()


async def _projected(url: str) -> int:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return int(
                (await conn.execute(text("SELECT count(*) FROM processed_messages"))).scalar_one()
            )
    finally:
        await db.dispose()


def rebuild(work: Path, broker_kind: str) -> None:
    from contracts import topics

    admin = stack.dev_token(work, "admin")
    # A folder of its own: the sections before it leave an outcomes database in `work`.
    work = work / f"rebuild-{broker_kind}"
    work.mkdir()
    with stack.broker(broker_kind, work) as broker:
        s = stack.Stack(work, broker.bootstrap, stack.Databases("sqlite", work))
        try:
            s.start("outcomes")
            s.ready()
            # The live consumer projects the history first, as it would have before a rebuild.
            live_started = time.monotonic()
            asyncio.run(_fill(broker.bootstrap, REBUILD_EVENTS))
            while asyncio.run(_projected(s.urls["outcomes"])) < REBUILD_EVENTS:
                if time.monotonic() - live_started > REBUILD_SECONDS:
                    raise SystemExit(
                        f"rebuild: the live consumer did not project {REBUILD_EVENTS} events"
                    )
                time.sleep(0.1)
            live = REBUILD_EVENTS / (time.monotonic() - live_started)
            raw = asyncio.run(
                _raw_consume(broker.bootstrap, topics.REFERRALS_CONTACT, REBUILD_EVENTS)
            )
            headers = {"Authorization": f"Bearer {admin}"}
            url = s.url("outcomes", "/v1/admin/rebuild")
            started = time.monotonic()
            r = httpx.post(url, headers=headers, timeout=60)
            if r.status_code != 202:
                raise SystemExit(f"rebuild: {r.status_code} {r.text}")
            checked = time.monotonic() - started
            status: dict[str, object] = {}
            while time.monotonic() - started < REBUILD_SECONDS:
                status = httpx.get(url, headers=headers, timeout=30).json()
                if status.get("status") != "running":
                    break
                time.sleep(0.05)
            took = time.monotonic() - started
        finally:
            s.close()
    applied = int(str(status.get("records_read", 0)))
    rate = applied / took if took else 0.0
    # The reading alone, as the raw consume is timed: from the read models cleared to done.
    reading = _seconds(status.get("started_at"), status.get("finished_at")) or took
    target = min(20_000.0, 0.1 * raw)
    name = "Apache Kafka (KRaft)" if broker_kind == "apache" else "embedded broker"
    print(
        f"  {name:<22}: rebuild of {applied} events ({status.get('status')}) in {took:.1f} s: "
        f"{rate:6.0f} events/s, of which the source check {checked:.1f} s and the re-reading "
        f"{reading:.1f} s ({applied / reading:6.0f} events/s); raw aiokafka consume of the same "
        f"topic {raw:6.0f} events/s; the rebuild {rate / raw:.0%} of raw, target >= "
        f"{target:.0f} events/s (20,000/s or 10% of raw, the lower): "
        f"{'met' if rate >= target else 'NOT met'}; the live consumer projected the same "
        f"events at {live:.0f} events/s",
        flush=True,
    )


def _seconds(start: object, end: object) -> float | None:
    if not isinstance(start, str) or not isinstance(end, str):
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


# -- 4. footprint ------------------------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def footprint(work: Path) -> None:
    from runtime.services import SERVICES

    work = work / "footprint"  # databases of its own, not another section's
    work.mkdir()
    with stack.broker("embedded", work) as broker:
        s = stack.Stack(work, broker.bootstrap, stack.Databases("sqlite", work))
        try:
            for name in SERVICES:
                s.start(name)
            s.ready()
            time.sleep(5)  # idle: workers joined, nothing to do
            rss = {name: _rss_mb(p.pid) for name, p in s.procs.items()}
        finally:
            s.close()
    print(
        "  idle RSS: "
        + ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss.items())
        + f" (target < 150 MB each: {'met' if max(rss.values()) < 150 else 'NOT met'})"
    )
    ready = [_lpm_run_ready(work / "run") for _ in range(2)]
    print(
        f"  lpm run (make run) to every service ready: first start {ready[0]:.1f} s, "
        f"warm {ready[1]:.1f} s (target < 30 s warm: {'met' if ready[1] < 30 else 'NOT met'})",
        flush=True,
    )


def _lpm_run_ready(data: Path) -> float:
    import signal
    import subprocess

    from runtime.broker import free_port
    from runtime.services import SERVICES

    env = {**os.environ, "LPM_DATA_DIR": str(data), "LPM_KAFKA_PORT": str(free_port())}
    # Its own ports and its own development issuer, whatever else runs on this machine.
    for name in ("LPM_KAFKA_BOOTSTRAP", "LPM_AUTH_ISSUER", "LPM_AUTH_JWKS_FILE"):
        env.pop(name, None)
    env["LPM_DEV_ISSUER_PORT"] = str(free_port())
    for name in SERVICES:
        env[f"{name.upper()}_PORT"] = str(free_port())
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "runtime.cli", "run", "--ready-timeout", "180"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    took = float("nan")
    said: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            said.append(line)
            if "platform is running" in line:
                took = time.monotonic() - started
                break
        else:
            print("  lpm run stopped before it was ready:\n    " + "    ".join(said[-8:]))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return took


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="lpm-bench-"))
    token = stack.dev_token(work)
    print(f"machine: {stack.describe_machine()}")
    print(
        "the figures that matter are the ratios: the machine may be shared, so absolute rates "
        "move from run to run\n"
    )
    if wanted("intake"):
        print(
            f"1. intake, wrk -c {CONNECTIONS}, {ROUNDS} alternating rounds of {SECONDS:.0f} s, "
            "embedded broker, relay and outcomes consumer running"
        )
        if not stack.wrk_available():
            print(f"  skipped: {stack.WRK_HELP}")
        else:
            kinds = ["sqlite"]
            if stack.postgres_reachable():
                kinds.append("postgresql")
            else:
                print(f"  PostgreSQL skipped: nothing answers at {stack.PG_ADMIN}")
            for kind in kinds:
                intake(work, kind, token)
        print()
    if wanted("lag"):
        print(f"2. event-to-projection lag at {RATE:.0f} events/s for {LAG_SECONDS:.0f} s, SQLite")
        lag(work, "embedded", token)
        if stack.kraft_available():
            lag(work, "apache", token)
        else:
            print("  Apache Kafka skipped: needs java and `make kafka`")
        print()
    if wanted("rebuild"):
        print(f"3. rebuild by replay of {REBUILD_EVENTS} events, SQLite")
        rebuild(work, "embedded")
        if stack.kraft_available():
            rebuild(work, "apache")
        print()
    if wanted("footprint"):
        print("4. footprint")
        footprint(work)
        print()
    if wanted("reads"):
        print(
            f"5. reads for a year and a cluster, {reads.REQUESTS} requests each, one at a time, "
            "PostgreSQL"
        )
        if stack.postgres_reachable():
            reads.reads(work)
        else:
            print(f"  skipped: nothing answers at {stack.PG_ADMIN}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
