"""A family's formulation through the HTTP API, on both databases and the real broker: formulate
with the family, fail the walk back and mend it, complete, review in supervision, formulate
again and compare, then a Practice and Progress meeting that measures alignment.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from contracts import topics
from contracts.envelope import Envelope
from contracts.goals.v1 import ReturnedToFormulation
from contracts.reference.goals import ReturnToFormulationReason
from contracts.registry import payload_class
from runtime.testing import eventually, headers_of, json_of, read_topic, run_service

pytestmark = pytest.mark.integration

TEAM = "res-inner-east"
TODAY = datetime.now(UTC).date()
SOON = (TODAY + timedelta(days=14)).isoformat()
FAMILY = uuid.uuid4()
MUM, JAY, SISTER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
# Wording that must never leave the service in an event.
PRIVATE = "Jay has not been in school since Easter"


async def test_a_family_formulation_from_first_draft_to_a_second_version(
    broker, databases, issuer, caller, produce, referrals_events
):
    async with run_service(
        "formulation", await databases.new("formulation"), broker.bootstrap, issuer
    ) as service:
        worker = caller(
            service.client, issuer.headers("res_practitioner", team=TEAM, subject="worker-1")
        )
        supervisor = caller(service.client, issuer.headers("supervisor", subject="manager-7"))
        facilitator = caller(service.client, issuer.headers("rethink_facilitator"))

        # The referrals service allocates the family to the worker's team; until the
        # formulation service has heard, the family is not one the worker may formulate.
        await produce(referrals_events.allocated(FAMILY, TEAM))
        # The family agreed to share with the Rethink team and group supervision.
        await produce(referrals_events.consent(FAMILY))
        start = {
            "subject_kind": "family",
            "subject_id": str(FAMILY),
            "setting": "with_family",
            "held_on": TODAY.isoformat(),
            "participants": [
                {"role": "parent_carer", "person_id": str(MUM)},
                {"role": "young_person", "person_id": str(JAY)},
                {"role": "practitioner", "user_id": "worker-1"},
            ],
        }

        async def started():  # type: ignore[no-untyped-def]
            r = await service.client.post("/v1/formulations", json=start, headers=worker.headers)
            return r if r.status_code == 201 else None

        created = await eventually(started, timeout=40)
        v1 = created.json()
        worker.etags[v1["id"]] = created.headers["etag"]
        f1 = f"/v1/formulations/{v1['id']}"
        assert v1["status"] == "draft" and v1["version"] == 1 and v1["team_id"] == TEAM
        assert v1["lineage_id"] == v1["id"] and v1["previous_version_id"] is None
        mum, jay = (p["id"] for p in v1["participants"][:2])

        # Step 1-2: the school joins; the genogram records the household by person id.
        school = (
            await worker.change(
                "POST",
                f"{f1}/participants",
                {"role": "school", "agency_id": "school-42"},
                expect=201,
            )
        )["id"]
        family = await worker.change(
            "PUT",
            f"{f1}/family-structure",
            {
                "members": [
                    {"person_id": str(MUM)},
                    {"person_id": str(JAY)},
                    {"person_id": str(SISTER), "in_household": False},
                ],
                "relationships": [
                    {"from_person_id": str(MUM), "to_person_id": str(JAY), "kind": "parent_of"},
                    {
                        "from_person_id": str(JAY),
                        "to_person_id": str(SISTER),
                        "kind": "half_sibling_of",
                        "quality": "close",
                    },
                ],
            },
        )
        assert len(family["family_structure"]["members"]) == 3

        # Step 3: factors under each of the 6 Ps, whose view, main drivers.
        async def factor(p: str, text: str, **more: object) -> str:
            made = await worker.change(
                "POST", f"{f1}/factors", {"p": p, "description": text, **more}, expect=201
            )
            assert made["is_priority"] is False  # never typed in; computed later
            return str(made["id"])

        absence = await factor("presenting", PRIVATE, view_of=jay)
        outbursts = await factor("presenting", "Angry outbursts at home", view_of=mum)
        await factor("predisposing", "Moved house twice in two years")
        await factor("precipitating", "Dad left at Christmas")
        mornings = await factor("perpetuating", "Mornings end in arguments", is_main_driver=True)
        shifts = await factor("perpetuating", "Mum's shifts change weekly")
        gran = await factor("protective", "Close to his grandmother")
        await factor("predicting", "Exclusion if absence continues")
        reordered = await worker.change(
            "PUT", f"{f1}/ps/presenting/order", {"factor_ids": [outbursts, absence]}
        )
        assert [f["id"] for f in reordered["factors"]["presenting"]] == [outbursts, absence]
        assert list(reordered["factors"]) == [
            "presenting",
            "predisposing",
            "precipitating",
            "perpetuating",
            "protective",
            "predicting",
        ]

        # The 4 Ps: a priority only when all four hold.
        all_four = {
            "prerequisite": True,
            "powerful": True,
            "proximal": True,
            "participants_goals": True,
        }
        prioritised = await worker.change(
            "PUT", f"{f1}/factors/{mornings}/prioritisation", all_four
        )
        three = await worker.change(
            "PUT", f"{f1}/factors/{shifts}/prioritisation", {**all_four, "proximal": False}
        )
        by_id = {f["id"]: f for f in three["factors"]["perpetuating"]}
        assert prioritised["factors"]["perpetuating"][0]["is_priority"] is True
        assert by_id[shifts]["is_priority"] is False
        assert by_id[shifts]["prioritisation"]["criteria_met"] == 3

        await worker.change(
            "PUT", f"{f1}/hypothesis", {"text": "Mornings became a battleground after the move"}
        )
        goal = await worker.change(
            "PUT",
            f"{f1}/overall-goal",
            {"description": "Jay is in school every day", "factor_ids": [absence, mornings]},
        )
        assert goal["overall_goal"]["factor_ids"] == [absence, mornings]

        # Next steps: one walks back; one does not; and a second priority nobody addresses.
        routine = await worker.change(
            "POST",
            f"{f1}/next-steps",
            {
                "what": "Agree a morning routine together",
                "owner_participant_id": mum,
                "due_on": SOON,
                "addresses_factor_id": mornings,
                "presenting_issue_id": absence,
                "builds_on_factor_ids": [gran],
            },
            expect=201,
        )
        check_in = await worker.change(
            "POST",
            f"{f1}/next-steps",
            {
                "what": "Weekly check-in with school",
                "owner_participant_id": school,
                "due_on": SOON,
            },
            expect=201,
        )
        await worker.change("PUT", f"{f1}/factors/{shifts}/prioritisation", all_four)

        assert routine["builds_on_factor_ids"] == [gran]
        report = await worker.get(f"{f1}/walk-back")
        assert report["passed"] is False and report["can_complete"] is False
        assert [u["step_id"] for u in report["untraced_steps"]] == [check_in["id"]]
        assert set(report["untraced_steps"][0]["gaps"]) == {
            "no_perpetuating_factor",
            "no_presenting_issue",
        }
        assert report["unaddressed_priorities"] == [shifts]

        # Completing is refused with a problem that lists both gaps, and changes nothing.
        etag_before = worker.etags[v1["id"]]
        refused = await worker.change("POST", f"{f1}/complete", expect=409)
        assert refused["type"] == "/problems/formulation-not-ready-to-complete"
        assert {e["field"] for e in refused["errors"]} == {
            f"next_steps.{check_in['id']}",
            f"factors.{shifts}",
        }
        assert refused["unaddressed_priorities"] == [shifts]
        assert refused["untraced_steps"][0]["step_id"] == check_in["id"]
        still = await worker.get(f1)
        assert still["status"] == "draft" and worker.etags[v1["id"]] == etag_before

        # Mended: the check-in now addresses the second priority and the presenting issue.
        await worker.change(
            "PUT",
            f"{f1}/next-steps/{check_in['id']}",
            {
                "what": "Weekly check-in with school about mornings",
                "owner_participant_id": school,
                "due_on": SOON,
                "addresses_factor_id": shifts,
                "presenting_issue_id": outbursts,
            },
        )
        assert (await worker.get(f"{f1}/walk-back"))["passed"] is True
        done = await worker.change("POST", f"{f1}/complete")
        assert done["status"] == "completed" and done["completed_with_override"] is False
        await worker.change(
            "POST", f"{f1}/factors", {"p": "protective", "description": "x"}, expect=409
        )

        # Outcome focused supervision, part of the history.
        supervisor.etags[v1["id"]] = worker.etags[v1["id"]]
        await supervisor.change(
            "POST",
            f"{f1}/supervision-reviews",
            {"kind": "group", "plan_likely_to_achieve_goal": False},
            expect=422,
        )
        review = await supervisor.change(
            "POST",
            f"{f1}/supervision-reviews",
            {
                "kind": "group",
                "plan_likely_to_achieve_goal": False,
                "why_not": "Nothing addresses Mum's shifts directly",
                "changes": "Ask Mum's employer about fixed shifts",
            },
            expect=201,
        )
        assert review["supervisor_id"] == "manager-7"
        worker.etags[v1["id"]] = supervisor.etags[v1["id"]]
        await worker.change(
            "POST",
            f"{f1}/reflections",
            {"way_of_being": "with", "notes": "Planned it with Mum"},
            expect=201,
        )

        # Step 14: formulate again. Version 2 is a draft linked to version 1, which stands
        # until version 2 is completed.
        v2 = await worker.create(
            f"{f1}/reformulations",
            {
                "setting": "group_supervision",
                "held_on": TODAY.isoformat(),
                "carry_forward": [absence, mornings, shifts, gran],
            },
        )
        f2 = f"/v1/formulations/{v2['id']}"
        assert (v2["version"], v2["previous_version_id"], v2["lineage_id"]) == (
            2,
            v1["id"],
            v1["id"],
        )
        carried = {f["carried_from"]: f["id"] for p in v2["factors"].values() for f in p}
        assert set(carried) == {absence, mornings, shifts, gran}
        assert (await worker.get(f1))["status"] == "completed"

        voice = (
            await worker.change("POST", f"{f2}/participants", {"role": "family_voice"}, expect=201)
        )["id"]
        await worker.change("PUT", f"{f2}/factors/{carried[mornings]}/prioritisation", all_four)
        await worker.change("DELETE", f"{f2}/factors/{carried[shifts]}")
        sleep = await factor_in(worker, f2, "perpetuating", "Jay games until 2am")
        await worker.change("PUT", f"{f2}/factors/{sleep}/prioritisation", all_four)
        await worker.change(
            "PUT", f"{f2}/hypothesis", {"text": "Late nights, not the move, keep mornings hard"}
        )
        await worker.change(
            "PUT",
            f"{f2}/overall-goal",
            {"description": "Jay is in school every day", "factor_ids": [carried[absence]]},
        )
        await worker.change(
            "POST",
            f"{f2}/next-steps",
            {
                "what": "Agree a bedtime together",
                "owner_participant_id": voice,
                "due_on": SOON,
                "addresses_factor_id": sleep,
                "presenting_issue_id": carried[absence],
                "builds_on_factor_ids": [carried[gran]],
            },
            expect=201,
        )
        # The carried mornings priority has no step: a supervisor records why that is fine.
        await worker.change("POST", f"{f2}/complete", expect=409)
        await worker.change("POST", f"{f2}/walk-back/override", {"reason": "x"}, expect=403)
        supervisor.etags[v2["id"]] = worker.etags[v2["id"]]
        overridden = await supervisor.change(
            "POST",
            f"{f2}/walk-back/override",
            {"reason": "The morning routine from version 1 carries on"},
        )
        assert overridden["walk_back_overrides"][0]["unaddressed_priorities"] == [carried[mornings]]
        worker.etags[v2["id"]] = supervisor.etags[v2["id"]]
        done2 = await worker.change("POST", f"{f2}/complete")
        assert done2["status"] == "completed" and done2["completed_with_override"] is True

        superseded = await worker.get(f1)
        assert superseded["status"] == "superseded"
        assert superseded["superseded_by_id"] == v2["id"]
        assert superseded["hypothesis"] == "Mornings became a battleground after the move"

        changes = await worker.get(f"{f2}/compare", **{"with": v1["id"]})
        assert (changes["before"]["version"], changes["after"]["version"]) == (1, 2)
        assert changes["has_changes"] is True
        perpetuating = next(d for d in changes["factors"] if d["p"] == "perpetuating")
        assert [a["description"] for a in perpetuating["added"]] == ["Jay games until 2am"]
        assert [r["description"] for r in perpetuating["removed"]] == ["Mum's shifts change weekly"]
        assert [
            r["description"]
            for r in next(d for d in changes["factors"] if d["p"] == "presenting")["removed"]
        ] == ["Angry outbursts at home"]
        assert changes["hypothesis"]["changed"] is True
        assert {s["what"] for s in changes["steps_added"]} == {"Agree a bedtime together"}

        history = await worker.get(f"{f2}/history")
        assert [(v["version"], v["status"]) for v in history["versions"]] == [
            (1, "superseded"),
            (2, "completed"),
        ]
        assert history["versions"][0]["supervision_reviews"][0]["why_not"].startswith("Nothing")

        page1 = await worker.get("/v1/formulations", family_id=str(FAMILY), limit=1)
        page2 = await worker.get(
            "/v1/formulations", family_id=str(FAMILY), limit=1, cursor=page1["next_cursor"]
        )
        assert {page1["items"][0]["id"], page2["items"][0]["id"]} == {v1["id"], v2["id"]}
        assert page2["next_cursor"] is None
        other_team = caller(service.client, issuer.headers("res_manager", team="res-jess"))
        await other_team.get(f1, expect=404)
        assert (await other_team.get("/v1/formulations", family_id=str(FAMILY)))["items"] == []

        # Practice and Progress: alignment scored at the start and the end.
        meeting = await facilitator.create(
            "/v1/meetings",
            {
                "setting": "practice_and_progress",
                "held_on": TODAY.isoformat(),
                "formulation_id": v2["id"],
                "participants": [
                    {"role": "parent_carer", "person_id": str(MUM)},
                    {"role": "school", "agency_id": "school-42"},
                    {"role": "social_worker", "user_id": "sw-9"},
                ],
            },
        )
        assert meeting["family_id"] == str(FAMILY) and meeting["team_id"] == TEAM
        m = f"/v1/meetings/{meeting['id']}"
        people = [p["id"] for p in meeting["participants"]]
        await facilitator.change(
            "PUT",
            f"{m}/alignment-scores/start",
            {
                "scores": [
                    {"participant_id": pid, "score": s}
                    for pid, s in zip(people, [2, 9, 6], strict=True)
                ]
            },
        )
        await facilitator.change(
            "PUT",
            f"{m}/alignment-scores/end",
            {
                "scores": [
                    {"participant_id": pid, "score": s}
                    for pid, s in zip(people, [5, 7, 6], strict=True)
                ]
            },
        )
        measured = await facilitator.change("POST", f"{m}/alignment")
        alignment = measured["alignment"]
        assert alignment["before"]["range"] == 7 and alignment["after"]["range"] == 2
        assert alignment["after"]["standard_deviation"] < alignment["before"]["standard_deviation"]
        assert alignment["moved_closer"] is True
        await facilitator.change(
            "PUT",
            f"{m}/alignment-scores/end",
            {"scores": [{"participant_id": people[0], "score": 1}]},
            expect=409,
        )
        await facilitator.change(
            "PUT",
            f"{m}/fair-process",
            {
                "checks": [
                    {"principle": "engagement", "met": True},
                    {"principle": "explanation", "met": True},
                    {
                        "principle": "expectation_clarity",
                        "met": False,
                        "notes": "Next review unclear",
                    },
                ]
            },
        )
        await facilitator.change("POST", f"{m}/reflections", {"way_of_being": "for"}, expect=201)

        # The family's meetings are listed for its team; another team sees none of them.
        listed = await worker.get("/v1/meetings", family_id=str(FAMILY))
        assert [(x["id"], x["setting"]) for x in listed["items"]] == [
            (meeting["id"], "practice_and_progress")
        ]
        assert listed["next_cursor"] is None
        assert (await worker.get("/v1/meetings", setting="rethink_space"))["items"] == []
        assert (await other_team.get("/v1/meetings", family_id=str(FAMILY)))["items"] == []
        # A formulations cursor is not a meetings cursor.
        await worker.get("/v1/meetings", cursor=page1["next_cursor"], expect=400)

        # Step 14: the family's plan did not progress and the goals service sends it back.
        # Version 3 opens as a draft with every factor of version 2 carried forward; the same
        # news delivered again opens nothing more.
        returned = ReturnedToFormulation(
            plan_id=uuid.uuid4(),
            family_id=FAMILY,
            formulation_id=uuid.UUID(v2["id"]),
            reason=ReturnToFormulationReason.NO_PROGRESS_ON_OVERALL_GOAL,
            returned_on=TODAY,
            returned_at=datetime.now(UTC),
        )
        first = await produce(returned, envelope=Envelope.wrap(returned, source="/services/goals"))
        await produce(returned, envelope=first)

        async def third_version():  # type: ignore[no-untyped-def]
            versions = (await worker.get(f"{f2}/history"))["versions"]
            return versions if len(versions) == 3 else None

        versions = await eventually(third_version, timeout=40)
        v3 = versions[2]
        assert (v3["version"], v3["status"], v3["previous_version_id"]) == (3, "draft", v2["id"])
        v2_factors = {f["id"] for p in done2["factors"].values() for f in p}
        assert {f["carried_from"] for p in v3["factors"].values() for f in p} == v2_factors
        consumer = service.workers.consumer
        await eventually(lambda: consumer.stats.duplicates >= 1, timeout=40)

        await eventually(lambda: _published(service), timeout=30)

    formulation_events = await read_topic(broker.bootstrap, topics.FORMULATION_FORMULATION, 11)
    assert [
        (headers_of(r)["ce_type"].split(".")[2], json_of(r)["version"]) for r in formulation_events
    ] == [
        ("started", 1),
        ("completed", 1),
        ("next_steps_agreed", 1),
        ("supervision_reviewed", 1),
        ("four_ways_reflection_recorded", 1),
        ("started", 2),
        ("walk_back_overridden", 2),
        ("completed", 2),
        ("next_steps_agreed", 2),
        ("superseded", 1),
        ("started", 3),
    ]
    meeting_events = await read_topic(broker.bootstrap, topics.FORMULATION_MEETING, 4)
    assert [headers_of(r)["ce_type"] for r in meeting_events] == [
        "formulation.meeting.held.v1",
        "formulation.meeting.alignment_measured.v1",
        "formulation.meeting.fair_process_checked.v1",
        "formulation.meeting.four_ways_reflection_recorded.v1",
    ]
    for record in [*formulation_events, *meeting_events]:
        payload = payload_class(headers_of(record)["ce_type"]).model_validate(json_of(record))
        assert record.key.decode() == payload.aggregate_id()
        assert PRIVATE.encode() not in record.value
    completed = [
        json_of(r) for r in formulation_events if headers_of(r)["ce_type"].endswith("completed.v1")
    ]
    assert completed[0]["walk_back_passed"] is True
    assert completed[1]["walk_back_overridden"] is True
    assert completed[0]["factor_counts"]["perpetuating"] == 2
    assert json_of(meeting_events[1])["moved_closer"] is True


async def factor_in(worker, path: str, p: str, text: str) -> str:  # type: ignore[no-untyped-def]
    made = await worker.change("POST", f"{path}/factors", {"p": p, "description": text}, expect=201)
    return str(made["id"])


async def _published(service) -> bool:  # type: ignore[no-untyped-def]
    from runtime.outbox import pending_count

    return await pending_count(service.db, service.app.state.tables) == 0
