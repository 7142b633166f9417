"""A family's history recorded years after it happened, through the four services' public APIs:
a contact in November 2017, the decision and allocation days later, the formulation and plan,
scores through 2018 and closure in 2019. The outcomes scorecard and Table 3 must place every
figure by those dates, not by when they were typed in; dates before their predecessor or in
the future are refused naming the field. Real broker, both databases.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import date, timedelta
from typing import Any

import pytest
from runtime.testing import eventually, run_service

from benchmarks.demo import SIX_PS, Journey


async def _tag(j: Journey, service: str, path: str, who: dict[str, str]) -> str:
    """The record's ETag as read now (the write under test must reach its date check)."""
    tag = await j.etag(service, path, who)
    assert tag is not None, f"{service} {path} is not readable"
    return tag


pytestmark = pytest.mark.integration

CLUSTER, TEAM = "inner-east", "res-inner-east"  # RES Inner East started in October 2017
CALLED, DECIDED = date(2017, 11, 6), date(2017, 11, 9)
HELD, OPENED, CLOSED = date(2017, 11, 20), date(2017, 11, 21), date(2019, 1, 15)


async def journey_of_one_family(j: Journey) -> None:
    admin, duty = j.headers("admin"), j.headers("duty_advice")
    school = j.headers("partner", agency="school-1")
    worker = j.headers("res_practitioner", team=TEAM, subject=f"user:{TEAM}-0")
    await j.call(
        "referrals",
        "POST",
        f"/v1/teams/{TEAM}/workers",
        admin,
        {"worker_id": f"user:{TEAM}-0", "role": "social_worker", "caseload_limit": 4},
        step="worker",
    )
    people = [
        await j.call(
            "referrals",
            "POST",
            "/v1/people",
            duty,
            {"kind": kind, "given_name": name, "family_name": "Okafor", "date_of_birth": born},
            step="person",
        )
        for kind, name, born in (("child", "Jay", "2010-05-17"), ("adult", "Ada", "1984-02-02"))
    ]
    child, adult = people[0]["person_id"], people[1]["person_id"]
    family = await j.call(
        "referrals",
        "POST",
        "/v1/families",
        duty,
        {
            "member_ids": [child, adult],
            "relationships": [{"person_id": adult, "related_person_id": child, "kind": "parent"}],
        },
        step="family",
    )
    family_id = family["family_id"]
    # A call in June 2017, before the team started, that was signposted: Table 3's "before".
    early = await j.call(
        "referrals",
        "POST",
        "/v1/contacts",
        school,
        {"source": "school_via_cluster", "cluster_id": CLUSTER, "opened_on": "2017-06-12"},
        step="contact",
    )
    await j.call(
        "referrals",
        "POST",
        f"/v1/contacts/{early['contact_id']}/conversations",
        duty,
        {
            "recorded_at": "2017-06-12T14:00:00Z",
            "child_ids": [child],
            "adult_ids": [adult],
            "family_id": family_id,
            "consent": {"status": "given"},
            "urgency": "routine",
        },
        step="conversation",
        match=f"/v1/contacts/{early['contact_id']}",
    )
    await j.call(
        "referrals",
        "POST",
        f"/v1/contacts/{early['contact_id']}/decision",
        duty,
        {
            "decision_type": "signpost_to_cluster",
            "rationale": "Cluster support first",
            "explanation_for_referrer": "The cluster's early help team will call.",
            "decided_on": "2017-06-13",
        },
        step="decision",
        match=f"/v1/contacts/{early['contact_id']}",
    )
    contact = await j.call(
        "referrals",
        "POST",
        "/v1/contacts",
        school,
        {
            "source": "school_via_cluster",
            "cluster_id": CLUSTER,
            "worry": "Attendance has dropped.",
            "opened_on": CALLED.isoformat(),
        },
        step="contact",
    )
    cid = contact["contact_id"]
    await j.call(
        "referrals",
        "POST",
        f"/v1/contacts/{cid}/conversations",
        duty,
        {
            "recorded_at": f"{CALLED.isoformat()}T10:30:00Z",
            "child_ids": [child],
            "adult_ids": [adult],
            "family_id": family_id,
            "consent": {
                "status": "given",
                "includes_rethink_team": True,
                "includes_group_supervision": True,
            },
            "urgency": "routine",
            "cluster_id": CLUSTER,
            "tried": [{"what": "Attendance meetings", "by_whom": "school"}],
        },
        step="conversation",
        match=f"/v1/contacts/{cid}",
    )
    before_the_call = await j.clients["referrals"].post(
        f"/v1/contacts/{cid}/decision",
        json={
            "decision_type": "accept_for_res_early_help",
            "rationale": "Needs intensive early help",
            "explanation_for_referrer": "Accepted for Restorative Early Support.",
            "decided_on": (CALLED - timedelta(days=1)).isoformat(),
        },
        headers={**duty, "If-Match": await _tag(j, "referrals", f"/v1/contacts/{cid}", duty)},
    )
    assert before_the_call.status_code == 422, before_the_call.text
    assert [e["field"] for e in before_the_call.json()["errors"]] == ["decided_on"]
    await j.call(
        "referrals",
        "POST",
        f"/v1/contacts/{cid}/decision",
        duty,
        {
            "decision_type": "accept_for_res_early_help",
            "rationale": "Needs intensive early help",
            "explanation_for_referrer": "Accepted for Restorative Early Support.",
            "decided_on": DECIDED.isoformat(),
        },
        step="decision",
        match=f"/v1/contacts/{cid}",
    )

    f = await j.call(
        "formulation",
        "POST",
        "/v1/formulations",
        worker,
        {
            "subject_kind": "family",
            "subject_id": family_id,
            "family_id": family_id,
            "setting": "with_family",
            "held_on": HELD.isoformat(),
            "team_id": TEAM,
            "participants": [
                {"role": "parent_carer", "person_id": adult},
                {"role": "young_person", "person_id": child},
            ],
        },
        step="formulation",
        waits_for_events=True,
    )
    fid, owner = f["id"], f["participants"][0]["id"]
    here = f"/v1/formulations/{fid}"
    factors: dict[str, str] = {}
    for p in SIX_PS:
        made = await j.call(
            "formulation",
            "POST",
            f"{here}/factors",
            worker,
            {"p": p, "description": f"({p})", "is_main_driver": p == "perpetuating"},
            step="factor",
            match=here,
        )
        factors[p] = made["factors"][p][-1]["id"] if "factors" in made else made["id"]
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (
            "PUT",
            f"/factors/{factors['perpetuating']}/prioritisation",
            {"prerequisite": True, "powerful": True, "proximal": True, "participants_goals": True},
        ),
        ("PUT", "/hypothesis", {"text": "Worry at home keeps Jay from school."}),
        (
            "PUT",
            "/overall-goal",
            {"description": "Jay is in school", "factor_ids": [factors["presenting"]]},
        ),
        (
            "POST",
            "/next-steps",
            {
                "what": "Weekly visits",
                "owner_participant_id": owner,
                "due_on": (HELD + timedelta(days=28)).isoformat(),
                "addresses_factor_id": factors["perpetuating"],
                "presenting_issue_id": factors["presenting"],
                "builds_on_factor_ids": [factors["protective"]],
            },
        ),
        ("POST", "/complete", {}),
    ]
    for method, path, body in steps:
        await j.call("formulation", method, here + path, worker, body, step=path, match=here)

    async def opened_before_the_formulation() -> Any:
        r = await j.clients["goals"].post(
            "/v1/plans",
            json={
                "family_id": family_id,
                "formulation_id": fid,
                "overall_goal": "Jay is in school and feels safe at home.",
                "opened_on": (HELD - timedelta(days=1)).isoformat(),
            },
            headers=worker,
        )
        # 404 and 409 until goals has heard of the allocation and the completed formulation.
        return None if r.status_code in (404, 409) else r

    too_soon = await eventually(opened_before_the_formulation, timeout=60, interval=0.5)
    assert too_soon.status_code == 422, too_soon.text
    assert [e["field"] for e in too_soon.json()["errors"]] == ["opened_on"]
    plan = await j.call(
        "goals",
        "POST",
        "/v1/plans",
        worker,
        {
            "family_id": family_id,
            "formulation_id": fid,
            "overall_goal": "Jay is in school and feels safe at home.",
            "opened_on": OPENED.isoformat(),
        },
        step="plan",
        waits_for_events=True,
    )
    pid = plan["plan_id"]
    there = f"/v1/plans/{pid}"
    too_early = await j.clients["goals"].post(
        f"{there}/sub-goals",
        json={
            "what": "School every day",
            "measure": "Their own 0-10 score",
            "by_when": "2018-06-01",
            "code": "E1",
            "person_ids": [child],
            "factor_ids": [factors["perpetuating"]],
            "on": (OPENED - timedelta(days=1)).isoformat(),
        },
        headers={**worker, "If-Match": await _tag(j, "goals", there, worker)},
    )
    assert too_early.status_code == 422, too_early.text
    assert [e["field"] for e in too_early.json()["errors"]] == ["on"]
    sg = await j.call(
        "goals",
        "POST",
        f"{there}/sub-goals",
        worker,
        {
            "what": "School every day",
            "measure": "Their own 0-10 score",
            "by_when": "2018-06-01",
            "code": "E1",
            "person_ids": [child],
            "factor_ids": [factors["perpetuating"]],
            "on": OPENED.isoformat(),
        },
        step="sub-goal",
        match=there,
    )
    item = f"{there}/sub-goals/{sg['sub_goals'][-1]['sub_goal_id']}"
    given = {"kind": "family", "person_id": adult}
    await j.call(
        "goals",
        "POST",
        f"{item}/baseline",
        worker,
        {"score": 3, "on": OPENED.isoformat(), "given_by": given},
        step="baseline",
        match=there,
    )
    # Monthly scores through 2018: 3 rising to 8.
    for month, score in zip(range(1, 13, 2), (4, 5, 5, 6, 7, 8), strict=True):
        await j.call(
            "goals",
            "POST",
            f"{item}/scores",
            worker,
            {"score": score, "on": date(2018, month, 15).isoformat(), "given_by": given},
            step="score",
            match=there,
        )
    await j.call(
        "goals",
        "POST",
        f"{there}/closure",
        worker,
        {
            "reason": "all_goals_achieved",
            "closed_on": CLOSED.isoformat(),
            "review_held_on": CLOSED.isoformat(),
            "sustainability_plan": {
                "worked_on": "Routines",
                "achieved": "Back in school",
                "how_family_continues": "Keeps the routine",
                "look_out_for": "Missed days",
                "supports": [{"who": "School", "keeps_doing": "Check-ins", "contact": "Office"}],
            },
        },
        step="closure",
        match=there,
    )
    await j.call(
        "goals",
        "POST",
        f"{there}/feedback",
        worker,
        {
            "treated_with_respect": True,
            "would_recommend": True,
            "service_rating": 9,
            "worker_communication_rating": 9,
            "understood_process_rating": 8,
            "on": "2019-01-20",
        },
        step="feedback",
        match=there,
    )


