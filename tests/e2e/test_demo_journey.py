"""The demo journey end to end: four services in-process on SQLite, the real broker, and the
demo's own driver against their HTTP APIs; the outcomes service must see what was done."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from lpm_client import ApiProblem, PartnerClient
from runtime.testing import eventually, run_service

from benchmarks.demo import drive

pytestmark = pytest.mark.integration

FAMILIES = 6


async def test_the_demo_journey_reaches_the_scorecard(broker, tmp_path, issuer):
    async with AsyncExitStack() as stack:
        running = {}
        for name in ("referrals", "formulation", "goals", "outcomes"):
            url = f"sqlite+aiosqlite:///{tmp_path / name}.db"
            running[name] = await stack.enter_async_context(
                run_service(name, url, broker.bootstrap, issuer)
            )
        clients = {name: service.client for name, service in running.items()}
        outcomes = running["outcomes"]
        analyst = issuer.headers("bi_analyst")

        async def settle(report) -> None:  # type: ignore[no-untyped-def]
            async def everything_seen() -> bool:
                r = await outcomes.client.get("/v1/scorecard", headers=analyst)
                card = r.json()
                return (
                    card["how_much"]["contacts"] >= report.done["contact opened"]
                    and card["how_much"]["sub_goals_set"] >= report.done["sub-goal set"]
                    and card["better_off"]["closures"]["completed"] >= report.done["plan closed"]
                    and card["how_well"]["feedback_would_recommend"]["denominator"]
                    >= report.done["feedback"]
                )

            await eventually(everything_seen, timeout=60)

        report, figures = await drive(clients, issuer.headers, FAMILIES, settle=settle)
        assert not report.refused, report.refused
        card = figures["scorecard"]
        much = card["how_much"]
        assert much["contacts"] == FAMILIES
        assert much["decisions_by_type"] == {"accept_for_res_early_help": FAMILIES}
        assert much["families_allocated"] == FAMILIES
        assert much["formulations_completed"] == FAMILIES
        assert much["plans_opened"] == FAMILIES
        assert much["sub_goals_set"] == 2 * FAMILIES
        assert much["reviews_recorded"] == report.done["score"]
        assert card["better_off"]["closures"]["completed"] == report.done["plan closed"] == 5
        movement = figures["goal_movement"]
        assert movement["goals"] == 2 * FAMILIES
        assert movement["no_score"] == 0
        totals = figures["table_1"]["totals"]
        assert totals["count_before"] + totals["count_after"] > 0

        # A school's system through the partner client: it opens a contact and reads what
        # was decided in the fair-process view; a refusal names the field.
        school = issuer.token(
            "partner", agency="school-e2e", scopes=["referrals:create", "referrals:read"]
        )
        async with PartnerClient(running["referrals"].client, outcomes.client, school) as partner:
            opened = await partner.open_contact(
                {
                    "source": "school_via_cluster",
                    "cluster_id": "inner-east",
                    "caller": {"role": "Targeted Services Leader"},
                    "worry": "Attendance has dropped.",
                }
            )
            seen = await partner.contact(opened["contact_id"])
            assert seen["status"] == opened["status"] and seen["decision_type"] is None
            assert [c["contact_id"] for c in (await partner.contacts())["items"]] == [
                opened["contact_id"]
            ]
            with pytest.raises(ApiProblem) as refused:
                await partner.open_contact({"source": "no-such-source"})
            assert refused.value.status == 422
            assert [e["field"] for e in refused.value.errors] == ["source"]
