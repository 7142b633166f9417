"""`make bench` section 5: the outcomes figures on PostgreSQL over a national-scale history
(`benchmarks.national`), each beside baselines measured in the same run.

The outcomes service runs as a real uvicorn process on the loaded database; each figure is asked
`READS_REQUESTS` times, one request at a time, for a year and a cluster (p50 / p95), and the
run charts the dashboard shows in one batch. The staff dashboard page is the real page of the
staff service (every figure it shows, fetched at the same time, drawn and rendered), signed in
by its session cookie: first for its figures (twelve months from each month of a year, each
drawing its charts) and the same page again (its charts kept by their figures). The load
average is printed before and after. Baselines:
- a bare SQL count of the same cluster's contacts in the year, over the same server;
- the previous way, every record of the read models loaded into Python for each figure, timed
  in this process over one council's history (a 152nd of the national one), beside the
  scoped load over the same database, and checked to give the same scorecard.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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


def _line(
    label: str, times: list[float], target: float | None = None, cpu: float | None = None
) -> str:
    used = f"  cpu {cpu:6.1f} ms" if cpu is not None else ""
    goal = f"  (target p95 < {target:.0f} ms)" if target else ""
    return (
        f"  {label:<46} p50 {_pct(times, 0.5):6.1f} ms  p95 {_pct(times, 0.95):6.1f} ms{used}{goal}"
    )


def _cpu_seconds(pids: list[int]) -> float:
    """User and system time the processes have used (Linux), else nothing."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Timed:
    """Request times, and the servers' processor time per request: what other work on a shared
    machine moves least."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids

    def __call__(
        self, client: httpx.Client, url: str, params: Mapping[str, Any], n: int, warm: int = 2
    ) -> tuple[list[float], float]:
        for _ in range(warm):
            client.get(url, params=params).raise_for_status()
        return self.each(client, url, [params] * n)

    def each(
        self, client: httpx.Client, url: str, asked: list[Mapping[str, Any]]
    ) -> tuple[list[float], float]:
        times = []
        cpu = _cpu_seconds(self.pids)
        for params in asked:
            started = time.perf_counter()
            client.get(url, params=params).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
        return times, (_cpu_seconds(self.pids) - cpu) * 1000 / len(asked)


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


def _year_from(month: int) -> dict[str, str]:
    """The cluster's twelve months from `month` (1 is January) of the year before `YEAR`."""
    end = date(YEAR, month, 1) - timedelta(days=1)
    return {
        "from": date(YEAR - 1, month, 1).isoformat(),
        "to": end.isoformat(),
        "cluster_id": CLUSTER,
    }


def _load() -> str:
    return "load average " + ", ".join(f"{v:.1f}" for v in os.getloadavg())


def _session_cookie(token: str) -> str:
    from staff.entrypoints.web.session import Session, SessionStore, User

    store = SessionStore(SESSION_SECRET, 12 * 3600, secure=False)
    session = Session.start(User("user:bench", "Bench", "bi_analyst"), token, time.time() + 3600)
    return store.codec.dumps(session.to_dict())


def reads(work: Path) -> None:
    scale = national.Scale(councils=COUNCILS)
    print(f"  history: {scale.describe()}; {_load()}")
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
            outcomes = Timed([s.procs["outcomes"].pid])
            with httpx.Client(timeout=120, headers=auth) as client:
                for path, target in FIGURES:
                    times, cpu = outcomes(client, s.url("outcomes", path), PERIOD, REQUESTS)
                    print(_line(f"GET {path}", times, target, cpu), flush=True)
                from staff.entrypoints.web.dashboard import CHARTED

                eight = {**PERIOD, "measure": [measure for measure, _, _ in CHARTED]}
                at = s.url("outcomes", "/v1/run-charts:batch")
                times, cpu = outcomes(client, at, eight, REQUESTS)
                print(_line("GET /v1/run-charts:batch (the dashboard's 8)", times, cpu=cpu))
                # What the dashboard asks when no filter is chosen: every RES cluster, all years.
                at = s.url("outcomes", "/v1/evaluation/table-1")
                times, cpu = outcomes(client, at, {}, REQUESTS)
                print(_line("GET /v1/evaluation/table-1 (no filter)", times, cpu=cpu), flush=True)
            cookies = {"lpm_staff_session": _session_cookie(token)}
            both = Timed([s.procs["staff"].pid, s.procs["outcomes"].pid])
            with httpx.Client(timeout=120, cookies=cookies) as page:
                params = dict(PERIOD)
                at = s.url("staff", "/dashboard")
                probe = page.get(at, params=params)
                if probe.status_code != 200 or CLUSTER not in probe.text:
                    print(f"  dashboard page: {probe.status_code}, see {work}/staff.log")
                else:
                    # First for its figures: a year from each month of the year before, each
                    # with figures (and so charts) of its own, drawn for that request.
                    years = [_year_from(m) for m in range(1, min(12, REQUESTS // 4 or 1) + 1)]
                    times, cpu = both.each(page, at, years)
                    label = "staff /dashboard page, first for its figures"
                    print(_line(label, times, cpu=cpu) + "  (target < 1000 ms)", flush=True)
                    times, cpu = both(page, at, params, REQUESTS // 4 or 1)
                    label = "staff /dashboard page, the same again"
                    print(_line(label, times, cpu=cpu) + "  (target < 1000 ms)", flush=True)
                    print("  (cpu of a page: the staff and outcomes processes together)")
            print(f"  ({_load()})", flush=True)
        finally:
            s.close()
    counts = asyncio.run(_bare_count(url, REQUESTS))
    print(_line("baseline: bare SQL count of the cluster's year", counts), flush=True)
    council = national.ensure_postgres(national.Scale(councils=1), SEED)
    every, scoped, same = asyncio.run(_previous_way(council, max(3, REQUESTS // 8)))
    print(_line("baseline: one council, every record (previous)", every), flush=True)
    print(_line("          one council, scoped load (now)", scoped), flush=True)
    print(f"          the same scorecard both ways: {'yes' if same else 'NO'}", flush=True)
