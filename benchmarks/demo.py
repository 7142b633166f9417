"""`make demo`: the whole journey through the four services' public HTTP APIs, then the scorecard.

For each family: a school's contact, the front door's conversation and decision (a RES
acceptance allocates the family), a formulation of the 6 Ps with its walk back, a plan of coded
sub-goals scored over weeks, closure and feedback. Then a case system back-fills CP plans and
children becoming looked after, and the outcomes scorecard and Tables 1-3 are printed.

`drive(clients, headers)` takes one httpx client per service, so tests run it against services
in-process; `main()` drives the services `make run` started, at the addresses their settings give
(`<SERVICE>_HOST`, `<SERVICE>_PORT`: the same ones `lpm run` reads).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from lpm_client import ApiProblem, ServiceClient
from lpm_client.client import decoded
from runtime.services import base_urls

CLUSTERS = ("inner-east", "jess", "seacroft-manston", "armley-farnley")
TEAM_OF = {c: f"res-{c}" for c in CLUSTERS}
SIX_PS = ("presenting", "predisposing", "precipitating", "perpetuating", "protective", "predicting")
# Codes about the child and about the parent, with the kind of work that goes with each.
CHILD_GOALS = (
    ("S1", "parenting_work"),
    ("E5", "engagement_and_alignment_work"),
    ("F2", "promoting_emotional_health"),
)
ADULT_GOALS = (("A5", "relationship_work"), ("A1", "promoting_emotional_health"))
CLOSURES = (
    "all_goals_achieved",
    "all_goals_achieved",
    "all_goals_achieved",
    "family_no_longer_wanted_support",
    "escalation_to_area_social_work",
    "support_from_another_service",
)

Headers = Callable[..., dict[str, str]]


@dataclass
class Report:
    """What happened: steps done by name, and endpoints that refused (status and detail)."""

    done: Counter[str] = field(default_factory=Counter)
    refused: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"  {name}: {n}" for name, n in sorted(self.done.items())]
        out += [f"  NOT DONE {where}: {why}" for where, why in sorted(self.refused.items())]
        return out


class Stop(Exception):
    """A step failed: the rest of this family's journey depends on it."""


