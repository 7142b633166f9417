"""`make bench` section 5: the outcomes figures on PostgreSQL over a national-scale history
(`benchmarks.national`), each beside baselines measured in the same run.

The outcomes service runs as a real uvicorn process on the loaded database; each figure is asked
`READS_REQUESTS` times, one request at a time, for a year and a cluster (p50 / p95). The
staff dashboard page is the real page of the staff service (every figure it shows, fetched at
the same time, drawn and rendered), signed in by its session cookie. Baselines:
- a bare SQL count of the same cluster's contacts in the year, over the same server;
- the previous way, every record of the read models loaded into Python for each figure, timed
  in this process over one council's history (a 152nd of the national one), beside the
  scoped load over the same database, and checked to give the same scorecard.
"""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from benchmarks import national, stack

REQUESTS = int(os.environ.get("BENCH_READS_REQUESTS", "40"))
COUNCILS = int(os.environ.get("BENCH_READS_COUNCILS", "152"))
SEED = 15
YEAR = 2019
CLUSTER = "jess"
PERIOD = {"from": f"{YEAR}-01-01", "to": f"{YEAR}-12-31", "cluster_id": CLUSTER}
FIGURES: list[tuple[str, float]] = [
    ("/v1/scorecard", 100),
    ("/v1/run-charts/goals_improved_percent", 100),
    ("/v1/evaluation/goal-movement", 250),
    ("/v1/evaluation/closure-reasons", 250),
    ("/v1/evaluation/intervention", 250),
    ("/v1/evaluation/improvement-by-category", 250),
    ("/v1/evaluation/table-4", 250),
    ("/v1/evaluation/table-1", 250),
    ("/v1/evaluation/table-2", 250),
    ("/v1/evaluation/table-3", 250),
]
SESSION_SECRET = "bench-session-secret-" + "x" * 24


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(label: str, times: list[float], target: float | None = None) -> str:
    goal = f"  (target p95 < {target:.0f} ms)" if target else ""
    return f"  {label:<46} p50 {_pct(times, 0.5):6.1f} ms  p95 {_pct(times, 0.95):6.1f} ms{goal}"


def _timed(client: httpx.Client, url: str, params: dict[str, str], n: int) -> list[float]:
    for _ in range(2):
        client.get(url, params=params).raise_for_status()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        client.get(url, params=params).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


async def _bare_count(url: str, n: int) -> list[float]:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    end = datetime(YEAR + 1, 1, 1, tzinfo=UTC)
    sql = (
        "SELECT count(*) FROM contacts WHERE cluster_id = $1 AND opened_at >= $2 AND opened_at < $3"
    )
    try:
        times = []
        for _ in range(n + 2):
            started = time.perf_counter()
            await conn.fetchval(sql, CLUSTER, start, end)
            times.append((time.perf_counter() - started) * 1000)
        return times[2:]
    finally:
        await conn.close()


async def _previous_way(url: str, n: int) -> tuple[list[float], list[float], bool]:
    """(every record then the scorecard, the scoped load then the scorecard, same answer) over
    one database, in this process."""
    from outcomes.adapters.read_models import load_records
    from outcomes.domain.scorecard import Filter, build_scorecard
    from outcomes.service_layer import measures
    from runtime.db import Database

    flt = Filter(period_from=date(YEAR, 1, 1), period_to=date(YEAR, 12, 31), cluster_id=CLUSTER)
    db = Database(url)
    try:
        every, scoped = [], []
        for _ in range(n):
            started = time.perf_counter()
            async with db.sessions() as session:
                whole = build_scorecard(await load_records(session), flt)
            every.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            part = build_scorecard(
                await measures.records(db, measures.filter_scope(flt, measures.SCORECARD)), flt
            )
            scoped.append((time.perf_counter() - started) * 1000)
        return every, scoped, whole == part
    finally:
        await db.dispose()


def _session_cookie(token: str) -> str:
    from staff.entrypoints.web.session import Session, SessionStore, User

    store = SessionStore(SESSION_SECRET, 12 * 3600, secure=False)
    session = Session.start(User("user:bench", "Bench", "bi_analyst"), token, time.time() + 3600)
    return store.codec.dumps(session.to_dict())


def reads(work: Path) -> None:
    scale = national.Scale(councils=COUNCILS)
    print(f"  history: {scale.describe()}")
    url = national.ensure_postgres(scale, SEED)
    token = stack.dev_token(work, "bi_analyst")
    with stack.broker("embedded", work) as broker:
        s = stack.Stack(work, broker.bootstrap, stack.Kept({"outcomes": url}, work))
        try:
            s.start("outcomes")
            s.start(
                "staff",
                STAFF_SESSION_SECRET=SESSION_SECRET,
                STAFF_OUTCOMES_URL=f"http://127.0.0.1:{s.ports['outcomes']}",
                STAFF_COOKIE_SECURE="false",
            )
            s.ready()
            auth = {"Authorization": f"Bearer {token}"}
            with httpx.Client(timeout=120, headers=auth) as client:
                for path, target in FIGURES:
                    times = _timed(client, s.url("outcomes", path), PERIOD, REQUESTS)
                    print(_line(f"GET {path}", times, target), flush=True)
                # What the dashboard asks when no filter is chosen: every RES cluster, all years.
                times = _timed(client, s.url("outcomes", "/v1/evaluation/table-1"), {}, REQUESTS)
                print(_line("GET /v1/evaluation/table-1 (no filter)", times), flush=True)
            cookies = {"lpm_staff_session": _session_cookie(token)}
            with httpx.Client(timeout=120, cookies=cookies) as page:
                params = dict(PERIOD)
                probe = page.get(s.url("staff", "/dashboard"), params=params)
                if probe.status_code != 200 or CLUSTER not in probe.text:
                    print(f"  dashboard page: {probe.status_code}, see {work}/staff.log")
                else:
                    times = _timed(page, s.url("staff", "/dashboard"), params, REQUESTS // 4 or 1)
                    print(_line("staff /dashboard page (every figure)", times), end="")
                    print("  (target < 1000 ms)", flush=True)
        finally:
            s.close()
    counts = asyncio.run(_bare_count(url, REQUESTS))
    print(_line("baseline: bare SQL count of the cluster's year", counts), flush=True)
    council = national.ensure_postgres(national.Scale(councils=1), SEED)
    every, scoped, same = asyncio.run(_previous_way(council, max(3, REQUESTS // 8)))
    print(_line("baseline: one council, every record (previous)", every), flush=True)
    print(_line("          one council, scoped load (now)", scoped), flush=True)
    print(f"          the same scorecard both ways: {'yes' if same else 'NO'}", flush=True)
