"""The front door's history imported from the case system is what outcomes counts: after the
300-row file (tests/data/history/referrals.json) goes in twice, the scorecard and Table 3's
contact, referral and re-referral rows for 2017-2019 are the figures worked from the file by
hand here, dated as the rows say. Real broker, both databases.
"""

from __future__ import annotations

import copy
import json
from contextlib import AsyncExitStack
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from goals.adapters import orm as goals_orm
from runtime.testing import eventually, run_service
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

FILE = Path(__file__).parents[1] / "data" / "history" / "referrals.json"
# Table 1's start months of the three teams the file's clusters have.
STARTS = {"2gether": date(2017, 1, 1), "inner-east": date(2017, 10, 1), "jess": date(2018, 2, 1)}
REFERRALS = {"accept_for_res_early_help", "step_up_to_area_social_work"}
WINDOW = {"from": "2017-01-01", "to": "2019-12-31"}


def _per_month(count: int, months: int) -> Decimal:
    exact = Fraction(count, months)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def _year_before(on: date) -> date:
    return (
        on.replace(year=on.year - 1)
        if (on.month, on.day) != (2, 29)
        else on.replace(year=on.year - 1, day=28)
    )


def hand_worked(rows: list[dict[str, Any]], cluster: str) -> dict[str, Any]:
    """The cluster's figures straight from the file, by the paper's definitions."""
    closures: dict[str, list[date]] = {}
    for row in rows:
        allocation = row.get("allocation") or {}
        if "closed_on" in allocation:
            for child in row["children"]:
                closures.setdefault(child["import_id"], []).append(
                    date.fromisoformat(allocation["closed_on"])
                )

    def is_rereferral(row: dict[str, Any]) -> bool:
        on = date.fromisoformat(row["contacted_on"])
        return any(
            _year_before(on) <= closed <= on
            for child in row["children"]
            for closed in closures.get(child["import_id"], [])
        )

    mine = [r for r in rows if r["cluster_id"] == cluster]
    start = STARTS[cluster]
    before = (start.year - 2017) * 12 + start.month - 1
    after = 36 - before
    contacted = [date.fromisoformat(r["contacted_on"]) for r in mine]
    referred = [r for r in mine if r["decision"]["decision_type"] in REFERRALS]
    referred_on = [date.fromisoformat(r["decision"]["decided_on"]) for r in referred]
    again_on = [
        date.fromisoformat(r["decision"]["decided_on"]) for r in referred if is_rereferral(r)
    ]

    def split(days: list[date]) -> tuple[Decimal, Decimal]:
        return (
            _per_month(sum(1 for d in days if d < start), before),
            _per_month(sum(1 for d in days if d >= start), after),
        )

    return {
        "contacts": len(mine),
        "families_allocated": sum(1 for r in mine if "allocation" in r),
        "referrals": len(referred),
        "re_referrals": len(again_on),
        "table_3": {
            "contacts": split(contacted),
            "referrals": split(referred_on),
            "re_referrals": split(again_on),
        },
    }


