"""The front door journey through HTTP, on SQLite and PostgreSQL, against the real broker.

A school's system refers a child; Duty and Advice register the child and their mother (and a
near-duplicate child who must be confirmed as someone else), hold two conversations, and accept
the family for RES, which allocates a lead worker with capacity in the same step. A team at
capacity is refused and its contact stays undecided. The school reads the explanation and
nothing internal; another school sees nothing. Events arrive on Kafka in order per key.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from contracts import topics
from contracts.envelope import Envelope
from contracts.formulation.v1 import FactorCounts, FormulationCompleted, FormulationStarted
from contracts.reference.formulation import FormulationSetting, SubjectKind
from contracts.registry import parse_payload
from runtime.outbox import pending_count
from runtime.policy import TEAM_ACCESS_AFTER_CLOSURE, AfterClosure
from runtime.testing import audit_trail, eventually, read_topic, run_service
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

SEACROFT = "res-seacroft-manston"
INNER_EAST = "res-inner-east"
AMELIA = {
    "kind": "child",
    "given_name": "Amelia",
    "family_name": "Hart",
    "date_of_birth": "2014-06-12",
    "postcode": "LS14 6AA",
    "address_lines": ["1 Example Street"],
    "school": "Example Primary",
}
SARAH = {
    "kind": "adult",
    "given_name": "Sarah",
    "family_name": "Hart",
    "date_of_birth": "1988-02-03",
    "postcode": "LS14 6AA",
}
CONSENT = {"status": "given", "includes_rethink_team": True, "includes_group_supervision": True}
INTERNAL = (
    "rationale",
    "worry",
    "worries",
    "entries",
    "caller",
    "summary",
    "family_knows",
    "tried",
    "child_ids",
    "adult_ids",
    "Amelia",
    "Hart",
)


def if_match(response: Any) -> dict[str, str]:
    return {"If-Match": response.headers["ETag"]}


async def test_a_school_referral_is_conversed_decided_allocated_and_explained(
    broker, databases, issuer
):
    school_1 = issuer.headers("partner", agency="school-1")
    school_2 = issuer.headers("partner", agency="school-2")
    duty = issuer.headers("duty_advice", subject="duty-worker-1")
    admin = issuer.headers("admin")
    seacroft_manager = issuer.headers("res_manager", team=SEACROFT)
    seacroft_worker = issuer.headers("res_practitioner", team=SEACROFT)
    inner_east_worker = issuer.headers("res_practitioner", team=INNER_EAST)

    async with run_service(
        "referrals", await databases.new("referrals"), broker.bootstrap, issuer
    ) as referrals:
        api = referrals.client

        # -- a school's system opens a contact with what it can say --------------------------
        r = await api.post(
            "/v1/contacts",
            headers={**school_1, "Idempotency-Key": "s1-001"},
            json={
                "source": "school_via_cluster",
                "cluster_id": "seacroft-manston",
                "caller": {"name": "Ms Jones", "role": "Targeted Services Leader"},
                "worry": "Amelia has missed school most Mondays since Easter.",
            },
        )
        assert r.status_code == 201, r.text
        contact_id = r.json()["contact_id"]
        assert "worry" not in r.json()  # the partner's own view is the fair-process one
        replay = await api.post(
            "/v1/contacts",
            headers={**school_1, "Idempotency-Key": "s1-001"},
            json={
                "source": "school_via_cluster",
                "cluster_id": "seacroft-manston",
                "caller": {"name": "Ms Jones", "role": "Targeted Services Leader"},
                "worry": "Amelia has missed school most Mondays since Easter.",
            },
        )
        assert replay.json()["contact_id"] == contact_id  # a retried create makes no second one
        r = await api.post(
            "/v1/contacts",
            headers=school_1,
            json={"source": "school_via_cluster", "worry": "Another pupil"},
        )
        second_school_contact = r.json()["contact_id"]

        # -- Duty and Advice register the child and her mother, once --------------------------
        r = await api.post("/v1/people", headers=duty, json=AMELIA)
        assert r.status_code == 201, r.text
        amelia = r.json()["person_id"]
        r = await api.post("/v1/people", headers=duty, json=SARAH)
        sarah = r.json()["person_id"]

        # A near-duplicate: same name and date of birth, another postcode. Shown, not merged.
        near = {**AMELIA, "postcode": "LS9 8AA", "address_lines": ["4 Other Road"]}
        r = await api.post("/v1/people", headers=duty, json=near)
        assert r.status_code == 409, r.text
        problem = r.json()
        assert problem["type"] == "/problems/possible-duplicate-person"
        [candidate] = problem["matches"]
        assert candidate["person_id"] == amelia
        assert candidate["strength"] == "possible"
        assert candidate["person"]["postcode"] == "LS14 6AA"
        async with referrals.db.sessions() as s:
            from referrals.adapters import orm

            assert await s.scalar(select(func.count()).select_from(orm.people)) == 2
        r = await api.post(
            "/v1/people",
            headers=duty,
            json={
                **near,
                "confirmed_distinct_from": [
                    {"person_id": amelia, "reason": "Another child: the school knows both"}
                ],
            },
        )
        assert r.status_code == 201, r.text
        other_amelia = r.json()["person_id"]
        assert other_amelia != amelia

        r = await api.post(
            "/v1/families",
            headers=duty,
            json={
                "member_ids": [amelia, sarah],
                "relationships": [
                    {"person_id": sarah, "related_person_id": amelia, "kind": "parent"}
                ],
            },
        )
        assert r.status_code == 201, r.text
        family_id = r.json()["family_id"]

        # Corrections to a person or a family need the record's current ETag.
        r = await api.patch(
            f"/v1/people/{amelia}", headers=duty, json={"school": "Seacroft Academy"}
        )
        assert r.status_code == 428
        r = await api.get(f"/v1/people/{amelia}", headers=duty)
        r = await api.patch(
            f"/v1/people/{amelia}",
            headers={**duty, **if_match(r)},
            json={"school": "Seacroft Academy"},
        )
        assert r.status_code == 200, r.text
        assert (r.json()["school"], r.json()["family_name"], r.json()["version"]) == (
            "Seacroft Academy",
            "Hart",
            2,
        )
        r = await api.get(f"/v1/families/{family_id}", headers=duty)
        r = await api.patch(
            f"/v1/families/{family_id}",
            headers={**duty, **if_match(r)},
            json={
                "relationships": [
                    {"person_id": amelia, "related_person_id": sarah, "kind": "household_member"}
                ]
            },
        )
        assert r.status_code == 200, r.text
        assert len(r.json()["relationships"]) == 2

        # -- two conversations build the contact up ---------------------------------------------
        r = await api.get(f"/v1/contacts/{contact_id}", headers=duty)
        assert r.json()["worries"] == ["Amelia has missed school most Mondays since Easter."]
        r = await api.post(
            f"/v1/contacts/{contact_id}/conversations",
            headers={**duty, **if_match(r)},
            json={
                "summary": "Spoke with the school: Mondays are the pattern.",
                "child_ids": [amelia],
                "adult_ids": [sarah],
                "family_id": family_id,
                "tried": [{"what": "Attendance meetings", "by_whom": "school"}],
            },
        )
        assert r.status_code == 201, r.text
        stale = r
        r = await api.post(
            f"/v1/contacts/{contact_id}/conversations",
            headers={**duty, **if_match(r)},
            json={
                "summary": "Spoke with mum: she wants help with mornings.",
                "family_knows": "Mum knows the school called and agrees to RES support.",
                "consent": CONSENT,
                "urgency": "soon",
            },
        )
        assert r.status_code == 201, r.text
        assert len(r.json()["entries"]) == 2
        assert r.json()["consent"]["includes_group_supervision"] is True

        # Updates need the current ETag: none is 428, an old one is 412.
        decide_body = {
            "decision_type": "accept_for_res_early_help",
            "rationale": "Mornings have broken down; the cluster offer was tried.",
            "explanation_for_referrer": "RES Seacroft & Manston will work with the family.",
        }
        r = await api.post(f"/v1/contacts/{contact_id}/decision", headers=duty, json=decide_body)
        assert r.status_code == 428
        r = await api.post(
            f"/v1/contacts/{contact_id}/decision",
            headers={**duty, **if_match(stale)},
            json=decide_body,
        )
        assert r.status_code == 412

        # -- the team gets a worker; acceptance allocates in the same step -------------------------
        r = await api.post(
            f"/v1/teams/{SEACROFT}/workers",
            headers=seacroft_worker,
            json={"worker_id": "fsw-sm-1", "role": "family_support_worker"},
        )
        assert r.status_code == 403  # practitioners do not manage the team
        r = await api.post(
            f"/v1/teams/{SEACROFT}/workers",
            headers=seacroft_manager,
            json={
                "worker_id": "fsw-sm-1",
                "role": "family_support_worker",
                "display_name": "Family Support Worker 1",
            },
        )
        assert r.status_code == 201, r.text

        r = await api.get(f"/v1/contacts/{contact_id}", headers=duty)
        r = await api.post(
            f"/v1/contacts/{contact_id}/decision", headers={**duty, **if_match(r)}, json=decide_body
        )
        assert r.status_code == 201, r.text
        decided = r.json()
        assert decided["contact"]["status"] == "decided"
        assert decided["contact"]["team_id"] == SEACROFT
        allocation = decided["allocation"]
        assert allocation["lead_worker_id"] == "fsw-sm-1"
        assert allocation["family_id"] == family_id
        r = await api.get(f"/v1/teams/{SEACROFT}/workers", headers=seacroft_manager)
        [worker] = r.json()["items"]
        assert (worker["caseload"], worker["caseload_limit"]) == (1, 8)

        # -- a team at capacity is refused and its contact stays undecided -----------------------
        r = await api.post(
            f"/v1/teams/{INNER_EAST}/workers",
            headers=admin,
            json={"worker_id": "sw-ie-1", "role": "social_worker", "caseload_limit": 1},
        )
        assert r.status_code == 201, r.text
        inner_east_contacts = []
        for child in (other_amelia, await _register(api, duty, "Noah", "Stone")):
            r = await api.post("/v1/families", headers=duty, json={"member_ids": [child]})
            fam = r.json()["family_id"]
            r = await api.post(
                "/v1/contacts",
                headers=duty,
                json={
                    "source": "duty_and_advice",
                    "cluster_id": "inner-east",
                    "caller": {"agency_id": "health-visiting", "role": "Health visitor"},
                },
            )
            cid = r.json()["contact_id"]
            r = await api.post(
                f"/v1/contacts/{cid}/conversations",
                headers={**duty, **if_match(r)},
                json={"child_ids": [child], "family_id": fam, "consent": CONSENT},
            )
            assert r.status_code == 201, r.text
            inner_east_contacts.append((cid, r))
        (first_ie, r_first), (full_ie, r_full) = inner_east_contacts
        r = await api.post(
            f"/v1/contacts/{first_ie}/decision",
            headers={**duty, **if_match(r_first)},
            json={**decide_body, "decision_type": "accept_for_res_child_in_need"},
        )
        assert r.status_code == 201, r.text
        r = await api.post(
            f"/v1/contacts/{full_ie}/decision",
            headers={**duty, **if_match(r_full)},
            json=decide_body,
        )
        assert r.status_code == 409, r.text
        assert r.json()["type"] == "/problems/no-capacity-in-team"
        assert "waiting list" in r.json()["detail"]
        r = await api.get(f"/v1/contacts/{full_ie}", headers=duty)
        assert (r.json()["status"], r.json()["decision"], r.json()["team_id"]) == (
            "open",
            None,
            None,
        )
        # ...and is routed elsewhere instead.
        r = await api.post(f"/v1/contacts/{full_ie}/formulation-requests", headers=duty)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "requested"
        r = await api.get(f"/v1/contacts/{full_ie}", headers=duty)
        r = await api.post(
            f"/v1/contacts/{full_ie}/decision",
            headers={**duty, **if_match(r)},
            json={
                **decide_body,
                "decision_type": "signpost_to_cluster",
                "explanation_for_referrer": "The cluster will offer support.",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["allocation"] is None

        # -- the school reads the explanation, and nothing internal ------------------------------
        r = await api.get(f"/v1/contacts/{contact_id}", headers=school_1)
        assert r.status_code == 200, r.text
        view = r.json()
        assert set(view) == {
            "contact_id",
            "status",
            "opened_at",
            "decision_type",
            "explanation_for_referrer",
            "decided_at",
        }
        assert view["decision_type"] == "accept_for_res_early_help"
        assert view["explanation_for_referrer"] == decide_body["explanation_for_referrer"]
        assert not any(word in r.text for word in INTERNAL)

        r = await api.get("/v1/contacts?limit=1", headers=school_1)
        page_1 = r.json()
        assert len(page_1["items"]) == 1 and page_1["next_cursor"]
        r = await api.get(f"/v1/contacts?limit=1&cursor={page_1['next_cursor']}", headers=school_1)
        page_2 = r.json()
        assert {page_1["items"][0]["contact_id"], page_2["items"][0]["contact_id"]} == {
            contact_id,
            second_school_contact,
        }
        assert page_2["next_cursor"] is None
        assert not any(word in r.text for word in INTERNAL)

        # -- another school sees none of it, not even through the first school's cursor -----------
        r = await api.get(f"/v1/contacts/{contact_id}", headers=school_2)
        assert r.status_code == 404
        r = await api.get("/v1/contacts", headers=school_2)
        assert r.json()["items"] == []
        r = await api.get(f"/v1/contacts?limit=1&cursor={page_1['next_cursor']}", headers=school_2)
        assert r.status_code == 400
        assert r.json()["type"] == "/problems/invalid-cursor"
        r = await api.post(f"/v1/contacts/{contact_id}/conversations", headers=school_1, json={})
        assert r.status_code == 403

        # -- RES staff read their own team's family, other teams nothing --------------------------
        assert (
            await api.get(f"/v1/contacts/{contact_id}", headers=seacroft_worker)
        ).status_code == 200
        assert (
            await api.get(f"/v1/families/{family_id}", headers=seacroft_worker)
        ).status_code == 200
        assert (await api.get(f"/v1/people/{amelia}", headers=seacroft_worker)).status_code == 200
        assert (
            await api.get(f"/v1/contacts/{contact_id}", headers=inner_east_worker)
        ).status_code == 404
        assert (
            await api.get(f"/v1/families/{family_id}", headers=inner_east_worker)
        ).status_code == 404
        r = await api.get("/v1/contacts", headers=inner_east_worker)
        assert {c["contact_id"] for c in r.json()["items"]} == {first_ie}
        r = await api.get("/v1/contacts", headers=issuer.headers("bi_analyst"))
        assert r.status_code == 403

        # -- the formulation service's news reaches the contact ---------------------------------
        formulation_id, now = uuid.uuid4(), datetime.now(UTC)
        await _publish(
            broker.bootstrap,
            FormulationStarted(
                formulation_id=formulation_id,
                lineage_id=formulation_id,
                version=1,
                subject_kind=SubjectKind.REFERRAL,
                subject_id=uuid.UUID(full_ie),
                contact_id=uuid.UUID(full_ie),
                setting=FormulationSetting.REFERRAL_STAGE,
                held_on=now.date(),
                facilitator_id="duty-worker-1",
                carried_factor_count=0,
                started_at=now,
            ),
        )
        await eventually(lambda: _formulation_status(api, duty, full_ie, "opened"), timeout=40)
        completed = FormulationCompleted(
            formulation_id=formulation_id,
            lineage_id=formulation_id,
            version=1,
            subject_kind=SubjectKind.REFERRAL,
            subject_id=uuid.UUID(full_ie),
            contact_id=uuid.UUID(full_ie),
            setting=FormulationSetting.REFERRAL_STAGE,
            held_on=now.date(),
            completed_at=now,
            all_six_ps_considered=True,
            minimum_participants_present=True,
            walk_back_passed=True,
            walk_back_overridden=False,
            factor_counts=FactorCounts(
                presenting=1,
                predisposing=0,
                precipitating=0,
                perpetuating=1,
                protective=1,
                predicting=0,
            ),
            main_driver_count=1,
            priority_count=1,
            next_step_count=1,
            participant_roles=[],
        )
        await _publish(broker.bootstrap, completed)
        await eventually(lambda: _formulation_status(api, duty, full_ie, "completed"), timeout=40)
        # Both changes the service made on those events are in the contact's audit trail.
        trail = await audit_trail(api, issuer.headers("admin"), record_id=full_ie)
        by_events = [e for e in trail if e["method"] == "EVENT"]
        assert [(e["action"], e["path"]) for e in by_events] == [
            ("update", FormulationStarted.event_type),
            ("update", FormulationCompleted.event_type),
        ]
        assert {e["subject"] for e in by_events} == {"/services/referrals"}

        # -- closure within 12 months makes the next contact for the child a re-referral -----------
        r = await api.get(
            f"/v1/allocations/{allocation['allocation_id']}", headers=seacroft_manager
        )
        r = await api.post(
            f"/v1/allocations/{allocation['allocation_id']}/closure",
            headers={**seacroft_manager, **if_match(r)},
            json={"closed_on": date.today().isoformat(), "reason": "stepped_down_to_cluster"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "closed"
        # Need to know (runtime.policy): from the closure on, the team sees nothing of the
        # family, its people or its contact; the front door keeps them.
        assert TEAM_ACCESS_AFTER_CLOSURE is AfterClosure.NOTHING
        for team_member in (seacroft_worker, seacroft_manager):
            for path in (
                f"/v1/contacts/{contact_id}",
                f"/v1/families/{family_id}",
                f"/v1/people/{amelia}",
            ):
                r = await api.get(path, headers=team_member)
                assert r.status_code == 404, (path, r.status_code)
            r = await api.get("/v1/contacts", headers=team_member)
            assert contact_id not in {c["contact_id"] for c in r.json()["items"]}
        assert (await api.get(f"/v1/people/{amelia}", headers=duty)).status_code == 200
        r = await api.post("/v1/contacts", headers=duty, json={"source": "duty_and_advice"})
        again = r.json()["contact_id"]
        r = await api.post(
            f"/v1/contacts/{again}/conversations",
            headers={**duty, **if_match(r)},
            json={"child_ids": [amelia]},
        )
        assert r.json()["is_rereferral"] is True
        assert r.json()["rereferrals"][0]["previous_allocation_id"] == allocation["allocation_id"]

        await eventually(lambda: _nothing_pending(referrals), timeout=40)
        expected = await _outbox_counts(referrals)

    # -- every event on Kafka, valid, in order for its key ----------------------------------------
    contact_events = await _events(
        broker.bootstrap, topics.REFERRALS_CONTACT, expected[topics.REFERRALS_CONTACT]
    )
    assert _types_for(contact_events, contact_id) == [
        "referrals.contact.opened.v1",
        "referrals.contact.conversation_recorded.v1",
        "referrals.contact.conversation_recorded.v1",
        "referrals.contact.decision_made.v1",
    ]
    assert _types_for(contact_events, full_ie) == [
        "referrals.contact.opened.v1",
        "referrals.contact.conversation_recorded.v1",
        "referrals.contact.formulation_requested.v1",
        "referrals.contact.decision_made.v1",  # the signposting; the refused acceptance left none
    ]
    [signposted] = [
        p for k, p in contact_events if k == full_ie and p.event_type.endswith("decision_made.v1")
    ]
    assert signposted.decision_type == "signpost_to_cluster"
    assert _types_for(contact_events, again)[-1] == "referrals.contact.rereferral_flagged.v1"

    family_events = await _events(
        broker.bootstrap, topics.REFERRALS_ALLOCATION, expected[topics.REFERRALS_ALLOCATION]
    )
    assert _types_for(family_events, family_id) == [
        "referrals.family.membership_recorded.v1",
        "referrals.family.membership_recorded.v1",
        "referrals.allocation.family_allocated.v1",
        "referrals.allocation.closed.v1",
    ]
    person_events = await _events(
        broker.bootstrap, topics.REFERRALS_PERSON, expected[topics.REFERRALS_PERSON]
    )
    assert _types_for(person_events, amelia) == [
        "referrals.person.registered.v1",
        "referrals.person.updated.v1",
    ]
    assert _types_for(person_events, other_amelia) == ["referrals.person.registered.v1"]
    [registered] = [p for k, p in person_events if k == other_amelia]
    assert registered.near_matches_confirmed_distinct == 1


# -- helpers -------------------------------------------------------------------------------------


async def _register(api: Any, headers: dict[str, str], given: str, family: str) -> str:
    r = await api.post(
        "/v1/people",
        headers=headers,
        json={
            "kind": "child",
            "given_name": given,
            "family_name": family,
            "date_of_birth": "2012-09-30",
            "postcode": "LS9 7ZZ",
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["person_id"])


async def _formulation_status(
    api: Any, headers: dict[str, str], contact_id: str, want: str
) -> bool:
    r = await api.get(f"/v1/contacts/{contact_id}", headers=headers)
    return bool(r.json()["formulation"]["status"] == want)


async def _publish(bootstrap: str, payload: FormulationStarted | FormulationCompleted) -> None:
    envelope = Envelope.wrap(payload, source="/services/formulation")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            payload.topic,
            value=envelope.kafka_value(),
            key=payload.aggregate_id().encode(),
            headers=envelope.kafka_headers(),
        )
    finally:
        await producer.stop()


async def _nothing_pending(service: Any) -> bool:
    return await pending_count(service.db, service.app.state.tables) == 0


async def _outbox_counts(service: Any) -> dict[str, int]:
    outbox = service.app.state.tables.outbox
    async with service.db.sessions() as s:
        rows = (
            await s.execute(select(outbox.c.topic, func.count()).group_by(outbox.c.topic))
        ).all()
    return {topic: int(n) for topic, n in rows}


async def _events(bootstrap: str, topic: str, expected: int) -> list[tuple[str, Any]]:
    """(key, payload) of every record on the topic, each body validated by its contract model."""
    records = await read_topic(bootstrap, topic, expected)
    assert len(records) == expected
    events = []
    for record in records:
        envelope = Envelope.from_kafka(list(record.headers), record.value)
        payload = parse_payload(envelope)
        assert record.key.decode() == payload.aggregate_id() == envelope.subject
        events.append((record.key.decode(), payload))
    return events


def _types_for(events: list[tuple[str, Any]], key: str) -> list[str]:
    return [payload.event_type for k, payload in events if k == key]
