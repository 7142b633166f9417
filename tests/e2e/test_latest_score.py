"""One rule for a sub-goal's latest score, in the goals and outcomes services alike.

The goals service and the outcomes service (which learns of the scores from the event stream)
must agree on a goal's movement whatever order same-day entries were written up in, and the
answer must not change when the goal ends with no new score. Real broker, both databases.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from contracts.envelope import Envelope, EventPayload
from contracts.formulation.v1 import FactorCounts, FormulationCompleted, RoleCount
from contracts.referrals.v1 import FamilyAllocated
from runtime.testing import eventually, run_service

pytestmark = pytest.mark.integration

TEAM = "res-inner-east"


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


async def allocated_and_formulated(bootstrap: str, goals: Any, family_id: uuid.UUID) -> uuid.UUID:
    """The referrals and formulation services' news, as goals hears it; the formulation id."""
    now = datetime.now(UTC)
    formulation_id = uuid.uuid4()
    consumer = goals.workers.consumer
    before = consumer.stats.applied
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
    await publish(
        bootstrap,
        FormulationCompleted(
            formulation_id=formulation_id,
            lineage_id=formulation_id,
            version=1,
            family_id=family_id,
            subject_kind="family",
            subject_id=family_id,
            setting="with_family",
            held_on=now.date(),
            completed_at=now,
            all_six_ps_considered=True,
            minimum_participants_present=True,
            walk_back_passed=True,
            walk_back_overridden=False,
            factor_counts=FactorCounts(
                presenting=1,
                predisposing=1,
                precipitating=1,
                perpetuating=1,
                protective=1,
                predicting=1,
            ),
            main_driver_count=1,
            priority_count=1,
            next_step_count=1,
            participant_roles=[RoleCount(role="parent_carer", count=1)],
        ),
        "/services/formulation",
    )
    await eventually(lambda: consumer.stats.applied >= before + 2, timeout=40)
    return formulation_id


async def test_same_day_evaluation_and_tracking_score_agree_across_services_and_when_ended(
    broker, databases, issuer
):
    practitioner = issuer.headers("res_practitioner", team=TEAM, subject="worker-1")
    analyst = issuer.headers("bi_analyst")
    mum = str(uuid.uuid4())
    on = date.today().isoformat()
    async with (
        run_service("goals", await databases.new("goals"), broker.bootstrap, issuer) as goals,
        run_service(
            "outcomes", await databases.new("outcomes"), broker.bootstrap, issuer
        ) as outcomes,
    ):
        family_id = uuid.uuid4()
        formulation_id = await allocated_and_formulated(broker.bootstrap, goals, family_id)
        r = await goals.client.post(
            "/v1/plans",
            headers=practitioner,
            json={
                "family_id": str(family_id),
                "formulation_id": str(formulation_id),
                "overall_goal": "The children are at school every day",
            },
        )
        assert r.status_code == 201, r.text
        plan_id, etag = r.json()["plan_id"], r.headers["ETag"]

        async def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            nonlocal etag
            response = await goals.client.post(
                f"/v1/plans/{plan_id}{path}",
                json=body,
                headers={**practitioner, "If-Match": etag},
            )
            assert response.status_code in (200, 201), response.text
            etag = response.headers["ETag"]
            return dict(response.json())

        plan = await post(
            "/sub-goals",
            {
                "what": "Gets to school on time",
                "measure": "The family's 0-10 score at each weekly visit",
                "by_when": "2099-01-01",
                "code": "E1",
                "person_ids": [str(uuid.uuid4())],
                "factor_ids": [str(uuid.uuid4())],
                "on": on,
            },
        )
        goal = plan["sub_goals"][0]["sub_goal_id"]
        family = {"kind": "family", "person_id": mum}
        await post(f"/sub-goals/{goal}/baseline", {"score": 5, "on": on, "given_by": family})
        # The review's evaluation is written up first, then that day's tracking score.
        await post(
            f"/sub-goals/{goal}/evaluations",
            {"score": 5, "on": on, "decision": "continue", "rationale": "Holding steady"},
        )
        plan = await post(f"/sub-goals/{goal}/scores", {"score": 7, "on": on, "given_by": family})
        assert plan["sub_goals"][0]["movement"] == "unchanged"

        async def movement_once_applied(events: int) -> dict[str, Any]:
            consumer = outcomes.workers.consumer
            await eventually(lambda: consumer.stats.applied >= events, timeout=40)
            r = await outcomes.client.get("/v1/evaluation/goal-movement", headers=analyst)
            assert r.status_code == 200, r.text
            return dict(r.json())

        # allocated, formulation completed, plan opened, sub-goal set, baseline, evaluated, score
        open_view = await movement_once_applied(7)
        assert (open_view["unchanged"], open_view["improved"]) == (1, 0)

        plan = await post(f"/sub-goals/{goal}/end", {"end_state": "withdrawn", "on": on})
        assert plan["sub_goals"][0]["movement"] == "unchanged"
        ended_view = await movement_once_applied(8)
        assert (ended_view["unchanged"], ended_view["improved"]) == (1, 0)
