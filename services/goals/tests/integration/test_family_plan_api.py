"""A family's plan through the HTTP API, on both databases and the real broker.

The family is first allocated to a RES team and its formulation completed, as the referrals and
formulation services would announce; the goals service learns both from Kafka.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from aiokafka import AIOKafkaProducer
from contracts import topics
from contracts.envelope import Envelope, EventPayload
from contracts.formulation.v1 import FactorCounts, FormulationCompleted, RoleCount
from contracts.goals import v1 as goals_events
from contracts.referrals.v1 import (
    AllocationClosed,
    FamilyAllocated,
    FamilyMembershipRecorded,
)
from contracts.registry import parse_payload
from goals.adapters import orm
from runtime.outbox import pending_count
from runtime.policy import TEAM_ACCESS_AFTER_CLOSURE, AfterClosure
from runtime.testing import consent_recorded as consented
from runtime.testing import eventually, headers_of, read_topic, run_service
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

TEAM = "res-inner-east"
OTHER_TEAM = "res-jess"
SVG_NS = "{http://www.w3.org/2000/svg}"


async def publish(bootstrap: str, payload: EventPayload, source: str) -> None:
    envelope = Envelope.wrap(payload, source=source)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            payload.topic,
            value=envelope.kafka_value(),
            key=(envelope.subject or "").encode(),
            headers=envelope.kafka_headers(),
        )
    finally:
        await producer.stop()


def completed(
    family_id: uuid.UUID,
    formulation_id: uuid.UUID,
    *,
    lineage_id: uuid.UUID | None = None,
    version: int = 1,
) -> FormulationCompleted:
    """The formulation service's news that a version of the family's formulation is complete."""
    now = datetime.now(UTC)
    return FormulationCompleted(
        formulation_id=formulation_id,
        lineage_id=lineage_id or formulation_id,
        version=version,
        family_id=family_id,
        subject_kind="family",
        subject_id=family_id,
        setting="with_family",
        # Held before any plan these tests open (a plan may not open before it).
        held_on=now.date() - timedelta(weeks=12),
        completed_at=now,
        all_six_ps_considered=True,
        minimum_participants_present=True,
        walk_back_passed=True,
        walk_back_overridden=False,
        factor_counts=FactorCounts(
            presenting=2,
            predisposing=1,
            precipitating=1,
            perpetuating=2,
            protective=2,
            predicting=1,
        ),
        main_driver_count=1,
        priority_count=1,
        next_step_count=3,
        participant_roles=[RoleCount(role="parent_carer", count=1)],
    )


async def allocate_and_formulate(bootstrap: str, goals: Any, family_id: uuid.UUID) -> uuid.UUID:
    """The family is allocated to TEAM and a formulation of it completed; returns its id."""
    now = datetime.now(UTC)
    formulation_id = uuid.uuid4()
    consumer = goals.workers.consumer
    applied_before = consumer.stats.applied
    await publish(
        bootstrap,
        FamilyAllocated(
            family_id=family_id,
            allocation_id=uuid.uuid4(),
            contact_id=uuid.uuid4(),
            team_id=TEAM,
            cluster_id="inner-east",
            worker_id="worker-1",
            worker_role="family_support_worker",
            support_level="early_help",
            allocated_at=now,
        ),
        "/services/referrals",
    )
    await publish(bootstrap, consented(family_id), "/services/referrals")
    await publish(bootstrap, completed(family_id, formulation_id), "/services/formulation")
    await eventually(lambda: consumer.stats.applied >= applied_before + 3, timeout=40)
    return formulation_id


def sub_goal(code: str, on: date, **extra: Any) -> dict[str, Any]:
    return {
        "what": f"Goal coded {code}",
        "measure": "The family's 0-10 score at each weekly visit",
        "by_when": (on + timedelta(days=120)).isoformat(),
        "code": code,
        "person_ids": [str(uuid.uuid4())],
        "factor_ids": [str(uuid.uuid4())],
        "on": on.isoformat(),
        **extra,
    }


SUSTAINABILITY = {
    "worked_on": "Morning routines and getting to school",
    "achieved": "Every child at school on time for six weeks",
    "how_family_continues": "The family keeps the routine chart on the fridge",
    "supports": [
        {
            "who": "School learning mentor",
            "keeps_doing": "Weekly check-in",
            "contact": "Via the school office",
        }
    ],
    "look_out_for": "Late nights before school days",
}


async def _nothing_pending(service: Any) -> bool:
    return await pending_count(service.db, service.app.state.tables) == 0


class Plan:
    """A client of one plan that sends If-Match with the ETag it last saw."""

    def __init__(
        self, client: Any, headers: dict[str, str], body: dict[str, Any], etag: str
    ) -> None:
        self.client, self.headers, self.body, self.etag = client, headers, body, etag

    @property
    def id(self) -> str:
        return str(self.body["plan_id"])

    async def post(self, path: str, json: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        response = await self.client.request(
            method,
            f"/v1/plans/{self.id}{path}",
            json=json,
            headers={**self.headers, "If-Match": self.etag},
        )
        assert response.status_code in (200, 201), response.text
        new_etag = response.headers["ETag"]
        assert int(new_etag.strip('"')) == int(self.etag.strip('"')) + 1
        self.etag, self.body = new_etag, response.json()
        return self.body

    def goal(self, code: str) -> dict[str, Any]:
        return next(sg for sg in self.body["sub_goals"] if sg["code"] == code)


async def test_a_familys_whole_plan_from_opening_to_feedback(broker, databases, issuer):
    family_id = uuid.uuid4()
    practitioner = issuer.headers("res_practitioner", team=TEAM, subject="worker-1")
    elsewhere = issuer.headers("res_practitioner", team=OTHER_TEAM)
    start = date.today() - timedelta(weeks=10)
    mum = str(uuid.uuid4())
    expected: list[str] = []

    async with run_service(
        "goals", await databases.new("goals"), broker.bootstrap, issuer
    ) as goals:
        client = goals.client
        formulation_id = await allocate_and_formulate(broker.bootstrap, goals, family_id)

        r = await client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family_id),
                "formulation_id": str(formulation_id),
                "overall_goal": "The children are safe, settled and at school every day",
                "opened_on": start.isoformat(),  # written up ten weeks on
            },
        )
        assert r.status_code == 201, r.text
        assert r.headers["ETag"] == '"1"'
        assert r.headers["Location"] == f"/v1/plans/{r.json()['plan_id']}"
        assert (r.json()["team_id"], r.json()["cluster_id"]) == (TEAM, "inner-east")
        plan = Plan(client, practitioner, r.json(), r.headers["ETag"])
        expected.append("opened")

        # Three active sub-goals, each with the family's baseline; a fourth waits its turn.
        for code, baseline in (("S1", 2), ("E5", 3), ("F2", 4)):
            await plan.post("/sub-goals", sub_goal(code, start))
            assert plan.goal(code)["tracking_frequency"] == "weekly"
            await plan.post(
                f"/sub-goals/{plan.goal(code)['sub_goal_id']}/baseline",
                {
                    "score": baseline,
                    "on": start.isoformat(),
                    "given_by": {"kind": "family", "person_id": mum},
                },
            )
            expected += ["sub_goal_set", "baseline_recorded"]
        await plan.post("/sub-goals", sub_goal("H1", start, queue=True))
        expected.append("sub_goal_set")
        assert plan.goal("H1")["status"] == "queued"

        async def weekly_scores(codes: tuple[str, ...], weeks: range) -> None:
            for week in weeks:
                for i, code in enumerate(codes):
                    await plan.post(
                        f"/sub-goals/{plan.goal(code)['sub_goal_id']}/scores",
                        {
                            "score": min(10, 2 + week + i % 2),
                            "on": (start + timedelta(weeks=week)).isoformat(),
                            "given_by": {"kind": "family", "person_id": mum},
                            "note": f"week {week}",
                        },
                    )
                    expected.append("score_recorded")

        await weekly_scores(("S1", "E5", "F2"), range(1, 5))

        # E5 was not the right goal: replaced, and the queued H1 starts in its place.
        week4 = start + timedelta(weeks=4)
        await plan.post(
            f"/sub-goals/{plan.goal('E5')['sub_goal_id']}/end",
            {"end_state": "replaced", "on": week4.isoformat()},
        )
        expected += ["sub_goal_ended", "sub_goal_activated"]
        assert plan.goal("E5")["status"] == "replaced"
        assert (plan.goal("H1")["status"], plan.goal("H1")["activated_on"]) == (
            "active",
            week4.isoformat(),
        )
        h1 = plan.goal("H1")["sub_goal_id"]
        await plan.post(
            f"/sub-goals/{h1}/baseline",
            {"score": 5, "on": week4.isoformat(), "given_by": {"kind": "family", "person_id": mum}},
        )
        expected.append("baseline_recorded")

        s1 = plan.goal("S1")["sub_goal_id"]
        await plan.post(
            f"/sub-goals/{s1}/actions",
            {
                "what": "Weekly parenting sessions on routines",
                "who": "Family support worker",
                "by_when": (week4 + timedelta(weeks=4)).isoformat(),
                "category": "parenting_work",
                "on": week4.isoformat(),
            },
        )
        action_id = plan.goal("S1")["actions"][0]["action_id"]
        await plan.post(
            f"/sub-goals/{s1}/actions/{action_id}/progress",
            {"on": (week4 + timedelta(days=2)).isoformat(), "note": "First session held at home"},
        )
        expected += ["action_recorded", "action_progress_recorded"]
        assert plan.goal("S1")["actions"][0]["entries"][0]["note"] == "First session held at home"

        await weekly_scores(("S1", "F2", "H1"), range(5, 9))
        week8 = start + timedelta(weeks=8)
        await plan.post(
            f"/sub-goals/{s1}/evaluations",
            {
                "score": 9,
                "on": week8.isoformat(),
                "decision": "continue",
                "rationale": "Routines hold; keep going until the review",
            },
        )
        expected.append("sub_goal_evaluated")

        # Last scores were two weeks ago: the three active sub-goals are overdue a weekly review.
        r = await client.get("/v1/reviews/overdue", headers=practitioner)
        assert r.status_code == 200, r.text
        overdue = r.json()["items"]
        assert sorted(item["code"] for item in overdue) == ["F2", "H1", "S1"]
        assert {item["due_on"] for item in overdue} == {(week8 + timedelta(weeks=1)).isoformat()}
        r = await client.get(
            "/v1/reviews/overdue", headers=practitioner, params={"team_id": OTHER_TEAM}
        )
        assert r.json()["items"] == []
        r = await client.get("/v1/reviews/overdue", headers=elsewhere)
        assert r.json()["items"] == []
        r = await client.get(
            "/v1/plans",
            headers=practitioner,
            params={"overdue": "true", "code": "h1", "team_id": TEAM},
        )
        assert [p["plan_id"] for p in r.json()["items"]] == [plan.id]
        r = await client.get("/v1/plans", headers=practitioner, params={"code": "A5"})
        assert r.json()["items"] == []

        await plan.post(f"/sub-goals/{s1}/end", {"end_state": "achieved", "on": week8.isoformat()})
        expected.append("sub_goal_ended")
        assert plan.goal("S1")["movement"] == "improved"

        closed_on = start + timedelta(weeks=9)
        await plan.post(
            "/closure",
            {
                "reason": "all_goals_achieved",
                "closed_on": closed_on.isoformat(),
                "review_held_on": closed_on.isoformat(),
                "sustainability_plan": SUSTAINABILITY,
            },
        )
        expected += ["sub_goal_ended", "sub_goal_ended", "closed"]
        assert plan.body["status"] == "closed"
        assert [sg["status"] for sg in plan.body["sub_goals"]] == [
            "achieved",
            "replaced",
            "achieved",
            "achieved",
        ]
        assert plan.body["closure"]["sustainability_plan"]["supports"][0]["who"] == (
            "School learning mentor"
        )

        await plan.post(
            "/feedback",
            {
                "treated_with_respect": True,
                "would_recommend": True,
                "service_rating": 9,
                "worker_communication_rating": 10,
                "understood_process_rating": 8,
            },
        )
        expected.append("feedback_recorded")

        # Progress for people: a line per sub-goal that was worked on, as data and as a picture.
        r = await client.get(f"/v1/plans/{plan.id}/progress", headers=practitioner)
        assert r.status_code == 200, r.text
        progress = {sg["code"]: sg for sg in r.json()["sub_goals"]}
        assert len(progress["S1"]["points"]) == 1 + 8 + 1  # baseline, 8 weekly, evaluation
        assert progress["H1"]["points"][0] == {
            "on": week4.isoformat(),
            "score": 5,
            "is_baseline": True,
        }
        r = await client.get(f"/v1/plans/{plan.id}/progress.svg", headers=practitioner)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("image/svg+xml")
        svg = ElementTree.fromstring(r.content)
        assert svg.tag == f"{SVG_NS}svg"
        lines = svg.findall(f".//{SVG_NS}g[@class='sub-goal']")
        assert [g.get("data-code") for g in lines] == ["S1", "E5", "F2", "H1"]
        assert len(lines[0].findall(f"{SVG_NS}circle")) == 9

        # Another team's practitioner cannot tell the plan exists; an analyst has no access.
        for path in ("", "/progress", "/progress.svg"):
            r = await client.get(f"/v1/plans/{plan.id}{path}", headers=elsewhere)
            assert r.status_code == 404, path
            assert r.headers["content-type"] == "application/problem+json"
        r = await client.post(
            f"/v1/plans/{plan.id}/feedback",
            headers={**elsewhere, "If-Match": plan.etag},
            json={
                "treated_with_respect": False,
                "would_recommend": False,
                "service_rating": 1,
                "worker_communication_rating": 1,
                "understood_process_rating": 1,
            },
        )
        assert r.status_code == 404
        r = await client.get("/v1/plans", headers=elsewhere)
        assert r.json()["items"] == []
        r = await client.get(f"/v1/plans/{plan.id}", headers=issuer.headers("bi_analyst"))
        assert r.status_code == 403
        r = await client.get(f"/v1/plans/{plan.id}", headers=issuer.headers("supervisor"))
        assert r.status_code == 200 and r.headers["ETag"] == plan.etag

        # Every read and write of the family's record is in its audit trail.
        async with goals.db.sessions() as s:
            audited = await s.scalar(
                select(func.count())
                .select_from(orm.platform.audit_log)
                .where(orm.platform.audit_log.c.family_id == str(family_id))
            )
        assert audited >= len(expected) + 4

        # Exactly the expected events were written, and all of them have been published.
        async with goals.db.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(orm.platform.outbox)) == len(
                expected
            )
        await eventually(lambda: _nothing_pending(goals))

    records = await read_topic(broker.bootstrap, topics.GOALS_PLAN, len(expected))
    assert len(records) == len(expected)
    assert {r.key.decode() for r in records} == {str(family_id)}
    types = [headers_of(r)["ce_type"] for r in records]
    assert types == [f"goals.plan.{name}.v1" for name in expected]
    payloads = [parse_payload(Envelope.from_kafka(list(r.headers), r.value)) for r in records]
    assert all(p.family_id == family_id for p in payloads)  # type: ignore[attr-defined]
    closed = payloads[expected.index("closed")]
    assert isinstance(closed, goals_events.PlanClosed)
    assert (closed.sub_goals_improved, closed.closure_reason) == (4, "all_goals_achieved")
    assert closed.team_id == TEAM


async def _stored(goals: Any) -> tuple[int, ...]:
    """Everything a bad request could have changed: plans, their versions, sub-goals, outbox."""
    async with goals.db.sessions() as s:
        return (
            await s.scalar(select(func.count()).select_from(orm.plans)),
            await s.scalar(select(func.coalesce(func.sum(orm.plans.c.version), 0))),
            await s.scalar(select(func.count()).select_from(orm.sub_goals)),
            await s.scalar(select(func.count()).select_from(orm.platform.outbox)),
        )


async def test_bad_input_gets_a_problem_naming_the_field_and_changes_nothing(
    broker, databases, issuer
):
    practitioner = issuer.headers("res_practitioner", team=TEAM)
    today = date.today()
    mum = {"kind": "family", "person_id": str(uuid.uuid4())}
    async with run_service(
        "goals", await databases.new("goals"), broker.bootstrap, issuer
    ) as goals:
        client = goals.client
        family_a, family_b = uuid.uuid4(), uuid.uuid4()
        formulation_a = await allocate_and_formulate(broker.bootstrap, goals, family_a)
        formulation_b = await allocate_and_formulate(broker.bootstrap, goals, family_b)

        # Plan A: S1 and E5 active with baselines, F2 active without one yet.
        r = await client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family_a),
                "formulation_id": str(formulation_a),
                "overall_goal": "Safe and settled at home",
            },
        )
        plan = Plan(client, practitioner, r.json(), r.headers["ETag"])
        for code in ("S1", "E5", "F2"):
            await plan.post("/sub-goals", sub_goal(code, today))
            if code != "F2":
                await plan.post(
                    f"/sub-goals/{plan.goal(code)['sub_goal_id']}/baseline",
                    {"score": 3, "on": today.isoformat(), "given_by": mum},
                )
        s1, f2 = plan.goal("S1")["sub_goal_id"], plan.goal("F2")["sub_goal_id"]

        # Plan B: already closed.
        r = await client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family_b),
                "formulation_id": str(formulation_b),
                "overall_goal": "Getting to school",
            },
        )
        closed = Plan(client, practitioner, r.json(), r.headers["ETag"])
        closure = {
            "reason": "support_from_another_service",
            "closed_on": today.isoformat(),
            "review_held_on": today.isoformat(),
            "sustainability_plan": SUSTAINABILITY,
        }
        await closed.post("/closure", closure)

        score = {"score": 5, "on": today.isoformat(), "given_by": mum}
        tomorrow = (today + timedelta(days=1)).isoformat()
        a, b = f"/v1/plans/{plan.id}", f"/v1/plans/{closed.id}"
        cases: list[tuple[str, str, dict[str, Any], str | None, int, str, str | None]] = [
            # name, path, body, If-Match (None: current), status, problem type, field
            (
                "score of 11",
                f"{a}/sub-goals/{s1}/scores",
                {**score, "score": 11},
                None,
                422,
                "validation-error",
                "score",
            ),
            (
                "score of 5.5",
                f"{a}/sub-goals/{s1}/scores",
                {**score, "score": 5.5},
                None,
                422,
                "validation-error",
                "score",
            ),
            (
                "a fourth active sub-goal",
                f"{a}/sub-goals",
                sub_goal("H1", today),
                None,
                409,
                "goal-limit-reached",
                "queue",
            ),
            (
                "unknown code",
                f"{a}/sub-goals",
                sub_goal("Z9", today, queue=True),
                None,
                422,
                "invalid-children-and-families-code",
                "code",
            ),
            (
                "tracking score before baseline",
                f"{a}/sub-goals/{f2}/scores",
                score,
                None,
                409,
                "baseline-required",
                "baseline",
            ),
            (
                "baseline given by the worker",
                f"{a}/sub-goals/{f2}/baseline",
                {**score, "given_by": {"kind": "worker"}},
                None,
                422,
                "invalid-score",
                "given_by",
            ),
            (
                "score dated tomorrow",
                f"{a}/sub-goals/{s1}/scores",
                {**score, "on": tomorrow},
                None,
                422,
                "invalid-practice-date",
                "on",
            ),
            (
                "unknown field",
                f"{a}/sub-goals/{s1}/scores",
                {**score, "surprise": 1},
                None,
                422,
                "validation-error",
                "surprise",
            ),
            (
                "unknown activity category",
                f"{a}/sub-goals/{s1}/actions",
                {
                    "what": "x",
                    "who": "y",
                    "by_when": today.isoformat(),
                    "category": "magic",
                    "on": today.isoformat(),
                },
                None,
                422,
                "validation-error",
                "category",
            ),
            (
                "closing without a reason",
                f"{a}/closure",
                {k: v for k, v in closure.items() if k != "reason"},
                None,
                422,
                "validation-error",
                "reason",
            ),
            (
                "blank part of the sustainability plan",
                f"{a}/closure",
                {**closure, "sustainability_plan": {**SUSTAINABILITY, "look_out_for": "  "}},
                None,
                422,
                "incomplete-sustainability-plan",
                "look_out_for",
            ),
            (
                "all goals achieved with S1 and E5 unscored and F2 without a baseline",
                f"{a}/closure",
                {**closure, "reason": "all_goals_achieved"},
                None,
                422,
                "closure-reason-disagrees-with-goals",
                "reason",
            ),
            (
                "closing twice",
                f"{b}/closure",
                closure,
                None,
                409,
                "plan-already-closed",
                "closed_on",
            ),
            (
                "feedback rating of 11",
                f"{b}/feedback",
                {
                    "treated_with_respect": True,
                    "would_recommend": True,
                    "service_rating": 11,
                    "worker_communication_rating": 5,
                    "understood_process_rating": 5,
                },
                None,
                422,
                "validation-error",
                "service_rating",
            ),
            (
                "stale If-Match",
                f"{a}/sub-goals/{s1}/scores",
                score,
                '"1"',
                412,
                "precondition-failed",
                None,
            ),
            (
                "no If-Match",
                f"{a}/sub-goals/{s1}/scores",
                score,
                "",
                428,
                "precondition-required",
                None,
            ),
            (
                "plan from an unknown formulation",
                "/v1/plans",
                {
                    "family_id": str(family_a),
                    "formulation_id": str(uuid.uuid4()),
                    "overall_goal": "x",
                },
                None,
                409,
                "formulation-not-completed",
                "formulation_id",
            ),
            (
                "overall goal too long",
                "/v1/plans",
                {
                    "family_id": str(family_a),
                    "formulation_id": str(formulation_a),
                    "overall_goal": "x" * 2001,
                },
                None,
                422,
                "validation-error",
                "overall_goal",
            ),
        ]
        etags = {a: plan.etag, b: closed.etag}
        for name, path, body, if_match, status, problem, field in cases:
            before = await _stored(goals)
            headers = dict(practitioner)
            current = next(
                (etag for prefix, etag in etags.items() if path.startswith(prefix)), None
            )
            match = current if if_match is None else if_match
            if match:
                headers["If-Match"] = match
            r = await client.post(path, json=body, headers=headers)
            assert r.status_code == status, (name, r.text)
            assert r.headers["content-type"] == "application/problem+json", name
            assert r.json()["type"] == f"/problems/{problem}", (name, r.text)
            if field is not None:
                assert field in [e["field"].split(".")[-1] for e in r.json()["errors"]], (
                    name,
                    r.text,
                )
            if status == 412:
                assert r.json()["current_etag"] == plan.etag
            assert await _stored(goals) == before, name

        r = await client.get(a, headers=practitioner)
        assert r.headers["ETag"] == plan.etag
        assert [len(sg["scores"]) for sg in r.json()["sub_goals"]] == [0, 0, 0]


async def test_a_plan_opens_from_the_current_version_of_the_formulation(broker, databases, issuer):
    practitioner = issuer.headers("res_practitioner", team=TEAM)
    async with run_service(
        "goals", await databases.new("goals"), broker.bootstrap, issuer
    ) as goals:
        family = uuid.uuid4()
        first = await allocate_and_formulate(broker.bootstrap, goals, family)
        # The family's formulation is rethought (step 14) and version 2 completed.
        second = uuid.uuid4()
        consumer = goals.workers.consumer
        applied_before = consumer.stats.applied
        await publish(
            broker.bootstrap,
            completed(family, second, lineage_id=first, version=2),
            "/services/formulation",
        )
        await eventually(lambda: consumer.stats.applied > applied_before, timeout=40)

        def opening(formulation_id: uuid.UUID) -> dict[str, str]:
            return {
                "family_id": str(family),
                "formulation_id": str(formulation_id),
                "overall_goal": "Safe and settled at home",
            }

        r = await goals.client.post("/v1/plans", headers=practitioner, json=opening(first))
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["type"] == "/problems/formulation-superseded"
        assert problem["current_formulation_id"] == str(second)
        assert await _stored(goals) == (0, 0, 0, 0)
        r = await goals.client.post("/v1/plans", headers=practitioner, json=opening(second))
        assert r.status_code == 201, r.text


async def test_a_plan_opened_before_the_news_of_a_newer_formulation_is_marked_and_resolved(
    broker, databases, issuer
):
    """The race: version 2 is completed in the formulation service, and the plan is opened from
    version 1 before goals has heard. When the news arrives the plan says so, and returning to
    formulation lets the family's plan open from the current version."""
    practitioner = issuer.headers("res_practitioner", team=TEAM)
    async with run_service(
        "goals", await databases.new("goals"), broker.bootstrap, issuer
    ) as goals:
        family = uuid.uuid4()
        first = await allocate_and_formulate(broker.bootstrap, goals, family)
        r = await goals.client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family),
                "formulation_id": str(first),
                "overall_goal": "Safe and settled at home",
            },
        )
        assert r.status_code == 201, r.text
        plan_id = r.json()["plan_id"]
        assert r.json()["formulation_superseded_by"] is None

        second = uuid.uuid4()
        consumer = goals.workers.consumer
        applied_before = consumer.stats.applied
        await publish(
            broker.bootstrap,
            completed(family, second, lineage_id=first, version=2),
            "/services/formulation",
        )
        await eventually(lambda: consumer.stats.applied > applied_before, timeout=40)

        r = await goals.client.get(f"/v1/plans/{plan_id}", headers=practitioner)
        assert r.status_code == 200, r.text
        assert r.json()["formulation_superseded_by"] == str(second)
        assert r.headers["ETag"] == '"2"'  # a form open on the old view cannot save unawares

        r = await goals.client.post(
            f"/v1/plans/{plan_id}/return-to-formulation",
            headers={**practitioner, "If-Match": r.headers["ETag"]},
            json={
                "reason": "new_information",
                "rationale": "The formulation was rethought before this plan began",
                "on": date.today().isoformat(),
            },
        )
        assert r.status_code == 200, r.text
        r = await goals.client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family),
                "formulation_id": str(second),
                "overall_goal": "Safe and settled at home",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["formulation_superseded_by"] is None


