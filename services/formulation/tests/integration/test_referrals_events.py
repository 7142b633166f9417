"""What the formulation service does with the referrals service's events, on both databases and
the real broker: a referral-stage formulation opens when the front door asks for one, and RES
staff see a family's formulations only while the family is allocated to their team.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from contracts import topics
from contracts.envelope import Envelope
from contracts.formulation.v1 import FormulationStarted
from runtime.testing import (
    audit_trail,
    eventually,
    headers_of,
    json_of,
    read_topic,
    run_service,
)

pytestmark = pytest.mark.integration

TEAM = "res-inner-east"
OTHER_TEAM = "res-jess"


async def test_a_formulation_request_from_referrals_opens_one_referral_stage_draft(
    broker, databases, issuer, caller, produce, referrals_events
):
    contact, request_id, family = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    requested = referrals_events.formulation_requested(contact, request_id, family_id=family)
    async with run_service(
        "formulation", await databases.new("formulation"), broker.bootstrap, issuer
    ) as service:
        duty = caller(service.client, issuer.headers("duty_advice"))
        first = await produce(requested)
        await produce(requested, envelope=first)  # redelivered: the same event id
        # Asked again under a new event id (a replayed outbox, say): still one formulation.
        await produce(requested, envelope=Envelope.wrap(requested, source="/services/referrals"))
        consumer = service.workers.consumer
        await eventually(lambda: consumer.stats.applied + consumer.stats.duplicates >= 3, 40)

        listed = await duty.get("/v1/formulations", contact_id=str(contact))
        assert len(listed["items"]) == 1
        summary = listed["items"][0]
        assert summary["setting"] == "referral_stage" and summary["status"] == "draft"
        assert summary["subject_kind"] == "referral" and summary["subject_id"] == str(contact)
        draft = await duty.get(f"/v1/formulations/{summary['id']}")
        assert draft["subject"]["contact_id"] == str(contact)
        assert draft["subject"]["family_id"] == str(family)
        assert draft["facilitator_id"] == "duty-worker-3"
        # Duty and Advice formulate with it like any draft.
        await duty.change(
            "POST",
            f"/v1/formulations/{summary['id']}/factors",
            {"p": "presenting", "description": "Worried about Jay"},
            expect=201,
        )
        assert consumer.stats.duplicates == 1
        # The draft the service opened on the event is audited, with the event as its cause.
        audit = await service.client.get(
            "/v1/audit", params={"family_id": str(family)}, headers=issuer.headers("admin")
        )
        created = [e for e in audit.json()["items"] if e["action"] == "create"]
        assert len(created) == 1
        assert created[0]["record_type"] == "formulation"
        assert created[0]["record_id"] == summary["id"]
        assert created[0]["subject"] == "/services/formulation"
        assert created[0]["role"] == "service" and created[0]["method"] == "EVENT"
        assert created[0]["request_id"] == str(first.id)

    records = await read_topic(broker.bootstrap, topics.FORMULATION_FORMULATION, 1)
    assert [headers_of(r)["ce_type"] for r in records] == ["formulation.formulation.started.v1"]
    started = FormulationStarted.model_validate(json_of(records[0]))
    assert started.contact_id == contact and started.subject_kind == "referral"
    assert str(started.formulation_id) == summary["id"]
    # The event it answers is its cause, so referrals can trace the request to the draft.
    assert headers_of(records[0])["ce_causationid"] == str(first.id)


async def test_res_staff_see_a_familys_formulation_only_while_it_is_allocated_to_their_team(
    broker, databases, issuer, caller, produce, referrals_events
):
    family = uuid.uuid4()
    async with run_service(
        "formulation", await databases.new("formulation"), broker.bootstrap, issuer
    ) as service:
        facilitator = caller(service.client, issuer.headers("rethink_facilitator"))
        ours = caller(service.client, issuer.headers("res_practitioner", team=TEAM))
        theirs = caller(service.client, issuer.headers("res_manager", team=OTHER_TEAM))
        # The family agreed to share with the Rethink team: once the service has heard, a
        # facilitator may hold a Rethink Space about it.
        await produce(referrals_events.consent(family))
        rethink_space = {
            "subject_kind": "family",
            "subject_id": str(family),
            "setting": "rethink_space",
            "held_on": datetime.now(UTC).date().isoformat(),
        }

        async def held():  # type: ignore[no-untyped-def]
            r = await service.client.post(
                "/v1/formulations", json=rethink_space, headers=facilitator.headers
            )
            return r.json() if r.status_code == 201 else None

        made = await eventually(held, timeout=40)
        path = f"/v1/formulations/{made['id']}"
        not_found = await ours.get(path, expect=404)
        assert not_found["type"] == "/problems/formulation-not-found"
        # Not allocated yet: RES staff cannot start one for the family either.
        await ours.create(
            "/v1/formulations",
            {
                "subject_kind": "family",
                "subject_id": str(family),
                "setting": "with_family",
                "held_on": datetime.now(UTC).date().isoformat(),
            },
            expect=404,
        )

        allocated_at = datetime.now(UTC)
        await produce(referrals_events.allocated(family, TEAM, at=allocated_at))
        await eventually(lambda: _status(ours, path, 200), timeout=40)
        await theirs.get(path, expect=404)
        assert [i["id"] for i in (await ours.get("/v1/formulations"))["items"]] == [made["id"]]
        assert (await theirs.get("/v1/formulations"))["items"] == []
        for role in ("bi_analyst", "partner"):
            outsider = issuer.headers(role, agency="school-1")
            assert (await service.client.get(path, headers=outsider)).status_code == 403

        await produce(referrals_events.closed(family, TEAM))
        await eventually(lambda: _status(ours, path, 404), timeout=40)
        # A late copy of the older allocation does not open the family again.
        stale = referrals_events.allocated(family, TEAM, at=allocated_at - timedelta(seconds=1))
        consumer = service.workers.consumer
        applied = consumer.stats.applied
        await produce(stale)
        await eventually(lambda: consumer.stats.applied > applied, timeout=40)
        await ours.get(path, expect=404)
        await facilitator.get(path)  # the formulation itself is still there for the others


async def _status(who, path: str, status: int) -> bool:  # type: ignore[no-untyped-def]
    response = await who.client.get(path, headers=who.headers)
    return response.status_code == status


async def test_the_rethink_team_and_supervision_see_a_family_only_with_its_consent(
    broker, databases, issuer, caller, produce, referrals_events
):
    """runtime.policy's consent rule: a family that agreed to share with the Rethink team but
    not with group supervision is not shown to supervisors, nor held in group supervision; a
    supervisor's reasoned override shows it, and the audit keeps the reason."""
    family = uuid.uuid4()
    today = datetime.now(UTC).date().isoformat()
    async with run_service(
        "formulation", await databases.new("formulation"), broker.bootstrap, issuer
    ) as service:
        duty = caller(service.client, issuer.headers("duty_advice"))
        facilitator = caller(service.client, issuer.headers("rethink_facilitator"))
        supervisor = caller(service.client, issuer.headers("supervisor", subject="user:sup"))
        made = await duty.create(
            "/v1/formulations",
            {"subject_kind": "family", "subject_id": str(family), "held_on": today}
            | {"setting": "with_family"},
        )
        path = f"/v1/formulations/{made['id']}"
        # Nothing recorded yet: neither the Rethink team nor supervision sees it.
        await facilitator.get(path, expect=404)
        await supervisor.get(path, expect=404)
        await produce(referrals_events.consent(family, group_supervision=False))
        await eventually(lambda: _status(facilitator, path, 200), timeout=40)
        await supervisor.get(path, expect=404)
        listed = await supervisor.get("/v1/formulations", family_id=str(family))
        assert listed["items"] == []
        in_supervision = {"setting": "group_supervision", "held_on": today}
        refused = await facilitator.create(
            "/v1/meetings", {**in_supervision, "family_id": str(family)}, expect=422
        )
        assert refused["type"] == "/problems/no-consent-to-share"
        assert [e["field"] for e in refused["errors"]] == ["setting"]
        forum = await facilitator.create(
            "/v1/meetings", {"setting": "rethink_space", "held_on": today, "family_id": str(family)}
        )
        assert forum["family_id"] == str(family)
        async with service.db.sessions() as session:
            from formulation.adapters import orm
            from sqlalchemy import func, select

            meetings = await session.scalar(select(func.count()).select_from(orm.meetings))
        assert meetings == 1

        why = "Safeguarding concern raised by the school today"
        override = {**supervisor.headers, "X-Consent-Override": why}
        shown = await service.client.get(path, headers=override)
        assert shown.status_code == 200, shown.text
        held = await service.client.post(
            "/v1/meetings", json={**in_supervision, "family_id": str(family)}, headers=override
        )
        assert held.status_code == 201, held.text
        trail = await audit_trail(service.client, issuer.headers("admin"), family_id=str(family))
        by_supervisor = [e for e in trail if e["subject"] == "user:sup"]
        assert [(e["action"], e["status"], e["reason"]) for e in by_supervisor][-2:] == [
            ("read", 200, f"consent overridden: {why}"),
            ("create", 201, f"consent overridden: {why}"),
        ]


