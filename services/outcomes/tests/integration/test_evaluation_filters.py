"""Every filter an evaluation endpoint accepts applies to every figure it
returns; Tables 1 and 2 count children; a window without a cluster's RES start is reported,
not refused. Both databases, through the consumer's own `apply`."""

from __future__ import annotations

from typing import Any

import pytest
from contracts.registry import parse_payload
from runtime.testing import run_service

pytestmark = pytest.mark.integration

UNUSED_BROKER = "127.0.0.1:1"
PARTNER = {"agency": "case-system", "scopes": ["service-responses:write"]}


async def apply_all(service, envelopes) -> None:  # type: ignore[no-untyped-def]
    consumer = service.workers.consumer
    for env in envelopes:
        await consumer.apply(env, consumer.handlers[env.type], parse_payload(env))


async def get(service, issuer, path: str, **params: Any) -> Any:  # type: ignore[no-untyped-def]
    r = await service.client.get(path, params=params, headers=issuer.headers("bi_analyst"))
    assert r.status_code == 200, r.text
    return r.json() if "json" in r.headers["content-type"] else r.text


def cp_plan(source_id: str, person: str, occurred_on: str, cluster: str) -> dict[str, Any]:
    return {
        "kind": "cp_plan",
        "cluster_id": cluster,
        "occurred_on": occurred_on,
        "source_id": source_id,
        "source_person_id": person,
    }


async def test_the_evaluation_narrows_categories_and_tables_1_and_4_to_a_cluster(
    databases, issuer, history
):
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        await apply_all(outcomes, history.events)
        everywhere = await get(outcomes, issuer, "/v1/evaluation/table-4")
        east = await get(outcomes, issuer, "/v1/evaluation/table-4", cluster_id="inner-east")
        assert {r["activity_category"]: r["total"] for r in everywhere["rows"]} == {
            "parenting_work": 6,
            "relationship_work": 6,
        }
        # Inner East holds families 0, 2 and 4: three goals of each kind.
        assert {r["activity_category"]: r["total"] for r in east["rows"]} == {
            "parenting_work": 3,
            "relationship_work": 3,
        }
        categories = await get(
            outcomes, issuer, "/v1/evaluation/improvement-by-category", cluster_id="inner-east"
        )
        assert {r["category"]: r["goals"] for r in categories["rows"]} == {
            "adult_behaviour": 3,
            "child_safeguarding": 3,
        }
        # The tables of clusters follow the cluster too.
        cp = await get(outcomes, issuer, "/v1/evaluation/table-1", cluster_id="inner-east")
        assert [r["cluster_id"] for r in cp["rows"]] == ["inner-east"]
        # Closure reasons are of plans, which a goal coding cannot narrow: refused, not ignored.
        r = await outcomes.client.get(
            "/v1/evaluation/closure-reasons",
            params={"code": "S1", "cluster_id": "inner-east"},
            headers=issuer.headers("bi_analyst"),
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in r.json()["errors"]] == ["code"]


