"""A seeded history of national scale for the outcomes read models, and its loader.

`Scale()` is 152 councils' worth over five years: 3.2M contacts, 456,000 plans, 912,000
sub-goals, 9.1M scores and 114,000 service responses. Each council has 25 clusters (Leeds'
first seven are its RES clusters, so Tables 1-3 have rows); every cluster has the same month,
so the figures of a small scale can be worked out by hand (see `tests/integration/
test_national_history.py`). The seed draws the ids and the day and minute of each contact
within its month, never a count: a month's and a year's figures are the seed's alike.

A cluster's month, contact `i` of `contacts_per_cluster_month` (14 by default):
- decision by `i % 7`: 0 accepted for RES early help (allocated, a plan), 1 stepped up to area
  social work, 2 accepted as child in need (allocated, no plan), 3 signposted, 4 no further
  action, 5 a Rethink space requested, 6 not decided yet; decided 2, 3 or 4 hours after it
  opened (`i % 3`), allocated a day after it opened; from a school when `i` is even, else from
  Duty and Advice; contact 7 is a re-referral;
- a plan (contacts 0 and 7) opens a week after its contact, with its formulation completed two
  days before (the 6 Ps and walk back both for contact 0 only), and closes five calendar months
  after it opened: all goals achieved for contact 0, else the family withdrew (even months) or
  was escalated to area social work (odd months); one feedback at closing, recommending for
  contact 0 only;
- each plan has two sub-goals set the day it opens (slot 2 * plan + goal: S1, E2, H3, A5), with
  baseline 3 + goal, nine fortnightly tracking scores (slot 1's fifth comes 20 days after the
  fourth, so late) moving to baseline +3, +2, 0 and -1, and the last score again at ending;
  one action each;
- contact 1 of every even month brings a service response a week after it opened: a child
  protection plan when the month is a multiple of four, else becoming looked after.

`python -m benchmarks.national URL [--councils N ...]` loads it into a migrated database
(COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contracts.outcomes.v1 import ClosureReason, ResponseKind
from contracts.reference.goals import ActivityCategory, SubGoalEndState
from contracts.reference.referrals import CLUSTERS, DecisionType, ReferralSource, team_for_cluster
from outcomes.adapters import orm
from sqlalchemy import JSON, Table

CODES = ("S1", "E2", "H3", "A5")
CODE_EDITION = "2019"
DELTAS = (3, 2, 0, -1)
REVIEWS = 9
FORTNIGHT = 14
LATE_GAP = 20
TRACKING_FREQUENCY_DAYS = 14
PLAN_MONTHS = 5
DECISIONS: tuple[DecisionType | None, ...] = (
    DecisionType.ACCEPT_FOR_RES_EARLY_HELP,
    DecisionType.STEP_UP_TO_AREA_SOCIAL_WORK,
    DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED,
    DecisionType.SIGNPOST_TO_CLUSTER,
    DecisionType.NO_FURTHER_ACTION,
    DecisionType.REQUEST_RETHINK_SPACE,
    None,
)
ACTIVITIES = (
    ActivityCategory.PARENTING_WORK,
    ActivityCategory.PROMOTING_EMOTIONAL_HEALTH,
    ActivityCategory.ENGAGEMENT_AND_ALIGNMENT_WORK,
    ActivityCategory.RELATIONSHIP_WORK,
)


@dataclass(frozen=True)
class Scale:
    councils: int = 152
    clusters_per_council: int = 25
    first_year: int = 2016
    years: int = 5
    contacts_per_cluster_month: int = 14

    def cluster_ids(self) -> list[str]:
        """Council 0 is Leeds: its named (RES) clusters first."""
        ids: list[str] = []
        for council in range(self.councils):
            for k in range(self.clusters_per_council):
                if council == 0 and k < len(CLUSTERS):
                    ids.append(CLUSTERS[k].cluster_id)
                else:
                    ids.append(f"c{council:03d}-{k:02d}")
        return ids

    def describe(self) -> str:
        clusters = self.councils * self.clusters_per_council
        months = 12 * self.years
        contacts = clusters * months * self.contacts_per_cluster_month
        plans = clusters * months * len(range(0, self.contacts_per_cluster_month, 7))
        return (
            f"{self.councils} councils x {self.clusters_per_council} clusters, "
            f"{self.first_year}-{self.first_year + self.years - 1}: {contacts:,} contacts, "
            f"{plans:,} plans, {2 * plans:,} sub-goals, {2 * plans * (REVIEWS + 1):,} scores, "
            f"{clusters * months // 2:,} service responses"
        )


def team_of(cluster_id: str) -> str:
    team = team_for_cluster(cluster_id)
    return team.team_id if team else f"res-{cluster_id}"


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


Rows = dict[Table, list[dict[str, Any]]]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def cluster_history(scale: Scale, seed: int, cluster_id: str) -> Rows:
    """Every read-model row of one cluster (its own random stream: independent of the rest)."""
    rng = random.Random(f"{seed}:{cluster_id}")
    team_id = team_of(cluster_id)
    rows: Rows = {t: [] for t in (*orm.READ_MODELS, orm.service_responses)}
    for m in range(12 * scale.years):
        year, month = scale.first_year + m // 12, m % 12 + 1
        for i in range(scale.contacts_per_cluster_month):
            day = 1 + rng.randrange(20)
            opened_at = datetime(
                year, month, day, 9, rng.randrange(60), rng.randrange(60), tzinfo=UTC
            )
            contact_id, family_id = _uuid(rng), _uuid(rng)
            decision = DECISIONS[i % 7]
            allocated = decision in (
                DecisionType.ACCEPT_FOR_RES_EARLY_HELP,
                DecisionType.ACCEPT_FOR_RES_CHILD_IN_NEED,
            )
            allocated_at = opened_at + timedelta(days=1) if allocated else None
            rows[orm.contacts].append(
                {
                    "contact_id": contact_id,
                    "source": (
                        ReferralSource.SCHOOL_VIA_CLUSTER
                        if i % 2 == 0
                        else ReferralSource.DUTY_AND_ADVICE
                    ).value,
                    "referring_agency_id": None,
                    "cluster_id": cluster_id,
                    "team_id": team_id,
                    "family_id": family_id,
                    "opened_at": opened_at,
                    "decided_at": opened_at + timedelta(hours=2 + i % 3) if decision else None,
                    "decision_type": decision.value if decision else None,
                    "allocated_at": allocated_at,
                    "re_referral": i == 7,
                }
            )
            if allocated_at is not None:
                rows[orm.allocations].append(
                    {
                        "allocation_id": _uuid(rng),
                        "family_id": family_id,
                        "contact_id": contact_id,
                        "team_id": team_id,
                        "cluster_id": cluster_id,
                        "allocated_at": allocated_at,
                        "closed_on": None,
                    }
                )
            if i == 1 and m % 2 == 0:
                kind = ResponseKind.CP_PLAN if m % 4 == 0 else ResponseKind.LOOKED_AFTER
                occurred = opened_at.date() + timedelta(days=7)
                rows[orm.service_responses].append(
                    {
                        "response_id": _uuid(rng),
                        "kind": kind.value,
                        "child_id": _uuid(rng),
                        "source_system": "mosaic",
                        "source_id": f"{cluster_id}-{m}",
                        "source_person_id": None,
                        "cluster_id": cluster_id,
                        "occurred_on": occurred,
                        "age_band": "5-10",
                        "recorded_at": _noon(occurred),
                    }
                )
            if i % 7 == 0:
                _plan(rows, rng, cluster_id, team_id, family_id, contact_id, opened_at, i // 7, m)
    return rows


def _plan(
    rows: Rows,
    rng: random.Random,
    cluster_id: str,
    team_id: str,
    family_id: uuid.UUID,
    contact_id: uuid.UUID,
    opened_at: datetime,
    slot: int,
    m: int,
) -> None:
    plan_id, formulation_id, child_id = _uuid(rng), _uuid(rng), _uuid(rng)
    opened_on = opened_at.date() + timedelta(days=7)
    closed_on = add_months(opened_on, PLAN_MONTHS)
    first = slot == 0
    reason = (
        ClosureReason.ALL_GOALS_ACHIEVED
        if first
        else ClosureReason.FAMILY_WITHDREW
        if m % 2 == 0
        else ClosureReason.ESCALATED_TO_AREA_SOCIAL_WORK
    )
    rows[orm.people].append({"person_id": child_id, "kind": "child"})
    completed = _noon(opened_on - timedelta(days=2))
    rows[orm.formulations].append(
        {
            "formulation_id": formulation_id,
            "lineage_id": formulation_id,
            "version": 1,
            "family_id": family_id,
            "contact_id": contact_id,
            "team_id": team_id,
            "cluster_id": cluster_id,
            "started_at": opened_at + timedelta(days=1),
            "completed_at": completed,
            "all_six_ps_considered": first,
            "walk_back_passed": first,
            "superseded": False,
        }
    )
    rows[orm.plans].append(
        {
            "plan_id": plan_id,
            "family_id": family_id,
            "formulation_id": formulation_id,
            "team_id": team_id,
            "cluster_id": cluster_id,
            "opened_on": opened_on,
            "closed_on": closed_on,
            "closure_reason": reason.value,
            "returned_to_formulation_on": None,
        }
    )
    rows[orm.feedback].append(
        {
            "event_id": _uuid(rng),
            "plan_id": plan_id,
            "received_on": closed_on,
            "treated_with_respect": True,
            "would_recommend": first,
            "service_rating": 5 if first else 3,
            "communication_rating": 4,
            "understanding_rating": 4,
        }
    )
    for goal in range(2):
        q = 2 * slot + goal
        sub_goal_id = _uuid(rng)
        baseline = 3 + goal
        rows[orm.sub_goals].append(
            {
                "sub_goal_id": sub_goal_id,
                "plan_id": plan_id,
                "family_id": family_id,
                "code": CODES[q],
                "code_edition": CODE_EDITION,
                "set_on": opened_on,
                "tracking_frequency_days": TRACKING_FREQUENCY_DAYS,
                "person_ids": [str(child_id)],
                "baseline": baseline,
                "end_state": SubGoalEndState.ACHIEVED.value,
                "ended_on": closed_on,
                "was_active": True,
            }
        )
        rows[orm.actions].append(
            {
                "action_id": _uuid(rng),
                "sub_goal_id": sub_goal_id,
                "plan_id": plan_id,
                "activity_category": ACTIVITIES[q].value,
                "agreed_on": opened_on,
            }
        )
        scored_on = opened_on
        score = baseline
        for r in range(1, REVIEWS + 1):
            scored_on += timedelta(days=LATE_GAP if q == 1 and r == 5 else FORTNIGHT)
            score = baseline + round(DELTAS[q] * r / REVIEWS)
            rows[orm.scores].append(
                {
                    "event_id": _uuid(rng),
                    "sub_goal_id": sub_goal_id,
                    "kind": "tracking",
                    "score": score,
                    "scored_on": scored_on,
                    "recorded_at": _noon(scored_on),
                }
            )
        rows[orm.scores].append(
            {
                "event_id": _uuid(rng),
                "sub_goal_id": sub_goal_id,
                "kind": "ending",
                "score": score,
                "scored_on": closed_on,
                "recorded_at": _noon(closed_on),
            }
        )


def history(scale: Scale, seed: int) -> Iterator[Rows]:
    for cluster_id in scale.cluster_ids():
        yield cluster_history(scale, seed, cluster_id)


# -- loading -----------------------------------------------------------------------------------

FLUSH_ROWS = 200_000


def _copy_records(table: Table, batch: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    names = [c.name for c in table.columns]
    as_json = [c.name for c in table.columns if isinstance(c.type, JSON)]
    for row in batch:
        for name in as_json:
            if row[name] is not None:
                row[name] = json.dumps(row[name])
    return [tuple(row[n] for n in names) for row in batch]


async def load(url: str, scale: Scale, seed: int, *, progress: bool = False) -> int:
    """Add the history to the (migrated, empty) outcomes database at `url`; the rows added.
    PostgreSQL takes it by COPY, SQLite by batched INSERTs."""
    pending: Rows = {}
    total = 0
    started = time.monotonic()
    if url.startswith("postgresql"):
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))

        async def flush() -> None:
            for table, batch in pending.items():
                if batch:
                    await conn.copy_records_to_table(
                        table.name,
                        records=_copy_records(table, batch),
                        columns=[c.name for c in table.columns],
                    )
                    batch.clear()

        try:
            for rows in history(scale, seed):
                for table, batch in rows.items():
                    pending.setdefault(table, []).extend(batch)
                    total += len(batch)
                if sum(len(b) for b in pending.values()) >= FLUSH_ROWS:
                    await flush()
                    if progress:
                        print(f"    {total:,} rows, {time.monotonic() - started:.0f} s", flush=True)
            await flush()
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
        return total

    from runtime.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for rows in history(scale, seed):
                for table, batch in rows.items():
                    if batch:
                        await conn.execute(table.insert(), batch)
                        total += len(batch)
    finally:
        await engine.dispose()
    return total


async def _pg(sql: str, *args: Any) -> Any:
    import asyncpg

    from benchmarks.stack import PG_ADMIN

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


def ensure_postgres(scale: Scale, seed: int) -> str:
    """A PostgreSQL database holding the history, loaded once and kept for later runs (it takes
    minutes at national scale): named by its scale and seed, renamed to that name only once
    loaded, so a run stopped half-way leaves nothing that looks whole."""
    from runtime.migrations import upgrade
    from runtime.services import SERVICES

    from benchmarks.stack import PG_ADMIN

    authority = PG_ADMIN.split("://", 1)[1].partition("/")[0]
    key = "_".join(str(v) for v in (seed, *vars(scale).values()))
    name = f"lpm_bench_history_{key}"
    url = f"postgresql+asyncpg://{authority}/{name}"
    if asyncio.run(_pg("SELECT 1 FROM pg_database WHERE datname = $1", name)):
        upgrade(SERVICES["outcomes"].migrations, url)
        return url
    loading = f"{name}_loading"
    asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{loading}" WITH (FORCE)'))
    asyncio.run(_pg(f'CREATE DATABASE "{loading}"'))
    upgrade(SERVICES["outcomes"].migrations, f"postgresql+asyncpg://{authority}/{loading}")
    print(f"  loading {scale.describe()} (seed {seed}) into PostgreSQL", flush=True)
    started = time.monotonic()
    rows = asyncio.run(load(f"postgresql://{authority}/{loading}", scale, seed, progress=True))
    asyncio.run(_pg(f'ALTER DATABASE "{loading}" RENAME TO "{name}"'))
    print(f"  {rows:,} rows loaded in {time.monotonic() - started:.0f} s", flush=True)
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "url", nargs="?", help="a migrated outcomes database (default: the bench's PostgreSQL one)"
    )
    parser.add_argument("--seed", type=int, default=15)
    for name, default in vars(Scale()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=default)
    args = parser.parse_args()
    scale = Scale(**{k: getattr(args, k) for k in vars(Scale())})
    if args.url is None:
        print(ensure_postgres(scale, args.seed))
        return
    print(scale.describe())
    started = time.monotonic()
    rows = asyncio.run(load(args.url, scale, args.seed, progress=True))
    print(f"{rows:,} rows in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