async def test_after_the_allocation_closes_the_team_reads_and_writes_nothing(
    broker, databases, issuer
):
    """The need-to-know rule (runtime.policy): nothing after closure, as for any other family."""
    assert TEAM_ACCESS_AFTER_CLOSURE is AfterClosure.NOTHING
    practitioner = issuer.headers("res_practitioner", team=TEAM)
    manager = issuer.headers("res_manager", team=TEAM)
    duty = issuer.headers("duty_advice")
    today = date.today()
    mum = {"kind": "family", "person_id": str(uuid.uuid4())}
    async with run_service(
        "goals", await databases.new("goals"), broker.bootstrap, issuer
    ) as goals:
        family = uuid.uuid4()
        formulation = await allocate_and_formulate(broker.bootstrap, goals, family)
        r = await goals.client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family),
                "formulation_id": str(formulation),
                "overall_goal": "Safe and settled at home",
            },
        )
        plan = Plan(goals.client, practitioner, r.json(), r.headers["ETag"])
        await plan.post("/sub-goals", sub_goal("S1", today))
        s1 = plan.goal("S1")["sub_goal_id"]
        await plan.post(
            f"/sub-goals/{s1}/baseline", {"score": 3, "on": today.isoformat(), "given_by": mum}
        )

        consumer = goals.workers.consumer
        applied_before = consumer.stats.applied
        now = datetime.now(UTC)
        await publish(
            broker.bootstrap,
            AllocationClosed(
                family_id=family,
                allocation_id=uuid.uuid4(),
                contact_id=uuid.uuid4(),
                team_id=TEAM,
                cluster_id="inner-east",
                worker_id="worker-1",
                support_level="early_help",
                allocated_at=now - timedelta(days=30),
                closed_on=today,
                closure_reason="goals_achieved",
                recorded_at=now,
            ),
            "/services/referrals",
        )
        await eventually(lambda: consumer.stats.applied > applied_before, timeout=40)

        stored = await _stored(goals)
        base = f"/v1/plans/{plan.id}"
        for who, headers in (("practitioner", practitioner), ("manager", manager)):
            for path in (base, f"{base}/progress"):
                r = await goals.client.get(path, headers=headers)
                assert r.status_code == 404, (who, path, r.status_code)
            listed = await goals.client.get("/v1/plans", headers=headers)
            assert plan.id not in [p["plan_id"] for p in listed.json()["items"]], who
            score = {"score": 9, "on": today.isoformat(), "given_by": mum}
            r = await goals.client.post(
                f"{base}/sub-goals/{s1}/scores",
                json=score,
                headers={**headers, "If-Match": plan.etag},
            )
            assert r.status_code == 404, (who, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json"
        assert await _stored(goals) == stored
        # The front door keeps the record.
        assert (await goals.client.get(base, headers=duty)).status_code == 200


async def _applied(bootstrap: str, goals: Any, *events: tuple[EventPayload, str]) -> None:
    consumer = goals.workers.consumer
    before = consumer.stats.applied
    for payload, source in events:
        await publish(bootstrap, payload, source)
    await eventually(lambda: consumer.stats.applied >= before + len(events), timeout=40)


async def test_a_plan_is_shown_to_supervision_only_with_the_familys_consent(
    broker, databases, issuer
):
    """runtime.policy's consent rule: consent to the Rethink team but not to group supervision
    hides the plan from supervisors; a supervisor's override, with a reason, shows it and the
    audit keeps why; nobody else may override, and not without a reason."""
    practitioner = issuer.headers("res_practitioner", team=TEAM)
    supervisor = issuer.headers("supervisor", subject="user:sup-1")
    facilitator = issuer.headers("rethink_facilitator")
    admin = issuer.headers("admin")
    async with run_service(
        "goals", await databases.new("goals"), broker.bootstrap, issuer
    ) as goals:
        family = uuid.uuid4()
        formulation = await allocate_and_formulate(broker.bootstrap, goals, family)
        r = await goals.client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family),
                "formulation_id": str(formulation),
                "overall_goal": "Safe and settled at home",
            },
        )
        assert r.status_code == 201, r.text
        plan = r.json()["plan_id"]
        path = f"/v1/plans/{plan}"
        assert (await goals.client.get(path, headers=supervisor)).status_code == 200
        # A later conversation records that the family does not agree to group supervision.
        await _applied(
            broker.bootstrap,
            goals,
            (consented(family, group_supervision=False), "/services/referrals"),
        )
        for where in (path, f"{path}/progress"):
            assert (await goals.client.get(where, headers=supervisor)).status_code == 404, where
        listed = await goals.client.get("/v1/plans", headers=supervisor)
        assert plan not in [p["plan_id"] for p in listed.json()["items"]]
        assert (await goals.client.get(path, headers=facilitator)).status_code == 200
        assert (await goals.client.get(path, headers=practitioner)).status_code == 200

        blank = await goals.client.get(path, headers={**supervisor, "X-Consent-Override": " "})
        assert blank.status_code == 422
        assert blank.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in blank.json()["errors"]] == ["X-Consent-Override"]
        not_theirs = await goals.client.get(
            path, headers={**facilitator, "X-Consent-Override": "I need it"}
        )
        assert not_theirs.status_code == 403
        assert not_theirs.json()["type"] == "/problems/consent-override-not-allowed"
        why = "Safeguarding concern: supervision must hear the case today"
        shown = await goals.client.get(path, headers={**supervisor, "X-Consent-Override": why})
        assert shown.status_code == 200, shown.text

        trail = await goals.client.get(
            "/v1/audit", params={"family_id": str(family)}, headers=admin
        )
        entries = [e for e in trail.json()["items"] if e["role"] == "supervisor"]
        assert [(e["action"], e["status"]) for e in entries][-1] == ("read", 200)
        assert entries[-1]["reason"] == f"consent overridden: {why}"
        assert entries[-1]["subject"] == "user:sup-1"