@dataclass
class Journey:
    clients: Mapping[str, httpx.AsyncClient]
    headers: Headers
    families: int = 40
    seed: int = 2019
    report: Report = field(default_factory=Report)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.today = datetime.now(UTC).date()

    def api(self, service: str) -> ServiceClient:
        return ServiceClient(self.clients[service])

    async def etag(self, service: str, path: str, who: dict[str, str]) -> str | None:
        """If-Match for an update: the ETag of the record as read now."""
        try:
            return await self.api(service).etag(path, headers=who)
        except ApiProblem:
            return None  # not readable yet: the write's own answer will say why

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        who: dict[str, str],
        body: Any = None,
        *,
        step: str,
        template: str | None = None,
        match: str | None = None,
        waits_for_events: bool = False,
    ) -> Any:
        api = self.api(service)
        tag = await self.etag(service, match, who) if match is not None else None
        # Each try is a new request (a new Idempotency-Key): a refusal is replayed for its key.
        r = await api.send(method, path, body, headers=who, if_match=tag)
        # A service that learns of a record from another's events may not have it yet.
        for _ in range(120 if waits_for_events else 0):
            if r.status_code not in (404, 409, 422):
                break
            await asyncio.sleep(0.5)
            r = await api.send(method, path, body, headers=who, if_match=tag)
        try:
            result = decoded(r)
        except ApiProblem as problem:
            where = f"{service} {method} {template or path}"
            self.report.refused.setdefault(where, f"{problem.status} {r.text[:300]}")
            raise Stop(where) from None
        self.report.done[step] += 1
        return result

    # -- the journey ---------------------------------------------------------------------------

    async def setup_teams(self) -> None:
        admin = self.headers("admin")
        for cluster in CLUSTERS:
            team = TEAM_OF[cluster]
            for n, role in enumerate(
                ("social_worker", "family_support_worker", "family_support_worker")
            ):
                try:
                    await self.call(
                        "referrals",
                        "POST",
                        f"/v1/teams/{team}/workers",
                        admin,
                        {"worker_id": f"user:{team}-{n}", "role": role, "caseload_limit": 20},
                        step="worker added",
                        template="/v1/teams/{team_id}/workers",
                    )
                except Stop:
                    pass

    async def family(self, i: int) -> None:
        cluster = CLUSTERS[i % len(CLUSTERS)]
        team = TEAM_OF[cluster]
        duty = self.headers("duty_advice")
        school = self.headers("partner", agency=f"school-{cluster}")
        worker = self.headers("res_practitioner", team=team, subject=f"user:{team}-0")
        # -- the front door
        child = await self.call(
            "referrals",
            "POST",
            "/v1/people",
            duty,
            {
                "kind": "child",
                "given_name": f"Child{i}",
                "family_name": f"Family{i}",
                "date_of_birth": str(date(2008 + i % 9, 1 + i % 12, 1 + i % 27)),
            },
            step="person registered",
            template="/v1/people",
        )
        adult = await self.call(
            "referrals",
            "POST",
            "/v1/people",
            duty,
            {
                "kind": "adult",
                "given_name": f"Parent{i}",
                "family_name": f"Family{i}",
                "date_of_birth": str(date(1980 + i % 15, 1 + i % 12, 2)),
            },
            step="person registered",
            template="/v1/people",
        )
        child_id, adult_id = child["person_id"], adult["person_id"]
        family = await self.call(
            "referrals",
            "POST",
            "/v1/families",
            duty,
            {
                "member_ids": [child_id, adult_id],
                "relationships": [
                    {"person_id": adult_id, "related_person_id": child_id, "kind": "parent"}
                ],
            },
            step="family formed",
            template="/v1/families",
        )
        family_id = family["family_id"]
        contact = await self.call(
            "referrals",
            "POST",
            "/v1/contacts",
            school,
            {
                "source": "school_via_cluster",
                "cluster_id": cluster,
                "caller": {"role": "Targeted Services Leader"},
                "worry": "Attendance has dropped and the child seems withdrawn.",
            },
            step="contact opened",
            template="/v1/contacts",
        )
        contact_id = contact["contact_id"]
        await self.call(
            "referrals",
            "POST",
            f"/v1/contacts/{contact_id}/conversations",
            duty,
            {
                "summary": "Spoke with the school and then the parent.",
                "child_ids": [child_id],
                "adult_ids": [adult_id],
                "family_id": family_id,
                "consent": {
                    "status": "given",
                    "includes_rethink_team": True,
                    "includes_group_supervision": True,
                },
                "urgency": "routine",
                "cluster_id": cluster,
                "tried": [{"what": "Attendance meetings in school", "by_whom": "school"}],
                "early_help_offer_in_place": True,
            },
            step="conversation recorded",
            match=f"/v1/contacts/{contact_id}",
            template="/v1/contacts/{contact_id}/conversations",
        )
        await self.call(
            "referrals",
            "POST",
            f"/v1/contacts/{contact_id}/decision",
            duty,
            {
                "decision_type": "accept_for_res_early_help",
                "rationale": "Needs intensive early help; consent given.",
                "explanation_for_referrer": "Accepted for Restorative Early Support.",
            },
            step="decision made",
            match=f"/v1/contacts/{contact_id}",
            template="/v1/contacts/{contact_id}/decision",
        )
        # -- the formulation
        held = self.today - timedelta(days=120 - i)
        f = await self.call(
            "formulation",
            "POST",
            "/v1/formulations",
            worker,
            {
                "subject_kind": "family",
                "subject_id": family_id,
                "family_id": family_id,
                "setting": "with_family",
                "held_on": str(held),
                "team_id": team,
                "participants": [
                    {"role": "parent_carer", "person_id": adult_id},
                    {"role": "young_person", "person_id": child_id},
                ],
            },
            step="formulation started",
            waits_for_events=True,
            template="/v1/formulations",
        )
        fid = f["id"]
        owner = f["participants"][0]["id"]
        factors: dict[str, str] = {}
        for p in SIX_PS:
            made = await self.call(
                "formulation",
                "POST",
                f"/v1/formulations/{fid}/factors",
                worker,
                {
                    "p": p,
                    "description": f"What the family said ({p})",
                    "is_main_driver": p == "perpetuating",
                },
                step="factor added",
                template="/v1/formulations/{formulation_id}/factors",
                match=f"/v1/formulations/{fid}",
            )
            # The answer is the factor, or the whole formulation with its factors under each P.
            factors[p] = made["factors"][p][-1]["id"] if "factors" in made else made["id"]
        await self.call(
            "formulation",
            "PUT",
            f"/v1/formulations/{fid}/factors/{factors['perpetuating']}/prioritisation",
            worker,
            {"prerequisite": True, "powerful": True, "proximal": True, "participants_goals": True},
            step="factor prioritised",
            template="/v1/formulations/{formulation_id}/factors/{factor_id}/prioritisation",
            match=f"/v1/formulations/{fid}",
        )
        await self.call(
            "formulation",
            "PUT",
            f"/v1/formulations/{fid}/hypothesis",
            worker,
            {"text": "Worry at home is keeping the child from school."},
            step="hypothesis",
            template="/v1/formulations/{formulation_id}/hypothesis",
            match=f"/v1/formulations/{fid}",
        )
        await self.call(
            "formulation",
            "PUT",
            f"/v1/formulations/{fid}/overall-goal",
            worker,
            {
                "description": "The child is in school and feels safe at home.",
                "factor_ids": [factors["presenting"]],
            },
            step="overall goal",
            template="/v1/formulations/{formulation_id}/overall-goal",
            match=f"/v1/formulations/{fid}",
        )
        await self.call(
            "formulation",
            "POST",
            f"/v1/formulations/{fid}/next-steps",
            worker,
            {
                "what": "Weekly visits on routines",
                "owner_participant_id": owner,
                "due_on": str(held + timedelta(days=28)),
                "addresses_factor_id": factors["perpetuating"],
                "presenting_issue_id": factors["presenting"],
                "builds_on_factor_ids": [factors["protective"]],
            },
            step="next step",
            template="/v1/formulations/{formulation_id}/next-steps",
            match=f"/v1/formulations/{fid}",
        )
        await self.call(
            "formulation",
            "POST",
            f"/v1/formulations/{fid}/complete",
            worker,
            {},
            step="formulation completed",
            template="/v1/formulations/{formulation_id}/complete",
            match=f"/v1/formulations/{fid}",
        )
        # -- the plan: the goals service learns of the completed formulation from its events
        plan = await self._open_plan(worker, family_id, fid, str(held + timedelta(days=1)))
        plan_id = plan["plan_id"]
        start = held + timedelta(days=2)
        goals = [
            (*self.rng.choice(CHILD_GOALS), child_id),
            (*self.rng.choice(ADULT_GOALS), adult_id),
        ]
        weeks = 4 + i % 5
        base = f"/v1/plans/{plan_id}/sub-goals"
        worsened = False  # "all goals achieved" is refused for a goal scored below its baseline
        for code, category, person in goals:
            sg = await self.call(
                "goals",
                "POST",
                base,
                worker,
                {
                    "what": "Something the family wants to change",
                    "measure": "Their own 0-10 score",
                    "by_when": str(start + timedelta(days=90)),
                    "code": code,
                    "person_ids": [person],
                    "factor_ids": [factors["perpetuating"]],
                    "on": str(start),
                },
                step="sub-goal set",
                template="/v1/plans/{plan_id}/sub-goals",
                match=f"/v1/plans/{plan_id}",
            )
            # The answer is the sub-goal, or the whole plan with its sub-goals.
            sgid = sg["sub_goals"][-1]["sub_goal_id"] if "sub_goals" in sg else sg["sub_goal_id"]
            item = f"{base}/{sgid}"
            tpl = "/v1/plans/{plan_id}/sub-goals/{sub_goal_id}"
            given = {"kind": "family", "person_id": adult_id}
            score = baseline = self.rng.randint(2, 5)
            await self.call(
                "goals",
                "POST",
                f"{item}/baseline",
                worker,
                {"score": score, "on": str(start), "given_by": given},
                step="baseline",
                template=tpl + "/baseline",
                match=f"/v1/plans/{plan_id}",
            )
            await self.call(
                "goals",
                "POST",
                f"{item}/actions",
                worker,
                {
                    "what": "Agreed piece of work",
                    "who": "lead worker",
                    "by_when": str(start + timedelta(days=60)),
                    "category": category,
                    "on": str(start),
                },
                step="action",
                template=tpl + "/actions",
                match=f"/v1/plans/{plan_id}",
            )
            drift = self.rng.choice((1, 1, 1, 1, 0, -1))
            for week in range(1, weeks + 1):
                score = max(0, min(10, score + (drift if self.rng.random() < 0.7 else 0)))
                await self.call(
                    "goals",
                    "POST",
                    f"{item}/scores",
                    worker,
                    {
                        "score": score,
                        "on": str(start + timedelta(days=7 * week)),
                        "given_by": given,
                    },
                    step="score",
                    template=tpl + "/scores",
                    match=f"/v1/plans/{plan_id}",
                )
            worsened = worsened or score < baseline
        # -- closure and feedback (most plans; the rest stay open)
        if i % 5 == 4:
            return
        closed_on = start + timedelta(days=7 * weeks + 3)
        await self.call(
            "goals",
            "POST",
            f"/v1/plans/{plan_id}/closure",
            worker,
            {
                "reason": "support_from_another_service"
                if worsened and CLOSURES[i % len(CLOSURES)] == "all_goals_achieved"
                else CLOSURES[i % len(CLOSURES)],
                "closed_on": str(closed_on),
                "review_held_on": str(closed_on),
                "sustainability_plan": {
                    "worked_on": "Routines and school",
                    "achieved": "Back in school",
                    "how_family_continues": "Keeps the routine",
                    "look_out_for": "Missed days",
                    "supports": [
                        {"who": "School", "keeps_doing": "Check-ins", "contact": "Office"}
                    ],
                },
            },
            step="plan closed",
            template="/v1/plans/{plan_id}/closure",
            match=f"/v1/plans/{plan_id}",
        )
        await self.call(
            "goals",
            "POST",
            f"/v1/plans/{plan_id}/feedback",
            worker,
            {
                "treated_with_respect": True,
                "would_recommend": i % 7 != 3,
                "service_rating": 7 + i % 4,
                "worker_communication_rating": 8,
                "understood_process_rating": 6 + i % 5,
            },
            step="feedback",
            template="/v1/plans/{plan_id}/feedback",
            match=f"/v1/plans/{plan_id}",
        )

    async def _open_plan(
        self, worker: dict[str, str], family_id: str, fid: str, opened_on: str
    ) -> Any:
        body = {
            "family_id": family_id,
            "formulation_id": fid,
            "overall_goal": "The child is in school and feels safe at home.",
            "opened_on": opened_on,  # agreed the day after the formulation was held
        }
        for _ in range(60):
            r = await self.clients["goals"].post("/v1/plans", json=body, headers=worker)
            if r.status_code == 201:
                self.report.done["plan opened"] += 1
                return r.json()
            if r.status_code not in (404, 409, 422):
                break
            await asyncio.sleep(0.5)  # waiting for the formulation's events to arrive
        self.report.refused.setdefault("goals POST /v1/plans", f"{r.status_code} {r.text[:300]}")
        raise Stop("goals POST /v1/plans")

    async def service_responses(self) -> None:
        """A case system back-fills CP plans and looked-after starts, 2015-2020, in batches."""
        partner = self.headers("partner", agency="case-system", scopes=["service-responses:write"])
        items = []
        for n in range(240):
            cluster = CLUSTERS[n % len(CLUSTERS)]
            day = date(2015, 4, 1) + timedelta(days=self.rng.randint(0, 1765))
            kind = "cp_plan" if n % 3 else "looked_after"
            items.append(
                {
                    "kind": kind,
                    "cluster_id": cluster,
                    "occurred_on": str(day),
                    "source_id": f"case-{n}",
                    "source_person_id": f"P{1000 + n}",
                }
            )
        for chunk in range(0, len(items), 100):
            await self.call(
                "outcomes",
                "POST",
                "/v1/service-responses:batch",
                partner,
                {"items": items[chunk : chunk + 100]},
                step="service responses batch",
                template="/v1/service-responses:batch",
            )

    async def scorecard(self) -> dict[str, Any]:
        analyst = self.headers("bi_analyst")
        found = {}
        for name, path in (
            ("scorecard", "/v1/scorecard"),
            ("goal_movement", "/v1/evaluation/goal-movement"),
            ("table_1", "/v1/evaluation/table-1"),
            ("table_3", "/v1/evaluation/table-3"),
        ):
            r = await self.clients["outcomes"].get(path, headers=analyst)
            r.raise_for_status()
            found[name] = r.json()
        return found


