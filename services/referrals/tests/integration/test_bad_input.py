"""Bad input on every write endpoint gets a problem naming the field, and changes nothing.

One service start per database: the cases run in a loop against records set up once, and after
each the tables (rows and versions) and the outbox are exactly as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from referrals.adapters import orm
from runtime.testing import run_service

pytestmark = pytest.mark.integration

TOMORROW = (date.today() + timedelta(days=1)).isoformat()
TOO_LONG = "x" * 4001
NOT_A_UUID = "not-a-uuid"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
NUL, ESC, RLO = "Hart\u0000", "\u001b[2JHart", "Hart\u202egnp.exe"


@dataclass(frozen=True)
class RawJson:
    """A body sent as these bytes, for what `json=` cannot say (a key given twice)."""

    raw: bytes


CONSENT = {"status": "given", "includes_rethink_team": True, "includes_group_supervision": True}


async def test_bad_input_on_every_write_endpoint_is_refused_naming_the_field(
    broker, databases, issuer
):
    duty = issuer.headers("duty_advice")
    admin = issuer.headers("admin")
    async with run_service(
        "referrals", await databases.new("referrals"), broker.bootstrap, issuer
    ) as referrals:
        api = referrals.client

        # -- records to aim the bad requests at ----------------------------------------------------
        async def post(path: str, body: dict[str, Any], headers: dict[str, str] = duty) -> Any:
            r = await api.post(path, json=body, headers=headers)
            assert r.status_code == 201, r.text
            return r

        child = (
            await post(
                "/v1/people",
                {"kind": "child", "family_name": "Hart", "date_of_birth": "2015-01-01"},
            )
        ).json()
        adult = (await post("/v1/people", {"kind": "adult", "family_name": "Hart"})).json()
        family = (await post("/v1/families", {"member_ids": [child["person_id"]]})).json()
        await post(
            "/v1/teams/res-jess/workers", {"worker_id": "sw-j", "role": "social_worker"}, admin
        )
        accepted = (
            await post("/v1/contacts", {"source": "early_help_hub", "cluster_id": "jess"})
        ).json()
        r = await post(
            f"/v1/contacts/{accepted['contact_id']}/conversations",
            {
                "child_ids": [child["person_id"]],
                "family_id": family["family_id"],
                "consent": CONSENT,
            },
            {**duty, "If-Match": '"1"'},
        )
        decided = await post(
            f"/v1/contacts/{accepted['contact_id']}/decision",
            {
                "decision_type": "accept_for_res_early_help",
                "rationale": "r",
                "explanation_for_referrer": "e",
            },
            {**duty, "If-Match": r.headers["ETag"]},
        )
        allocation = decided.json()["allocation"]
        contact = (await post("/v1/contacts", {"source": "parent_or_carer"})).json()

        c, p, f = contact["contact_id"], child["person_id"], family["family_id"]
        a = allocation["allocation_id"]
        conversations = f"/v1/contacts/{c}/conversations"
        cases: list[tuple[str, str, Any, str, str]] = [
            # method, path, body, the field named, If-Match
            ("POST", "/v1/contacts", {}, "source", ""),
            ("POST", "/v1/contacts", {"source": "carrier_pigeon"}, "source", ""),
            (
                "POST",
                "/v1/contacts",
                {"source": "other_agency", "cluster_id": "atlantis"},
                "cluster_id",
                "",
            ),
            ("POST", "/v1/contacts", {"source": "other_agency", "worry": TOO_LONG}, "worry", ""),
            (
                "POST",
                "/v1/contacts",
                {"source": "other_agency", "caller": {"name": 7}},
                "caller.name",
                "",
            ),
            (
                "POST",
                "/v1/contacts",
                {"source": "other_agency", "caller": {"person_id": UNKNOWN_ID}},
                "caller.person_id",
                "",
            ),
            ("POST", conversations, {"child_ids": [NOT_A_UUID]}, "child_ids.0", '"1"'),
            ("POST", conversations, {"child_ids": [UNKNOWN_ID]}, "child_ids", '"1"'),
            ("POST", conversations, {"child_ids": [adult["person_id"]]}, "child_ids", '"1"'),
            ("POST", conversations, {"family_id": UNKNOWN_ID}, "family_id", '"1"'),
            ("POST", conversations, {"urgency": "whenever"}, "urgency", '"1"'),
            ("POST", conversations, {"consent": {}}, "consent.status", '"1"'),
            ("POST", conversations, {"summary": TOO_LONG}, "summary", '"1"'),
            ("POST", conversations, {"recorded_at": f"{TOMORROW}T09:00:00Z"}, "recorded_at", '"1"'),
            ("POST", conversations, {"tried": [{"by_whom": "school"}]}, "tried.0.what", '"1"'),
            ("POST", conversations, {"cluster_id": "atlantis"}, "cluster_id", '"1"'),
            (
                "POST",
                conversations,
                {"early_help_offer_in_place": "perhaps"},
                "early_help_offer_in_place",
                '"1"',
            ),
            ("POST", f"/v1/contacts/{c}/decision", {}, "decision_type", '"1"'),
            (
                "POST",
                f"/v1/contacts/{c}/decision",
                {"decision_type": "shrug"},
                "decision_type",
                '"1"',
            ),
            (
                "POST",
                f"/v1/contacts/{c}/decision",
                {"decision_type": "no_further_action", "rationale": TOO_LONG},
                "rationale",
                '"1"',
            ),
            # The decision checks what it needs: every missing field is listed at once.
            (
                "POST",
                f"/v1/contacts/{c}/decision",
                {"decision_type": "accept_for_res_early_help"},
                "consent",
                '"1"',
            ),
            ("POST", "/v1/people", {"family_name": "Hart"}, "kind", ""),
            ("POST", "/v1/people", {"kind": "alien", "family_name": "Hart"}, "kind", ""),
            (
                "POST",
                "/v1/people",
                {"kind": "child", "family_name": "Hart", "date_of_birth": TOMORROW},
                "date_of_birth",
                "",
            ),
            (
                "POST",
                "/v1/people",
                {"kind": "child", "family_name": "Hart", "date_of_birth": "last spring"},
                "date_of_birth",
                "",
            ),
            (
                "POST",
                "/v1/people",
                {"kind": "child", "family_name": "Hart", "nhs_number": "1234567890"},
                "nhs_number",
                "",
            ),
            (
                "POST",
                "/v1/people",
                {"kind": "child", "family_name": "Hart", "postcode": "NOT A CODE"},
                "postcode",
                "",
            ),
            ("POST", "/v1/people", {"kind": "child", "family_name": "x" * 201}, "family_name", ""),
            (
                "POST",
                "/v1/people",
                {"kind": "child", "date_of_birth": "2015-01-01"},
                "family_name",
                "",
            ),
            (
                "POST",
                "/v1/people",
                {"kind": "child", "family_name": "Hart", "confirmed_distinct_from": [NOT_A_UUID]},
                "confirmed_distinct_from.0",
                "",
            ),
            (
                "POST",
                "/v1/people/matches",
                {"family_name": "Hart", "date_of_birth": TOMORROW},
                "date_of_birth",
                "",
            ),
            ("PATCH", f"/v1/people/{p}", {"date_of_birth": TOMORROW}, "date_of_birth", '"1"'),
            ("PATCH", f"/v1/people/{p}", {"nhs_number": "1234567890"}, "nhs_number", '"1"'),
            ("PATCH", f"/v1/people/{p}", {"family_name": None}, "family_name", '"1"'),
            ("PATCH", f"/v1/people/{p}", {"eye_colour": "blue"}, "eye_colour", '"1"'),
            ("POST", "/v1/families", {"member_ids": []}, "member_ids", ""),
            ("POST", "/v1/families", {"member_ids": [UNKNOWN_ID]}, "member_ids[0]", ""),
            ("POST", "/v1/families", {"member_ids": [adult["person_id"]]}, "members", ""),
            (
                "POST",
                "/v1/families",
                {
                    "member_ids": [p],
                    "relationships": [
                        {"person_id": p, "related_person_id": adult["person_id"], "kind": "cousin"}
                    ],
                },
                "relationships.0.kind",
                "",
            ),
            (
                "PATCH",
                f"/v1/families/{f}",
                {"add_member_ids": [UNKNOWN_ID]},
                "add_member_ids[0]",
                '"1"',
            ),
            (
                "PATCH",
                f"/v1/families/{f}",
                {
                    "relationships": [
                        {"person_id": p, "related_person_id": adult["person_id"], "kind": "parent"}
                    ]
                },
                "related_person_id",
                '"1"',
            ),
            ("POST", "/v1/teams/res-jess/workers", {"role": "social_worker"}, "worker_id", ""),
            (
                "POST",
                "/v1/teams/res-jess/workers",
                {"worker_id": "a b", "role": "social_worker"},
                "worker_id",
                "",
            ),
            (
                "POST",
                "/v1/teams/res-jess/workers",
                {"worker_id": "w2", "role": "wizard"},
                "role",
                "",
            ),
            (
                "POST",
                "/v1/teams/res-jess/workers",
                {"worker_id": "w2", "role": "social_worker", "caseload_limit": 0},
                "caseload_limit",
                "",
            ),
            (
                "PATCH",
                "/v1/teams/res-jess/workers/sw-j",
                {"caseload_limit": "many"},
                "caseload_limit",
                '"1"',
            ),
            ("POST", f"/v1/allocations/{a}/reallocation", {"reason": "boredom"}, "reason", '"1"'),
            (
                "POST",
                f"/v1/allocations/{a}/reallocation",
                {"reason": "caseload_balance", "worker_id": "nobody"},
                "worker_id",
                '"1"',
            ),
            (
                "POST",
                f"/v1/allocations/{a}/closure",
                {"closed_on": TOMORROW, "reason": "goals_achieved"},
                "closed_on",
                '"1"',
            ),
            (
                "POST",
                f"/v1/allocations/{a}/closure",
                {"closed_on": date.today().isoformat(), "reason": "bored"},
                "reason",
                '"1"',
            ),
        ]
        # Input that would corrupt the record: control and direction-override characters in
        # any text, a key given twice (the parser must not pick one), a date of birth no living
        # person has.
        for bad_text in (NUL, ESC, RLO):
            cases += [
                (
                    "POST",
                    "/v1/contacts",
                    {"source": "other_agency", "worry": bad_text},
                    "worry",
                    "",
                ),
                (
                    "POST",
                    "/v1/contacts",
                    {"source": "other_agency", "caller": {"name": bad_text}},
                    "caller.name",
                    "",
                ),
                ("POST", conversations, {"tried": [{"what": bad_text}]}, "tried.0.what", '"1"'),
                (
                    "POST",
                    "/v1/people",
                    {"kind": "child", "family_name": bad_text},
                    "family_name",
                    "",
                ),
                ("PATCH", f"/v1/people/{p}", {"given_name": bad_text}, "given_name", '"1"'),
            ]
        cases += [
            (
                "POST",
                "/v1/contacts",
                RawJson(b'{"source": "other_agency", "source": "duty_and_advice"}'),
                "source",
                "",
            ),
            (
                "POST",
                "/v1/contacts",
                RawJson(b'{"source": "other_agency", "caller": {"name": "A", "name": "B"}}'),
                "caller.name",
                "",
            ),
            (
                "PATCH",
                f"/v1/people/{p}",
                RawJson(b'{"family_name": "Hart", "family_name": "Smith"}'),
                "family_name",
                '"1"',
            ),
            (
                "POST",
                "/v1/people",
                {"kind": "child", "family_name": "Hart", "date_of_birth": "1800-01-01"},
                "date_of_birth",
                "",
            ),
            ("PATCH", f"/v1/people/{p}", {"date_of_birth": "1800-01-01"}, "date_of_birth", '"1"'),
            (
                "POST",
                "/v1/people/matches",
                {"family_name": "Hart", "date_of_birth": "1800-01-01"},
                "date_of_birth",
                "",
            ),
        ]
        # A partner system opens contacts as what it is, never as the front door or a panel.
        school = issuer.headers("partner", agency="school-bad", scopes=["referrals:create"])
        for claimed in ("duty_and_advice", "allocations_panel", "early_help_hub"):
            cases.append(("POST", "/v1/contacts", {"source": claimed}, "source", "partner"))
        before = await referrals.fingerprint(orm.metadata)
        for method, path, body, field, etag in cases:
            headers = {**(admin if "/teams/" in path or "/allocations/" in path else duty)}
            if etag == "partner":
                headers, etag = school, ""
            if etag:
                headers["If-Match"] = etag
            if isinstance(body, RawJson):
                r = await api.request(
                    method,
                    path,
                    content=body.raw,
                    headers={**headers, "content-type": "application/json"},
                )
            else:
                r = await api.request(method, path, json=body, headers=headers)
            where = f"{method} {path} {body}"[:200]
            assert r.status_code in (409, 422), (where, r.status_code, r.text)
            assert r.headers["content-type"] == "application/problem+json", where
            named = [e["field"] for e in r.json().get("errors", [])]
            assert any(n == field or n.startswith((field + ".", field + "[")) for n in named), (
                where,
                named,
            )
            assert await referrals.fingerprint(orm.metadata) == before, where
