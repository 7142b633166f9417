"""What the decision page reads before anything is submitted, and the reason kept when a near
match is confirmed as someone else: through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from runtime.testing import run_service

pytestmark = pytest.mark.integration

UNUSED_BROKER = "127.0.0.1:1"


async def test_decision_needs_lists_what_each_decision_lacks_and_changes_nothing(databases, issuer):
    url = await databases.new("referrals")
    async with run_service("referrals", url, UNUSED_BROKER, issuer, run_workers=False) as svc:
        duty = issuer.headers("duty_advice")
        contact = (
            await svc.client.post(
                "/v1/contacts",
                headers=duty,
                json={"source": "early_help_hub", "cluster_id": "inner-east"},
            )
        ).json()
        cid = contact["contact_id"]
        r = await svc.client.get(f"/v1/contacts/{cid}/decision-needs", headers=duty)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["team_id"] == "res-inner-east" and body["version"] == 1
        by_type = {i["decision_type"]: i for i in body["items"]}
        res = by_type["accept_for_res_early_help"]
        assert not res["ready"]
        assert {m["field"] for m in res["missing"]} == {"child_ids", "consent", "family_id"}
        assert by_type["no_further_action"] == {
            "decision_type": "no_further_action",
            "ready": True,
            "missing": [],
        }
        after = await svc.client.get(f"/v1/contacts/{cid}", headers=duty)
        assert after.json()["status"] == "open" and after.json()["version"] == 1

        school = issuer.headers("partner", agency="school-1")
        assert (
            await svc.client.get(f"/v1/contacts/{cid}/decision-needs", headers=school)
        ).status_code == 403


async def test_a_near_match_confirmed_as_someone_else_needs_and_keeps_the_reason(databases, issuer):
    url = await databases.new("referrals")
    async with run_service("referrals", url, UNUSED_BROKER, issuer, run_workers=False) as svc:
        duty = issuer.headers("duty_advice", subject="duty-1")
        child = {
            "kind": "child",
            "given_name": "Amelia",
            "family_name": "Hart",
            "date_of_birth": "2014-06-12",
            "postcode": "LS14 6AA",
        }
        first = (await svc.client.post("/v1/people", headers=duty, json=child)).json()["person_id"]
        near = {**child, "postcode": "LS9 8AA"}
        blank = await svc.client.post(
            "/v1/people",
            headers=duty,
            json={**near, "confirmed_distinct_from": [{"person_id": first, "reason": " "}]},
        )
        assert blank.status_code == 422
        assert blank.json()["errors"] == [
            {
                "field": "confirmed_distinct_from.0.reason",
                "message": "Say why you are sure this is a different person",
            }
        ]
        missing = await svc.client.post(
            "/v1/people",
            headers=duty,
            json={**near, "confirmed_distinct_from": [{"person_id": first}]},
        )
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["field"] == "confirmed_distinct_from.0.reason"
        made = await svc.client.post(
            "/v1/people",
            headers=duty,
            json={
                **near,
                "confirmed_distinct_from": [
                    {"person_id": first, "reason": "Another child at another school"}
                ],
            },
        )
        assert made.status_code == 201, made.text
        [kept] = made.json()["distinct_from"]
        assert kept["person_id"] == first and kept["reason"] == "Another child at another school"
        assert kept["confirmed_by"] == "duty-1"