async def drive(
    clients: Mapping[str, httpx.AsyncClient],
    headers: Headers,
    families: int = 40,
    *,
    settle: Callable[[Report], Any] | None = None,
) -> tuple[Report, dict[str, Any]]:
    """Run the journey for `families` families; `settle(report)` waits for its events to land."""
    journey = Journey(clients, headers, families)
    await journey.setup_teams()
    for i in range(families):
        try:
            await journey.family(i)
        except Stop:
            continue
    try:
        await journey.service_responses()
    except Stop:
        pass
    if settle is not None:
        result = settle(journey.report)
        if asyncio.iscoroutine(result):
            await result
    return journey.report, await journey.scorecard()


def print_scorecard(report: Report, figures: dict[str, Any]) -> None:
    card = figures["scorecard"]
    print("Journey:")
    print("\n".join(report.lines()))
    print("\nHow much did we do?")
    for k, v in card["how_much"].items():
        print(f"  {k}: {v}")
    print("How well did we do it?")
    for k, v in card["how_well"].items():
        print(f"  {k}: {json.dumps(v)}")
    print("Is anyone better off?")
    for k, v in card["better_off"].items():
        print(f"  {k}: {json.dumps(v)}")
    t1 = figures["table_1"]["totals"]
    print(
        f"\nTable 1 (CP plans a month, RES clusters): before {t1['average_before']}, "
        f"after {t1['average_after']}"
    )
    t3 = figures["table_3"]
    print(
        f"Table 3 (unit costs {t3['edition']}): before £{t3['total_before']}, "
        f"after £{t3['total_after']}, saving £{t3['saving']} a month"
    )


