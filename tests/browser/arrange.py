"""Data a journey starts from, arranged through the public APIs (not the pages under test):
a family allocated to a RES team with one lead worker, as the front door leaves it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class AllocatedFamily:
    family_id: str
    contact_id: str
    child_id: str
    parent_id: str
    team_id: str
    cluster_id: str


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


def add_worker(system: Any, team_id: str, worker_id: str, name: str) -> None:
    with system.api("referrals", "res_manager", team=team_id, subject=f"manager-{team_id}") as r:
        found = r.post(
            f"/v1/teams/{team_id}/workers",
            json={"worker_id": worker_id, "role": "family_support_worker", "display_name": name},
        )
        assert found.status_code in (201, 409), found.text  # 409: already in the team


def consenting_family(
    system: Any, cluster_id: str, *, surname: str = "Hart", days_ago: int = 0
) -> tuple[str, str, str, str, int]:
    """Contact, people, family and two conversations, the second recording the family's consent
    to share (with the Rethink team and group supervision), all `days_ago`: (family, contact,
    child, parent, the contact's version)."""
    unique = uuid.uuid4().hex[:6]
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - days_ago * 86400))
    when = {"opened_on": day} if days_ago else {}
    with system.api("referrals", "duty_advice", subject="duty-sam") as r:
        contact = _ok(
            r.post(
                "/v1/contacts",
                json={
                    "source": "duty_and_advice",
                    "cluster_id": cluster_id,
                    "worry": "Mum rang: mornings are a battle and the children miss school.",
                    **when,
                },
                headers={"Idempotency-Key": f"arrange-{unique}"},
            )
        )
        contact_id = contact["contact_id"]
        child = _ok(
            r.post(
                "/v1/people",
                json={
                    "kind": "child",
                    "given_name": f"Jay{unique}",
                    "family_name": surname,
                    "date_of_birth": "2013-04-02",
                    "postcode": "LS9 7AB",
                },
            )
        )["person_id"]
        parent = _ok(
            r.post(
                "/v1/people",
                json={
                    "kind": "adult",
                    "given_name": f"Sarah{unique}",
                    "family_name": surname,
                    "date_of_birth": "1986-02-03",
                    "postcode": "LS9 7AB",
                },
            )
        )["person_id"]
        family = _ok(
            r.post(
                "/v1/families",
                json={
                    "member_ids": [child, parent],
                    "relationships": [
                        {"person_id": parent, "related_person_id": child, "kind": "parent"}
                    ],
                },
            )
        )["family_id"]
        version = contact["version"]
        for body in (
            {
                "summary": "Spoke with mum: mornings are a battle.",
                "child_ids": [child],
                "adult_ids": [parent],
                "family_id": family,
            },
            {
                "summary": "Mum agrees to RES support.",
                "family_knows": "Mum knows and agrees.",
                "consent": {
                    "status": "given",
                    "includes_rethink_team": True,
                    "includes_group_supervision": True,
                },
                "urgency": "soon",
            },
        ):
            if days_ago:
                body = {**body, "recorded_at": f"{day}T10:00:00Z"}
            version = _ok(
                r.post(
                    f"/v1/contacts/{contact_id}/conversations",
                    json=body,
                    headers={"If-Match": f'"{version}"'},
                )
            )["version"]
    return family, contact_id, child, parent, version


def allocate_family(
    system: Any, team_id: str, cluster_id: str, *, surname: str = "Hart", days_ago: int = 0
) -> AllocatedFamily:
    """A consenting family (above) accepted for RES with a lead worker, all `days_ago`
    (practice dates: the work is written up as it happened)."""
    family, contact_id, child, parent, version = consenting_family(
        system, cluster_id, surname=surname, days_ago=days_ago
    )
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() - days_ago * 86400))
    with system.api("referrals", "duty_advice", subject="duty-sam") as r:
        _ok(
            r.post(
                f"/v1/contacts/{contact_id}/decision",
                json={
                    "decision_type": "accept_for_res_early_help",
                    "rationale": "Mornings have broken down; the cluster offer was tried.",
                    "explanation_for_referrer": "The RES team will work with the family.",
                    **({"decided_on": day} if days_ago else {}),
                },
                headers={"If-Match": f'"{version}"'},
            )
        )
    return AllocatedFamily(family, contact_id, child, parent, team_id, cluster_id)