async def test_a_backdated_journey_is_counted_by_the_dates_it_happened(broker, databases, issuer):
    async with AsyncExitStack() as stack:
        running = {
            name: await stack.enter_async_context(
                run_service(name, await databases.new(name), broker.bootstrap, issuer)
            )
            for name in ("referrals", "formulation", "goals", "outcomes")
        }
        journey = Journey({n: s.client for n, s in running.items()}, issuer.headers, families=1)
        await journey_of_one_family(journey)
        assert not journey.report.refused, journey.report.refused
        outcomes, analyst = running["outcomes"].client, issuer.headers("bi_analyst")

        async def card(**params: str) -> dict[str, Any]:
            r = await outcomes.get("/v1/scorecard", params=params, headers=analyst)
            assert r.status_code == 200, r.text
            return dict(r.json())

        async def all_seen() -> bool:
            c = await card()
            return (
                c["better_off"]["closures"]["completed"] == 1
                and c["how_well"]["feedback_would_recommend"]["denominator"] == 1
                and c["how_much"]["contacts"] == 2
                and c["how_much"]["formulations_completed"] == 1
            )

        await eventually(all_seen, timeout=90)
        history = await card(**{"from": "2017-01-01", "to": "2019-12-31", "cluster_id": CLUSTER})
        much, well = history["how_much"], history["how_well"]
        assert much["contacts"] == 2
        assert much["families_allocated"] == 1
        assert much["formulations_completed"] == 1
        assert much["plans_opened"] == 1
        assert much["sub_goals_set"] == 1
        assert much["reviews_recorded"] == 6  # the six monthly scores
        assert well["days_contact_to_decision"]["mean_days"] == 2  # (1 + 3) / 2
        assert well["days_contact_to_allocation"]["mean_days"] == 3
        assert well["feedback_would_recommend"]["numerator"] == 1
        assert history["better_off"]["closures"]["completed"] == 1
        assert history["better_off"]["goal_movement"]["improved"] == 1
        # Nothing of it happened in the year it was typed in.
        this_year = date.today().replace(month=1, day=1).isoformat()
        now = await card(**{"from": this_year})
        assert now["how_much"]["contacts"] == 0
        assert now["how_much"]["plans_opened"] == 0
        assert now["better_off"]["closures"]["completed"] == 0
        # 2017 alone: the plan had opened but not yet closed.
        in_2017 = await card(**{"from": "2017-01-01", "to": "2017-12-31"})
        assert (
            in_2017["how_much"]["plans_opened"],
            in_2017["better_off"]["closures"]["completed"],
        ) == (1, 0)

        r = await outcomes.get(
            "/v1/evaluation/table-3",
            params={"from": "2017-01-01", "to": "2019-12-31", "cluster_id": CLUSTER},
            headers=analyst,
        )
        assert r.status_code == 200, r.text
        lines = {line["row"]: line for line in r.json()["lines"]}
        # Inner East: 9 months before October 2017 in the window, 27 after. One contact each.
        assert lines["contacts"]["monthly_volume_before"] == "0.11"  # 1 / 9
        assert lines["contacts"]["monthly_volume_after"] == "0.04"  # 1 / 27
        assert lines["referrals"]["monthly_volume_before"] == "0.00"
        assert lines["referrals"]["monthly_volume_after"] == "0.04"