def dev_headers(data_dir: Path) -> Headers:
    """Tokens signed by the single-machine issuer, as `lpm token` makes them."""
    from runtime.devauth import DEV_ISSUER, ensure_dev_issuer, issuer_dir, sign, token_claims

    ensure_dev_issuer(data_dir)
    folder = issuer_dir(data_dir)

    def headers(
        role: str,
        *,
        agency: str | None = None,
        team: str | None = None,
        subject: str | None = None,
        scopes: list[str] | None = None,
    ) -> dict[str, str]:
        claims = token_claims(role, subject, agency, team, scopes or [])
        token = sign(
            folder / "signing-key.pem",
            folder / "jwks.json",
            claims,
            issuer=os.environ.get("LPM_AUTH_ISSUER", DEV_ISSUER),
        )
        return {"Authorization": f"Bearer {token}"}

    return headers


async def _main(families: int, headers: Headers) -> int:
    urls = base_urls()
    clients = {name: httpx.AsyncClient(base_url=url, timeout=30) for name, url in urls.items()}
    try:
        for name, client in clients.items():
            try:
                (await client.get("/health/live")).raise_for_status()
            except httpx.HTTPError:
                print(f"{name} is not answering at {urls[name]}: start `make run` first")
                return 1

        async def settle(_report: Report) -> None:
            await asyncio.sleep(5)  # the outcomes consumer reads the last events

        report, figures = await drive(clients, headers, families, settle=settle)
    finally:
        for client in clients.values():
            await client.aclose()
    print_scorecard(report, figures)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--families", type=int, default=40)
    args = parser.parse_args()
    headers = dev_headers(Path(os.environ.get("LPM_DATA_DIR", "var")).resolve())
    return asyncio.run(_main(args.families, headers))


if __name__ == "__main__":
    raise SystemExit(main())