async def test_imported_history_is_counted_as_it_happened(broker, databases, issuer):
    doc = json.loads(FILE.read_text())
    rows = doc["referrals"]
    admin, analyst = issuer.headers("admin"), issuer.headers("bi_analyst")
    async with AsyncExitStack() as stack:
        running = {
            name: await stack.enter_async_context(
                run_service(name, await databases.new(name), broker.bootstrap, issuer)
            )
            for name in ("referrals", "formulation", "goals", "outcomes")
        }
        referrals, outcomes = running["referrals"].client, running["outcomes"].client
        for team in ("res-2gether", "res-inner-east", "res-jess"):
            for n in range(3):
                r = await referrals.post(
                    f"/v1/teams/{team}/workers",
                    json={
                        "worker_id": f"mosaic:{team}-{n}",
                        "role": "social_worker",
                        "caseload_limit": 20,
                    },
                    headers=admin,
                )
                assert r.status_code == 201, r.text
        for name in ("referrals", "formulation"):
            r = await running[name].client.post("/v1/admin/imports", json=doc, headers=admin)
            assert r.status_code == 200, r.text
        # Goals hears of the formulations from the stream; on a busy machine that takes minutes.
        # A plan breaking a rule (an unknown code) in the last plan opened refuses the file.
        last = max((r["plan"]["opened_on"], i) for i, r in enumerate(rows) if "plan" in r)[1]
        bad = copy.deepcopy(doc)
        bad["referrals"][last]["plan"]["sub_goals"][0]["code"] = "Z9"

        async def refused() -> dict[str, Any] | None:
            r = await running["goals"].client.post("/v1/admin/imports", json=bad, headers=admin)
            return None if r.status_code == 409 else {"status": r.status_code, **r.json()}

        problem = await eventually(refused, timeout=300, interval=1)
        assert problem["status"] == 422, problem
        assert f"referrals.{last}.plan.sub_goals.0.code" in [e["field"] for e in problem["errors"]]
        async with running["goals"].db.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(goals_orm.plans)) == 0

        for _ in range(2):
            for name in ("referrals", "formulation"):
                r = await running[name].client.post("/v1/admin/imports", json=doc, headers=admin)
                assert r.status_code == 200, r.text

            async def plans_imported() -> bool:
                r = await running["goals"].client.post("/v1/admin/imports", json=doc, headers=admin)
                # Until goals has heard of every formulation: refused, nothing stored.
                assert r.status_code in (200, 409), r.text
                return r.status_code == 200

            await eventually(plans_imported, timeout=300, interval=1)

        async def card(**params: str) -> dict[str, Any]:
            r = await outcomes.get("/v1/scorecard", params=params, headers=analyst)
            assert r.status_code == 200, r.text
            return dict(r.json())

        allocated = sum(1 for r in rows if "allocation" in r)

        async def all_counted() -> bool:
            much = (await card(**WINDOW))["how_much"]
            decided = sum(much["decisions_by_type"].values())
            return (much["contacts"], decided, much["families_allocated"]) == (
                len(rows),
                len(rows),
                allocated,
            )

        await eventually(all_counted, timeout=400, interval=2)
        planned = [r for r in rows if "plan" in r]
        goals = [g for r in planned for g in r["plan"]["sub_goals"]]

        def moved(sign: int) -> int:
            return sum(
                1
                for g in goals
                if g["scores"]
                and (g["scores"][-1]["score"] > g["baseline"]["score"])
                - (g["scores"][-1]["score"] < g["baseline"]["score"])
                == sign
            )

        async def plans_counted() -> bool:
            c = await card(**WINDOW)
            return (
                c["how_much"]["plans_opened"],
                c["how_much"]["sub_goals_set"],
                c["better_off"]["closures"]["completed"],
            ) == (
                len(planned),
                len(goals),
                sum(1 for r in planned if "closure" in r["plan"]),
            )

        await eventually(plans_counted, timeout=400, interval=2)
        again = await running["goals"].client.post("/v1/admin/imports", json=doc, headers=admin)
        assert (again.json()["imported"], len(again.json()["already_imported"])) == (
            [],
            len(planned),
        )
        whole = await card(**WINDOW)
        assert whole["how_much"]["formulations_completed"] == len(planned)
        movement = whole["better_off"]["goal_movement"]
        assert (movement["improved"], movement["deteriorated"]) == (moved(1), moved(-1))
        # Nothing of it happened in the year it was imported.
        this_year = date.today().replace(month=1, day=1).isoformat()
        assert (await card(**{"from": this_year}))["how_much"]["contacts"] == 0

        for cluster in ("inner-east", "jess"):
            expected = hand_worked(rows, cluster)
            got = await card(**WINDOW, cluster_id=cluster)
            assert got["how_much"]["contacts"] == expected["contacts"], cluster
            assert got["how_much"]["families_allocated"] == expected["families_allocated"]
            share = got["better_off"]["re_referrals_within_12_months"]
            assert (share["numerator"], share["denominator"]) == (
                expected["re_referrals"],
                expected["referrals"],
            ), cluster
            r = await outcomes.get(
                "/v1/evaluation/table-3", params={**WINDOW, "cluster_id": cluster}, headers=analyst
            )
            assert r.status_code == 200, r.text
            lines = {line["row"]: line for line in r.json()["lines"]}
            for row, (before, after) in expected["table_3"].items():
                line = lines[row]
                got_before = Decimal(str(line["monthly_volume_before"]))
                got_after = Decimal(str(line["monthly_volume_after"]))
                assert (got_before, got_after) == (before, after), (cluster, row)
        # The file has re-referrals on both sides of twelve months, and some in each cluster.
        assert hand_worked(rows, "inner-east")["re_referrals"] > 0