async def test_a_plan_names_only_people_of_its_family_and_every_read_is_theirs(
    broker, databases, issuer
):
    """Sub-goals and scorers naming someone of another family are refused naming the field,
    nothing stored; every read of the plan is in each family member's subject access trail."""
    practitioner = issuer.headers("res_practitioner", team=TEAM)
    admin = issuer.headers("admin")
    today = date.today()
    child, mum, stranger = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with run_service(
        "goals", await databases.new("goals"), broker.bootstrap, issuer
    ) as goals:
        family = uuid.uuid4()
        formulation = await allocate_and_formulate(broker.bootstrap, goals, family)
        membership = FamilyMembershipRecorded(
            family_id=family, child_ids=[child], adult_ids=[mum], recorded_at=datetime.now(UTC)
        )
        await _applied(broker.bootstrap, goals, (membership, "/services/referrals"))
        r = await goals.client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family),
                "formulation_id": str(formulation),
                "overall_goal": "Safe and settled at home",
            },
        )
        plan = Plan(goals.client, practitioner, r.json(), r.headers["ETag"])
        stored = await _stored(goals)
        wrong = await goals.client.post(
            f"/v1/plans/{plan.id}/sub-goals",
            json=sub_goal("S1", today, person_ids=[str(stranger)]),
            headers={**practitioner, "If-Match": plan.etag},
        )
        assert wrong.status_code == 422, wrong.text
        assert wrong.headers["content-type"] == "application/problem+json"
        assert wrong.json()["type"] == "/problems/person-not-in-family"
        assert [e["field"] for e in wrong.json()["errors"]] == ["person_ids"]
        assert await _stored(goals) == stored

        await plan.post("/sub-goals", sub_goal("S1", today, person_ids=[str(child)]))
        s1 = plan.goal("S1")["sub_goal_id"]
        stored = await _stored(goals)
        by_stranger = {"kind": "family", "person_id": str(stranger)}
        wrong = await goals.client.post(
            f"/v1/plans/{plan.id}/sub-goals/{s1}/baseline",
            json={"score": 3, "on": today.isoformat(), "given_by": by_stranger},
            headers={**practitioner, "If-Match": plan.etag},
        )
        assert wrong.status_code == 422, wrong.text
        assert [e["field"] for e in wrong.json()["errors"]] == ["given_by.person_id"]
        assert await _stored(goals) == stored
        by_mum = {"kind": "family", "person_id": str(mum)}
        await plan.post(
            f"/sub-goals/{s1}/baseline", {"score": 3, "on": today.isoformat(), "given_by": by_mum}
        )

        assert (await goals.client.get(f"/v1/plans/{plan.id}", headers=practitioner)).is_success
        listed = await goals.client.get("/v1/plans", headers=practitioner)
        assert plan.id in [p["plan_id"] for p in listed.json()["items"]]
        progress = await goals.client.get(f"/v1/plans/{plan.id}/progress", headers=practitioner)
        assert progress.is_success
        for person in (child, mum):
            trail = await goals.client.get(
                "/v1/audit", params={"person_id": str(person)}, headers=admin
            )
            touched = [(e["action"], e["path"]) for e in trail.json()["items"]]
            assert touched[-3:] == [
                ("read", f"/v1/plans/{plan.id}"),
                ("read", "/v1/plans"),
                ("read", f"/v1/plans/{plan.id}/progress"),
            ], person
            assert ("open_plan", "/v1/plans") in touched, person