def eventually(check: Callable[[], Any], *, timeout: float = 60.0, every: float = 0.5) -> Any:
    """Wait for what another service learns from the event stream (never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        else:
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError("not there in time")
        time.sleep(every)


def completed_formulation(system: Any, hypothesis: str) -> str:
    """A Rethink facilitator's completed formulation of a family whose walk back passes (the
    family consented to share with the Rethink team and group supervision)."""
    family, _, jay, mum, _ = consenting_family(system, "inner-east", surname="Reid")
    today = time.strftime("%Y-%m-%d")
    with system.api("formulation", "rethink_facilitator", subject="rethink-anna") as f:
        start = {
            "subject_kind": "family",
            "subject_id": family,
            "family_id": family,
            "setting": "with_family",
            "held_on": today,
            "participants": [
                {"role": "parent_carer", "person_id": mum},
                {"role": "young_person", "person_id": jay},
                {"role": "school", "agency_id": "school-42"},
            ],
        }

        def started() -> httpx.Response | None:
            # The formulation service learns the family's consent from the event stream.
            r = f.post("/v1/formulations", json=start)
            return r if r.status_code == 201 else None

        created = eventually(started)
        body = _ok(created)
        fid, etag = body["id"], created.headers["etag"]
        owner = body["participants"][0]["id"]

        def change(method: str, path: str, payload: Any = None) -> Any:
            nonlocal etag
            r = f.request(
                method, f"/v1/formulations/{fid}{path}", json=payload, headers={"If-Match": etag}
            )
            etag = r.headers.get("etag", etag)
            return _ok(r)

        factors = {}
        for p, text in (
            ("presenting", "Jay has stopped going to school"),
            ("predisposing", "Two house moves in two years"),
            ("precipitating", "Dad left at Christmas"),
            ("perpetuating", "Mornings end in arguments"),
            ("protective", "Jay is close to his gran"),
            ("predicting", "Exclusion if the absence goes on"),
        ):
            factors[p] = change("POST", "/factors", {"p": p, "description": text})["id"]
        change(
            "PUT",
            f"/factors/{factors['perpetuating']}/prioritisation",
            {"prerequisite": True, "powerful": True, "proximal": True, "participants_goals": True},
        )
        change("PUT", "/hypothesis", {"text": hypothesis})
        change(
            "PUT",
            "/overall-goal",
            {"description": "Jay is in school every day", "factor_ids": [factors["presenting"]]},
        )
        change(
            "POST",
            "/next-steps",
            {
                "what": "Agree a morning routine together",
                "owner_participant_id": owner,
                "due_on": today,
                "addresses_factor_id": factors["perpetuating"],
                "presenting_issue_id": factors["presenting"],
                "builds_on_factor_ids": [factors["protective"]],
            },
        )
        change("POST", "/complete")
    return fid


def open_plan(system: Any, formulation_id: str) -> str:
    """An administrator opens the family plan of a completed formulation (once the goals
    service has learnt of it from the event stream)."""
    with system.api("formulation", "admin") as f:
        formulation = _ok(f.get(f"/v1/formulations/{formulation_id}"))

    def opened() -> str | None:
        with system.api("goals", "admin") as g:
            r = g.post(
                "/v1/plans",
                json={
                    "family_id": formulation["subject"]["family_id"],
                    "formulation_id": formulation_id,
                    "overall_goal": formulation["overall_goal"]["description"],
                },
            )
        return str(r.json()["plan_id"]) if r.status_code == 201 else None

    return str(eventually(opened, timeout=60))


def agree_sub_goal_with_action(
    system: Any, plan_id: str, formulation_id: str, *, code: str, what: str, action: str
) -> None:
    """A sub-goal about the family's first person and the formulation's presenting issue, that
    person's baseline, and one action of parenting work."""
    with system.api("formulation", "admin") as f:
        formulation = _ok(f.get(f"/v1/formulations/{formulation_id}"))
    person = next(p["person_id"] for p in formulation["participants"] if p["person_id"])
    issue = formulation["factors"]["presenting"][0]["id"]
    day = time.strftime("%Y-%m-%d")
    with system.api("goals", "admin") as g:
        plan = g.get(f"/v1/plans/{plan_id}")
        etag = plan.headers["etag"]

        def post(path: str, payload: Any) -> Any:
            nonlocal etag
            r = g.post(f"/v1/plans/{plan_id}{path}", json=payload, headers={"If-Match": etag})
            etag = r.headers.get("etag", etag)
            return _ok(r)

        body = post(
            "/sub-goals",
            {
                "what": what,
                "measure": "The family's score at the weekly visit",
                "by_when": day,
                "code": code,
                "person_ids": [person],
                "factor_ids": [issue],
                "on": day,
            },
        )
        sub_goal = next(sg["sub_goal_id"] for sg in body["sub_goals"] if sg["code"] == code)
        post(
            f"/sub-goals/{sub_goal}/baseline",
            {"score": 3, "on": day, "given_by": {"kind": "family", "person_id": person}},
        )
        post(
            f"/sub-goals/{sub_goal}/actions",
            {
                "what": action,
                "who": "Worker and Mum",
                "by_when": day,
                "category": "parenting_work",
                "on": day,
            },
        )
