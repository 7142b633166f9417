"""Importing the front door's history: 300 referrals from the documented file, twice with the
same result, audited, on the stream; a bad row refuses the whole file and stores nothing."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from referrals.adapters import orm
from runtime.testing import headers_of, json_of, read_topic, run_service
from sqlalchemy import select

pytestmark = pytest.mark.integration

FILE = Path(__file__).parents[4] / "tests" / "data" / "history" / "referrals.json"
TEAMS = ("res-2gether", "res-inner-east", "res-jess")


def history() -> dict[str, Any]:
    return dict(json.loads(FILE.read_text()))


async def register_lead_workers(api: Any, admin: dict[str, str]) -> None:
    for team in TEAMS:
        for n in range(3):
            r = await api.post(
                f"/v1/teams/{team}/workers",
                json={
                    "worker_id": f"mosaic:{team}-{n}",
                    "role": "social_worker",
                    "caseload_limit": 20,
                },
                headers=admin,
            )
            assert r.status_code == 201, r.text


async def test_the_history_imports_once_however_often_it_is_sent(broker, databases, issuer):
    admin = issuer.headers("admin", subject="user:records-officer")
    doc = history()
    async with run_service(
        "referrals", await databases.new("referrals"), broker.bootstrap, issuer
    ) as referrals:
        api = referrals.client
        await register_lead_workers(api, admin)
        first = await api.post("/v1/admin/imports", json=doc, headers=admin)
        assert first.status_code == 200, first.text
        assert len(first.json()["imported"]) == 300
        assert first.json()["already_imported"] == []
        after_first = await referrals.fingerprint(orm.metadata)
        assert after_first["contacts"][0] == 300

        again = await api.post("/v1/admin/imports", json=doc, headers=admin)
        assert again.status_code == 200, again.text
        assert again.json()["imported"] == []
        assert sorted(again.json()["already_imported"]) == sorted(
            r["import_id"] for r in doc["referrals"]
        )
        assert await referrals.fingerprint(orm.metadata) == after_first

        # Who imported what: an entry for each imported contact, once, the administrator's.
        contact_id = first.json()["contact_ids"][0]
        audit = await api.get("/v1/audit", params={"record_id": contact_id}, headers=admin)
        assert audit.status_code == 200, audit.text
        imports = [e for e in audit.json()["items"] if e["action"] == "import"]
        assert [e["subject"] for e in imports] == ["user:records-officer"]

        # On the stream: each row's contact opened and decided once, dated as it happened.
        async with referrals.db.sessions() as s:
            states = (await s.scalars(select(orm.contacts.c.state))).all()
        # Opened, the conversation and the decision for each row, and each child's re-referral.
        flags = sum(len(state["rereferrals"]) for state in states)
        assert flags > 0
        expected = 3 * 300 + flags
        records = await read_topic(
            broker.bootstrap, "referrals.contact.events", expected, timeout=120
        )
        assert len(records) == expected
        types = [headers_of(r)["ce_type"] for r in records]
        opened = [json_of(r) for r, t in zip(records, types, strict=True) if "opened" in t]
        decided = [json_of(r) for r, t in zip(records, types, strict=True) if "decision" in t]
        assert len(opened) == len(decided) == 300
        assert sorted(e["opened_on"] for e in opened) == sorted(
            r["contacted_on"] for r in doc["referrals"]
        )
        assert sorted(e["decided_on"] for e in decided) == sorted(
            r["decision"]["decided_on"] for r in doc["referrals"]
        )


def _latest_row(doc: dict[str, Any], accepted: bool = True) -> int:
    """The row imported last of its kind: refusing it must undo every row before it."""
    rows = [
        (r["contacted_on"], i)
        for i, r in enumerate(doc["referrals"])
        if ("allocation" in r) == accepted
    ]
    return max(rows)[1]


async def test_a_bad_row_refuses_the_whole_file_naming_the_row_and_field(broker, databases, issuer):
    admin = issuer.headers("admin")
    async with run_service(
        "referrals", await databases.new("referrals"), broker.bootstrap, issuer
    ) as referrals:
        api = referrals.client
        await register_lead_workers(api, admin)
        before = await referrals.fingerprint(orm.metadata)
        last = _latest_row(history())

        def broken(change: Any) -> dict[str, Any]:
            doc = copy.deepcopy(history())
            change(doc["referrals"])
            return doc

        cases = [
            # (the file, the problem type, the field named)
            (
                broken(lambda rows: rows[7].update(contacted_on="2018-02-30")),
                "validation-error",
                "referrals.7.contacted_on",
            ),
            (
                broken(lambda rows: rows[3]["decision"].pop("rationale")),
                "validation-error",
                "referrals.3.decision.rationale",
            ),
            (
                broken(lambda rows: rows[5]["decision"].update(decided_on="2016-12-31")),
                "import-refused",
                "referrals.5.decision.decided_on",
            ),
            (
                broken(lambda rows: rows[9].update(contacted_on="2999-01-01")),
                "import-refused",
                "referrals.9.contacted_on",
            ),
            (
                broken(lambda rows: rows[last]["allocation"].update(lead_worker_id="nobody")),
                "import-refused",
                f"referrals.{last}.allocation.lead_worker_id",
            ),
        ]
        # A file larger than any other request body is read whole (and refused for its row).
        doubled = history()
        again = copy.deepcopy(doubled["referrals"])
        for row in again:
            row["import_id"] += "-2"
            row["family_import_id"] += "-2"
            for person in row["children"] + row["adults"]:
                person["import_id"] += "-2"
        doubled["referrals"] += again
        doubled["referrals"][-1]["contacted_on"] = "2999-01-01"
        assert len(json.dumps(doubled)) > referrals.app.state.settings.platform.max_body_bytes
        cases.append((doubled, "import-refused", "referrals.599.contacted_on"))
        for doc, problem, field in cases:
            r = await api.post("/v1/admin/imports", json=doc, headers=admin)
            assert r.status_code == 422, (field, r.text)
            body = r.json()
            assert body["type"] == f"/problems/{problem}", body
            assert field in [e["field"] for e in body["errors"]], body
            assert await referrals.fingerprint(orm.metadata) == before, field