async def test_formulations_and_meetings_name_only_their_familys_people_and_reads_are_theirs(
    broker, databases, issuer, caller, produce, referrals_events
):
    """A participant or genogram member of another family is refused naming the field and
    nothing is stored; every read of a formulation or meeting is in each member's trail."""
    from contracts.referrals.v1 import FamilyMembershipRecorded

    family, child, mum, stranger = (uuid.uuid4() for _ in range(4))
    today = datetime.now(UTC).date().isoformat()
    admin = issuer.headers("admin")
    async with run_service(
        "formulation", await databases.new("formulation"), broker.bootstrap, issuer
    ) as service:
        duty = caller(service.client, issuer.headers("duty_advice"))
        await produce(
            FamilyMembershipRecorded(
                family_id=family, child_ids=[child], adult_ids=[mum], recorded_at=datetime.now(UTC)
            )
        )
        await produce(referrals_events.consent(family))
        start = {"subject_kind": "family", "subject_id": str(family), "held_on": today}
        start |= {"setting": "with_family"}
        consumer = service.workers.consumer
        await eventually(lambda: consumer.stats.applied >= 2, timeout=40)
        stranger_joins = {
            **start,
            "participants": [{"role": "parent_carer", "person_id": str(stranger)}],
        }
        wrong = await duty.create("/v1/formulations", stranger_joins, expect=422)

        assert wrong["type"] == "/problems/person-not-in-family"
        assert [e["field"] for e in wrong["errors"]] == ["person_id"]
        made = await duty.create(
            "/v1/formulations",
            {**start, "participants": [{"role": "young_person", "person_id": str(child)}]},
        )
        path = f"/v1/formulations/{made['id']}"
        wrong = await duty.change(
            "POST",
            f"{path}/participants",
            {"role": "parent_carer", "person_id": str(stranger)},
            expect=422,
        )
        assert [e["field"] for e in wrong["errors"]] == ["person_id"]
        wrong = await duty.change(
            "PUT",
            f"{path}/family-structure",
            {"members": [{"person_id": str(child)}, {"person_id": str(stranger)}]},
            expect=422,
        )
        assert [e["field"] for e in wrong["errors"]] == ["members.person_id"]
        meeting = await duty.create(
            "/v1/meetings",
            {"setting": "rethink_space", "held_on": today, "formulation_id": made["id"]},
        )
        wrong = await duty.change(
            "POST",
            f"/v1/meetings/{meeting['id']}/participants",
            {"role": "parent_carer", "person_id": str(stranger)},
            expect=422,
        )
        assert [e["field"] for e in wrong["errors"]] == ["person_id"]
        async with service.db.sessions() as session:
            from formulation.adapters import orm
            from sqlalchemy import func, select

            stored = await session.scalar(select(func.count()).select_from(orm.formulations))
        assert stored == 1

        await duty.get(path)
        await duty.get("/v1/formulations", family_id=str(family))
        await duty.get(f"/v1/meetings/{meeting['id']}")
        await duty.get("/v1/meetings", family_id=str(family))
        for person in (child, mum):
            trail = await audit_trail(service.client, admin, person_id=str(person))
            touched = [(e["action"], e["record_type"], e["path"]) for e in trail]
            assert touched[-4:] == [
                ("read", "formulation", path),
                ("read", "formulation", "/v1/formulations"),
                ("read", "meeting", f"/v1/meetings/{meeting['id']}"),
                ("read", "meeting", "/v1/meetings"),
            ], person
            assert ("create", "formulation", "/v1/formulations") in touched, person
            assert ("create", "meeting", "/v1/meetings") in touched, person
        # Nobody outside the family is in the trail of its records.
        trail = await service.client.get(
            "/v1/audit", params={"person_id": str(stranger)}, headers=admin
        )
        assert trail.json()["items"] == []