async def test_tables_1_and_2_count_children_and_report_clusters_without_a_split(databases, issuer):
    partner = issuer.headers("partner", **PARTNER)
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        items = [
            # One child with two CP plan records in March 2019, and again in April: two.
            cp_plan("cp-1", "P1", "2019-03-04", "inner-east"),
            cp_plan("cp-2", "P1", "2019-03-25", "inner-east"),
            cp_plan("cp-3", "P1", "2019-04-02", "inner-east"),
            cp_plan("cp-4", "P2", "2019-03-25", "inner-east"),
            cp_plan("cp-5", "P3", "2017-07-03", "inner-east"),
        ]
        r = await outcomes.client.post(
            "/v1/service-responses:batch", json={"items": items}, headers=partner
        )
        assert r.status_code == 200, r.text
        # The paper's June 2018 - March 2020 snapshot: every team started before it.
        snapshot = {"from": "2018-06-01", "to": "2020-03-31"}
        table = await get(outcomes, issuer, "/v1/evaluation/table-1", **snapshot)
        east = next(r for r in table["rows"] if r["cluster_id"] == "inner-east")
        assert east["split_in_window"] is False
        assert (east["months_before"], east["months_after"], east["count_after"]) == (0, 22, 3)
        assert east["difference"] is None
        assert table["totals"]["count_after"] == 0
        # 2017-06 to 2019-12 holds Inner East's start (October 2017) but not every team's.
        wider = await get(
            outcomes, issuer, "/v1/evaluation/table-1", **{"from": "2017-06-01", "to": "2019-12-31"}
        )
        east = next(r for r in wider["rows"] if r["cluster_id"] == "inner-east")
        assert east["split_in_window"] is True
        assert (east["months_before"], east["count_before"]) == (4, 1)
        assert (east["months_after"], east["count_after"]) == (27, 3)
        # RES 2gether started in January 2017, before the window: reported, without a split.
        together = next(r for r in wider["rows"] if r["cluster_id"] == "2gether")
        assert (together["split_in_window"], together["months_before"]) == (False, 0)
        assert wider["totals"]["count_after"] == 3
        cost = await get(
            outcomes, issuer, "/v1/evaluation/table-3", **{"from": "2017-06-01", "to": "2019-12-31"}
        )
        cp = next(line for line in cost["lines"] if line["row"] == "cp_plans")
        assert cp["monthly_volume_after"] != "0"


async def test_the_intervention_figures_with_their_definitions(databases, issuer, history):
    async with run_service(
        "outcomes", await databases.new("outcomes"), UNUSED_BROKER, issuer, run_workers=False
    ) as outcomes:
        await apply_all(outcomes, history.events)
        # Plans open on 9-14 March 2019 and last 21 days; families 4 and 5 stay open.
        spring = {"from": "2019-03-01", "to": "2019-06-30"}
        figures = await get(outcomes, issuer, "/v1/evaluation/intervention", **spring)
        assert figures["length_of_intervention"] == {
            "plans": 4,
            "mean_days": 21.0,
            "mean_months": 0.7,  # 21 / 30.4375
        }
        assert figures["live_plans"] == 2
        long = figures["goals_worked_on_over_three_months"]
        assert (long["numerator"], long["denominator"]) == (4, 12)  # the open families' goals
        share = figures["new_allocations_share_of_contacts"]
        assert (share["numerator"], share["denominator"], share["percent"]) == (6, 8, 75)
        keys = {x["key"] for x in figures["definitions"]}
        assert {"length_of_intervention", "live_plans", "goals_worked_on_over_three_months"} <= keys
        assert all(x["source"] for x in figures["definitions"])

        april = await get(outcomes, issuer, "/v1/evaluation/intervention", to="2019-04-30")
        assert april["goals_worked_on_over_three_months"]["numerator"] == 0
        east = await get(outcomes, issuer, "/v1/evaluation/intervention", cluster_id="inner-east")
        assert east["length_of_intervention"]["plans"] == 2  # families 0 and 2
        r = await outcomes.client.get(
            "/v1/evaluation/intervention",
            params={"category": "child_safeguarding"},
            headers=issuer.headers("bi_analyst"),
        )
        assert r.status_code == 422
        assert [e["field"] for e in r.json()["errors"]] == ["category"]

        movement = await get(outcomes, issuer, "/v1/evaluation/goal-movement")
        assert (movement["improved_percent"], movement["improved_percent_of_all"]) == (67, 67)
        assert "goal_movement_shares" in {x["key"] for x in movement["definitions"]}
        table_3 = await get(outcomes, issuer, "/v1/evaluation/table-3")
        assert "hours_per_contact_and_referral" in {x["key"] for x in table_3["definitions"]}
        card = await get(outcomes, issuer, "/v1/scorecard")
        assert "review_timeliness_grace" in {x["key"] for x in card["definitions"]}
        assert any("30.4375 days" in x["text"] for x in figures["definitions"])
