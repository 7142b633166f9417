"""A subject access request ("who looked at this child's record", DPA 2018): a child's record is
touched by each role through every service that holds it, and `GET /v1/audit?person_id=` on each
service returns exactly those touches, refused ones included. Real broker, both databases.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest
from runtime.testing import audit_trail, run_service

from benchmarks.demo import CLUSTERS, TEAM_OF, Journey

pytestmark = pytest.mark.integration

SERVICES = ("referrals", "formulation", "goals")
FAMILY = 4  # the demo's fifth family keeps its plan open


async def test_every_touch_of_a_childs_record_is_in_its_subject_access_trail(
    broker, databases, issuer
):
    async with AsyncExitStack() as stack:
        running = {
            name: await stack.enter_async_context(
                run_service(name, await databases.new(name), broker.bootstrap, issuer)
            )
            for name in SERVICES
        }
        clients = {name: s.client for name, s in running.items()}
        journey = Journey(clients, issuer.headers, families=FAMILY + 1)
        await journey.setup_teams()
        await journey.family(FAMILY)
        assert not journey.report.refused, journey.report.refused
        team = TEAM_OF[CLUSTERS[FAMILY % len(CLUSTERS)]]
        other_team = next(t for t in TEAM_OF.values() if t != team)
        admin = issuer.headers("admin")

        plans = await clients["goals"].get("/v1/plans", headers=admin)
        plan = plans.json()["items"][0]
        family = await clients["referrals"].get(f"/v1/families/{plan['family_id']}", headers=admin)
        child = next(m["person_id"] for m in family.json()["members"] if m["kind"] == "child")
        formulation = (await clients["formulation"].get("/v1/formulations", headers=admin)).json()[
            "items"
        ][0]["id"]
        record = {
            "referrals": f"/v1/people/{child}",
            "formulation": f"/v1/formulations/{formulation}",
            "goals": f"/v1/plans/{plan['plan_id']}",
        }
        seen = {
            name: len(await audit_trail(clients[name], admin, person_id=child)) for name in SERVICES
        }

        # Each role reads the child's record in each service: its own workers, the front
        # door, the Rethink team and supervision (the family consented), another RES team (not
        # theirs: 404) and the BI team (never a family record: 403 where it has no rule).
        callers = {
            "res_practitioner": issuer.headers("res_practitioner", team=team),
            "duty_advice": issuer.headers("duty_advice"),
            "rethink_facilitator": issuer.headers("rethink_facilitator"),
            "supervisor": issuer.headers("supervisor"),
            "res_manager": issuer.headers("res_manager", team=other_team),
            "bi_analyst": issuer.headers("bi_analyst"),
        }
        expected: dict[str, list[tuple[str, str, int, str]]] = {n: [] for n in SERVICES}
        for name in SERVICES:
            for role, headers in callers.items():
                r = await clients[name].get(record[name], headers=headers)
                assert r.status_code in (200, 403, 404), (name, role, r.status_code, r.text)
                action = "read" if r.status_code == 200 else "refused"
                expected[name].append((role, action, r.status_code, record[name]))
            assert {status for _, _, status, _ in expected[name]} >= {200, 403, 404}, name

        for name in SERVICES:
            trail = (await audit_trail(clients[name], admin, person_id=child))[seen[name] :]
            # What the services did on each other's events meanwhile is the services' own.
            touched = [
                (e["role"], e["action"], e["status"], e["path"])
                for e in trail
                if e["role"] != "service"
            ]
            assert touched == expected[name], name
            assert all(e["reason"] for e in trail if e["action"] == "refused"), name
