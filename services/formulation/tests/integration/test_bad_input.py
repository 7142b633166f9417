"""Bad input gets a problem response naming what is wrong, and stores and emits nothing: on both
databases, one service start each, every case against the same records.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from formulation.adapters import orm
from runtime.testing import run_service
from sqlalchemy import func, select

pytestmark = pytest.mark.integration

TODAY = datetime.now(UTC).date()
CURRENT = "the ETag last read"
ALL_FOUR = {"prerequisite": True, "powerful": True, "proximal": True, "participants_goals": True}


@dataclass(frozen=True)
class Bad:
    """One bad request, and the problem it must get."""

    label: str
    method: str
    path: str
    body: object
    status: int
    problem: str
    field: str | None = None
    if_match: str | None = CURRENT


def _start(**more: object) -> dict[str, object]:
    return {
        "subject_kind": "family",
        "subject_id": str(uuid.uuid4()),
        "setting": "with_family",
        "held_on": TODAY.isoformat(),
        **more,
    }


async def _counts(service) -> dict[str, int]:  # type: ignore[no-untyped-def]
    async with service.db.sessions() as session:
        return {
            t.name: int(await session.scalar(select(func.count()).select_from(t)) or 0)
            for t in (orm.formulations, orm.meetings, orm.platform.outbox)
        }


async def test_bad_input_gets_a_problem_and_changes_nothing(broker, databases, issuer, caller):
    async with run_service(
        "formulation", await databases.new("formulation"), broker.bootstrap, issuer
    ) as service:
        me = caller(service.client, issuer.headers("duty_advice"))
        a = await me.create("/v1/formulations", _start(participants=[{"role": "parent_carer"}]))
        A = f"/v1/formulations/{a['id']}"
        parent = a["participants"][0]["id"]
        presenting = (
            await me.change(
                "POST",
                f"{A}/factors",
                {"p": "presenting", "description": "Not in school"},
                expect=201,
            )
        )["id"]
        perpetuating = (
            await me.change(
                "POST",
                f"{A}/factors",
                {"p": "perpetuating", "description": "Late nights"},
                expect=201,
            )
        )["id"]
        b = await me.create("/v1/formulations", _start())
        elsewhere = (
            await me.change(
                "POST",
                f"/v1/formulations/{b['id']}/factors",
                {"p": "perpetuating", "description": "Someone else's"},
                expect=201,
            )
        )["id"]

        c = await me.create("/v1/formulations", _start(participants=[{"role": "parent_carer"}]))
        C = f"/v1/formulations/{c['id']}"
        issue = (
            await me.change(
                "POST",
                f"{C}/factors",
                {"p": "presenting", "description": "Not in school"},
                expect=201,
            )
        )["id"]
        await me.change("PUT", f"{C}/hypothesis", {"text": "Mornings are hard"})
        await me.change(
            "PUT", f"{C}/overall-goal", {"description": "In school", "factor_ids": [issue]}
        )
        await me.change("POST", f"{C}/complete")

        m = await me.create(
            "/v1/meetings",
            {
                "setting": "practice_and_progress",
                "held_on": TODAY.isoformat(),
                "participants": [{"role": "parent_carer"}],
            },
        )
        M = f"/v1/meetings/{m['id']}"
        someone = m["participants"][0]["id"]

        step = {
            "what": "Bedtime plan",
            "owner_participant_id": parent,
            "due_on": (TODAY + timedelta(days=7)).isoformat(),
        }
        future = (TODAY + timedelta(days=30)).isoformat()
        cases = [
            Bad("unknown P", "POST", f"{A}/factors", {"p": "pernicious", "description": "x"},
                422, "validation-error", "p"),
            Bad("unknown P in the path", "PUT", f"{A}/ps/pernicious/order", {"factor_ids": []},
                422, "validation-error", "p"),
            Bad("priority typed in on a new factor", "POST", f"{A}/factors",
                {"p": "perpetuating", "description": "x", "is_priority": True},
                422, "validation-error", "is_priority"),
            Bad("priority typed in beside the 4 Ps", "PUT",
                f"{A}/factors/{perpetuating}/prioritisation", {**ALL_FOUR, "is_priority": True},
                422, "validation-error", "is_priority"),
            Bad("priority typed in on a factor", "PATCH", f"{A}/factors/{perpetuating}",
                {"is_priority": True}, 422, "validation-error", "is_priority"),
            Bad("a 4 Ps assessment missing a P", "PUT",
                f"{A}/factors/{perpetuating}/prioritisation", {"prerequisite": True},
                422, "validation-error", "powerful"),
            Bad("4 Ps on a presenting factor", "PUT", f"{A}/factors/{presenting}/prioritisation",
                ALL_FOUR, 422, "prioritisation-needs-perpetuating-factor"),
            Bad("a step addressing another formulation's factor", "POST", f"{A}/next-steps",
                {**step, "addresses_factor_id": elsewhere},
                422, "factor-not-in-formulation", "addresses_factor_id"),
            Bad("a step owned by nobody taking part", "POST", f"{A}/next-steps",
                {**step, "owner_participant_id": str(uuid.uuid4())},
                422, "unknown-participant", "owner_participant_id"),
            Bad("a goal relating to another formulation's factor", "PUT", f"{A}/overall-goal",
                {"description": "In school", "factor_ids": [elsewhere]},
                422, "factor-not-in-formulation", "factor_ids"),
            Bad("a goal relating to no factor", "PUT", f"{A}/overall-goal",
                {"description": "In school", "factor_ids": []},
                422, "overall-goal-needs-factor", "factor_ids"),
            Bad("a blank hypothesis", "PUT", f"{A}/hypothesis", {"text": "   "},
                422, "text-required", "hypothesis"),
            Bad("an over-long factor", "POST", f"{A}/factors",
                {"p": "protective", "description": "x" * 2001},
                422, "validation-error", "description"),
            Bad("a stale If-Match", "PUT", f"{A}/hypothesis", {"text": "Late nights"},
                412, "precondition-failed", if_match='"0"'),
            Bad("no If-Match", "PUT", f"{A}/hypothesis", {"text": "Late nights"},
                428, "precondition-required", if_match=None),
            Bad("a factor added to a completed version", "POST", f"{C}/factors",
                {"p": "protective", "description": "Gran"}, 409, "formulation-not-draft"),
            Bad("a completed version's hypothesis", "PUT", f"{C}/hypothesis", {"text": "New"},
                409, "formulation-not-draft"),
            Bad("a completed version completed again", "POST", f"{C}/complete", None,
                409, "formulation-not-draft"),
            Bad("a draft re-formulated", "POST", f"{A}/reformulations",
                {"setting": "with_family", "held_on": TODAY.isoformat()},
                409, "cannot-reformulate", if_match=None),
            Bad("a formulation held in the future", "POST", "/v1/formulations",
                _start(held_on=future), 422, "invalid-practice-date", "held_on", if_match=None),
            Bad("an unknown team", "POST", "/v1/formulations", _start(team_id="res-atlantis"),
                422, "validation-error", "team_id", if_match=None),
            Bad("a family formulation about another family", "POST", "/v1/formulations",
                _start(family_id=str(uuid.uuid4())), 422, "invalid-subject", "family_id",
                if_match=None),
            Bad("a meeting that is not facilitated", "POST", "/v1/meetings",
                {"setting": "with_family", "held_on": TODAY.isoformat()},
                422, "not-a-meeting-setting", "setting", if_match=None),
            Bad("an alignment score out of range", "PUT", f"{M}/alignment-scores/start",
                {"scores": [{"participant_id": someone, "score": 11}]},
                422, "alignment-score-out-of-range", "score"),
            Bad("an unknown alignment moment", "PUT", f"{M}/alignment-scores/middle",
                {"scores": [{"participant_id": someone, "score": 5}]},
                422, "validation-error", "moment"),
            Bad("NUL in a factor", "POST", f"{A}/factors",
                {"p": "protective", "description": "Gran\u0000"},
                422, "validation-error", "description"),
            Bad("ESC in a next step", "POST", f"{A}/next-steps",
                {**step, "what": "\u001b[2J"}, 422, "validation-error", "what"),
            Bad("a right-to-left override in a hypothesis", "PUT", f"{A}/hypothesis",
                {"text": "Late \u202eecnetnes"}, 422, "validation-error", "text"),
            Bad("a 4 Ps answer given as 1, not true", "PUT",
                f"{A}/factors/{perpetuating}/prioritisation", {**ALL_FOUR, "powerful": 1},
                422, "validation-error", "powerful"),
            Bad("considered none given as \"yes\"", "PUT", f"{A}/ps/protective/considered-none",
                {"considered_none": "yes"}, 422, "validation-error", "considered_none"),
            Bad("a key given twice", "PUT", f"{A}/hypothesis",
                b'{"text": "Mornings", "text": "Evenings"}', 422, "validation-error", "text"),
        ]  # fmt: skip

        before = await _counts(service)
        revisions = {path: await me.get(path) for path in (A, C, M)}
        for case in cases:
            headers = dict(me.headers)
            if case.if_match == CURRENT:
                headers["If-Match"] = me.etags[case.path.split("/")[3]]
            elif case.if_match is not None:
                headers["If-Match"] = case.if_match
            if isinstance(case.body, bytes):
                headers["content-type"] = "application/json"
                response = await service.client.request(
                    case.method, case.path, content=case.body, headers=headers
                )
            else:
                response = await service.client.request(
                    case.method, case.path, json=case.body, headers=headers
                )
            assert response.status_code == case.status, f"{case.label}: {response.text}"
            assert response.headers["content-type"] == "application/problem+json", case.label
            found = response.json()
            assert found["type"] == f"/problems/{case.problem}", f"{case.label}: {found}"
            if case.field is not None:
                named = {e["field"].split(".")[-1] for e in found["errors"]}
                assert case.field in named, f"{case.label}: {found}"

        assert await _counts(service) == before
        for path, was in revisions.items():
            assert await me.get(path) == was, path
