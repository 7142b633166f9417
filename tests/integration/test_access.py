"""The access layer, the same in every service: tokens, the declared policy, limits, audit."""

from __future__ import annotations

import re
import time
import uuid
from contextlib import AsyncExitStack

import jwt
import pytest
from runtime.devauth import sign, write_keypair
from runtime.identity import PARTNER_SCOPES, Role
from runtime.policy import PUBLIC_PATHS
from runtime.services import DATA_SERVICES as SERVICES
from runtime.testing import Issuer, run_service

pytestmark = pytest.mark.integration

UNUSED_BROKER = "127.0.0.1:1"  # these tests need no broker: workers are off


def _routes(name: str) -> list[tuple[str, str]]:
    """Every (method, path) the service serves, from its OpenAPI document."""
    app = SERVICES[name].bootstrap().create_app()
    found = []
    for path, operations in app.openapi()["paths"].items():
        if path in PUBLIC_PATHS or path.startswith("/problems"):
            continue
        found += [(method.upper(), path) for method in sorted(operations)]
    assert found, f"{name} serves no routes?"
    return found


ROUTES = [(name, m, p) for name in sorted(SERVICES) for m, p in _routes(name)]


def _callers() -> dict[str, dict[str, object]]:
    callers: dict[str, dict[str, object]] = {
        role.value: {"role": role.value, "team": "res-inner-east"}
        for role in Role
        if role is not Role.PARTNER
    }
    callers["partner_all_scopes"] = {
        "role": "partner",
        "agency": "school-1",
        "scopes": sorted(PARTNER_SCOPES),
    }
    callers["partner_no_scopes"] = {"role": "partner", "agency": "school-1", "scopes": ["none"]}
    return callers


CALLERS = _callers()


@pytest.fixture(scope="module")
async def services(issuer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("access")
    async with AsyncExitStack() as stack:
        running = {}
        for name in SERVICES:
            url = f"sqlite+aiosqlite:///{folder / name}.db"
            running[name] = await stack.enter_async_context(
                run_service(name, url, UNUSED_BROKER, issuer, run_workers=False)
            )
        yield running


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


def test_every_route_of_every_service_has_a_policy_rule():
    missing = []
    for name in SERVICES:
        policy = SERVICES[name].bootstrap().definition().policy
        from runtime.app import STANDARD_RULES

        rules = {(r.method, r.path) for r in [*policy.rules, *STANDARD_RULES]}
        missing += [f"{name}: {m} {p}" for m, p in _routes(name) if (m, p) not in rules]
    assert not missing, f"routes without an access rule: {missing}"


@pytest.mark.parametrize(("service", "method", "path"), ROUTES, ids=lambda v: str(v))
async def test_the_policy_matrix(services, issuer, service, method, path):
    """Every role against every endpoint: allowed where the policy says, 401/403 otherwise."""
    running = services[service]
    policy = running.app.state.policy
    rule = policy.lookup(method, path)
    assert rule is not None
    url = _concrete(path)
    anonymous = await running.client.request(method, url, json={})
    assert anonymous.status_code == 401, f"{method} {path} without a token"
    for caller, spec in CALLERS.items():
        principal_role = Role(str(spec["role"]))
        from runtime.identity import Principal

        principal = Principal(
            "x",
            principal_role,
            agency_id=spec.get("agency"),  # type: ignore[arg-type]
            scopes=frozenset(spec.get("scopes", [])),
        )  # type: ignore[arg-type]
        headers = issuer.headers(
            str(spec["role"]),
            agency=spec.get("agency"),
            team=spec.get("team"),  # type: ignore[arg-type]
            scopes=spec.get("scopes"),  # type: ignore[arg-type]
        )
        response = await running.client.request(method, url, json={}, headers=headers)
        if rule.allows(principal):
            assert response.status_code not in (401, 403), (
                f"{caller} should reach {method} {path}: {response.status_code} {response.text}"
            )
        else:
            assert response.status_code == 403, (
                f"{caller} must not reach {method} {path}: {response.status_code}"
            )
            assert response.headers["content-type"] == "application/problem+json"


def _claims(**overrides):
    now = int(time.time())
    claims = {
        "sub": "user:1",
        "role": "duty_advice",
        "iss": "",
        "aud": "lpm-platform",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return claims


async def test_bad_tokens_are_refused_with_401_and_a_problem(services, issuer, tmp_path):
    client = services["referrals"].client
    other = tmp_path / "other"
    other.mkdir()
    write_keypair(
        other / "k.pem",
        other / "jwks.json",
        kid=__import__("json").loads(issuer.jwks_path.read_text())["keys"][0]["kid"],
    )
    now = int(time.time())
    good_key, jwks = issuer.key_path, issuer.jwks_path
    kid = __import__("json").loads(jwks.read_text())["keys"][0]["kid"]

    def raw(claims, key=good_key):
        return jwt.encode(claims, key.read_bytes(), algorithm="RS256", headers={"kid": kid})

    base = _claims(iss=issuer.issuer)
    cases = {
        "missing": None,
        "not bearer": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer not-a-jwt",
        "expired": "Bearer "
        + raw({**base, "exp": now - 3600, "iat": now - 7200, "nbf": now - 7200}),
        "not yet valid": "Bearer " + raw({**base, "nbf": now + 3600}),
        "wrongly signed": "Bearer " + raw(base, key=other / "k.pem"),
        "wrong issuer": "Bearer " + raw({**base, "iss": "https://elsewhere.example"}),
        "wrong audience": "Bearer " + raw({**base, "aud": "another-api"}),
        "unsigned": "Bearer " + jwt.encode(base, key=None, algorithm="none"),
        "unknown role": "Bearer " + raw({**base, "role": "superuser"}),
        "exp as a string": "Bearer " + raw({**base, "exp": "9999999999"}),
        "iat as a string": "Bearer " + raw({**base, "iat": str(now)}),
        "ten-year lifetime": "Bearer " + raw({**base, "exp": now + 10 * 365 * 86400}),
        "issued a year ahead": "Bearer "
        + raw({**base, "iat": now + 365 * 86400, "exp": now + 365 * 86400 + 600}),
    }
    for case, header in cases.items():
        headers = {"Authorization": header} if header else {}
        r = await client.get(f"/v1/contacts/{uuid.uuid4()}", headers=headers)
        assert r.status_code == 401, f"{case}: {r.status_code}"
        assert r.headers["content-type"] == "application/problem+json", case
        assert r.json()["type"] == "/problems/unauthorized", case
        assert "bearer" in r.headers.get("www-authenticate", "").lower(), case
    # ...while a good token from the same issuer passes authentication.
    ok = "Bearer " + sign(good_key, jwks, {"sub": "u", "role": "duty_advice"}, issuer=issuer.issuer)
    r = await client.get(f"/v1/contacts/{uuid.uuid4()}", headers={"Authorization": ok})
    assert r.status_code == 404


async def test_a_rotated_signing_key_is_picked_up_without_a_restart(tmp_path, issuer):
    rotating = Issuer(tmp_path / "rotating", issuer=issuer.issuer)
    rotating.folder.mkdir()
    write_keypair(rotating.key_path, rotating.jwks_path, kid="first")
    url = f"sqlite+aiosqlite:///{tmp_path}/r.db"
    async with run_service("referrals", url, UNUSED_BROKER, rotating, run_workers=False) as svc:
        path = f"/v1/contacts/{uuid.uuid4()}"
        assert (
            await svc.client.get(path, headers=rotating.headers("duty_advice"))
        ).status_code == 404
        write_keypair(rotating.key_path, rotating.jwks_path, kid="second")
        verifier = svc.app.state.verifier
        verifier.jwks._fetched_at -= 60  # past the refresh floor
        assert (
            await svc.client.get(path, headers=rotating.headers("duty_advice"))
        ).status_code == 404


async def test_an_idempotent_replay_returns_the_first_response_and_creates_one_record(
    services, issuer
):
    from referrals.adapters import orm
    from sqlalchemy import func, select

    running = services["referrals"]
    school = issuer.headers("partner", agency="school-idem")
    body = {"source": "school_via_cluster", "worry": "Attendance has dropped."}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await running.client.post("/v1/contacts", json=body, headers={**school, **key})
    again = await running.client.post("/v1/contacts", json=body, headers={**school, **key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other = await running.client.post(
        "/v1/contacts", json={**body, "worry": "something else"}, headers={**school, **key}
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    async with running.db.sessions() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(orm.contacts)
            .where(orm.contacts.c.referring_agency_id == "school-idem")
        )
    assert n == 1
    # The same key from another client is that client's own key.
    other_school = issuer.headers("partner", agency="school-idem-2")
    third = await running.client.post("/v1/contacts", json=body, headers={**other_school, **key})
    assert third.status_code == 201 and third.json()["contact_id"] != first.json()["contact_id"]


async def test_an_oversized_body_gets_413_and_changes_nothing(services, issuer):
    running = services["referrals"]
    cap = running.app.state.settings.platform.max_body_bytes
    r = await running.client.post(
        "/v1/contacts",
        content=b"{" + b" " * cap + b"}",
        headers={**issuer.headers("duty_advice"), "content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"


async def test_a_burst_past_the_rate_limit_gets_429_with_retry_after(tmp_path, issuer):
    url = f"sqlite+aiosqlite:///{tmp_path}/rl.db"
    async with run_service(
        "referrals",
        url,
        UNUSED_BROKER,
        issuer,
        run_workers=False,
        platform={"rate_limit_per_minute": 5},
    ) as svc:
        headers = issuer.headers("duty_advice", subject="user:burst")
        codes = [
            (await svc.client.get(f"/v1/contacts/{uuid.uuid4()}", headers=headers)).status_code
            for _ in range(7)
        ]
        assert codes[:5] == [404] * 5
        limited = await svc.client.get(f"/v1/contacts/{uuid.uuid4()}", headers=headers)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # Another client is not held back by this one's burst.
        other = issuer.headers("duty_advice", subject="user:calm")
        assert (
            await svc.client.get(f"/v1/contacts/{uuid.uuid4()}", headers=other)
        ).status_code == 404


async def test_reads_and_writes_are_audited_and_the_audit_cannot_be_changed(services, issuer):
    running = services["referrals"]
    duty = issuer.headers("duty_advice", subject="user:duty-1")
    created = await running.client.post(
        "/v1/contacts",
        json={"source": "duty_and_advice"},
        headers={**duty, "X-Purpose": "front door triage", "X-Request-ID": "req-audit-1"},
    )
    assert created.status_code == 201
    contact_id = created.json()["contact_id"]
    read = await running.client.get(f"/v1/contacts/{contact_id}", headers=duty)
    assert read.status_code == 200

    admin = issuer.headers("admin")
    r = await running.client.get("/v1/audit", params={"record_id": contact_id}, headers=admin)
    assert r.status_code == 200
    entries = r.json()["items"]
    assert [e["action"] for e in entries][:2] == ["create", "read"]
    first = entries[0]
    assert first["subject"] == "user:duty-1" and first["role"] == "duty_advice"
    assert first["record_type"] == "contact"
    # The trail holds the server's own request id and purpose; what the caller said of itself
    # is kept beside them, labelled as the caller's.
    assert first["request_id"] == created.headers["x-request-id"] != "req-audit-1"
    uuid.UUID(first["request_id"])
    assert first["caller_request_id"] == "req-audit-1"
    assert first["purpose"] == running.app.state.policy.lookup("POST", "/v1/contacts").summary
    assert first["caller_purpose"] == "front door triage"
    # Only administrators may read it, and no method changes it.
    assert (
        await running.client.get("/v1/audit", params={"record_id": contact_id}, headers=duty)
    ).status_code == 403
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        r = await running.client.request(method, "/v1/audit", headers=admin, json={})
        assert r.status_code == 405, method


async def test_a_chunked_body_over_the_cap_without_a_length_gets_413(services, issuer):
    from referrals.adapters import orm
    from sqlalchemy import func, select

    running = services["referrals"]
    cap = running.app.state.settings.platform.max_body_bytes
    duty = issuer.headers("duty_advice", subject="user:chunked")

    async def chunks():
        yield b'{"source": "duty_and_advice", "worry": "'
        for _ in range(cap // 16384 + 4):
            yield b"a" * 16384
        yield b'"}'

    async with running.db.sessions() as s:
        before = await s.scalar(select(func.count()).select_from(orm.contacts))
    r = await running.client.post(
        "/v1/contacts",
        content=chunks(),
        headers={**duty, "content-type": "application/json"},
    )
    assert "content-length" not in r.request.headers
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/payload-too-large"
    async with running.db.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(orm.contacts)) == before
    # A chunked body under the cap is read as usual.

    async def small():
        yield b'{"source": "duty_and_advice",'
        yield b' "worry": "short"}'

    ok = await running.client.post(
        "/v1/contacts", content=small(), headers={**duty, "content-type": "application/json"}
    )
    assert ok.status_code == 201, ok.text


async def test_headers_over_the_size_limit_get_431_before_the_token_is_verified(services, issuer):
    running = services["referrals"]
    limit = running.app.state.settings.platform.max_header_bytes
    assert limit == 16 * 1024
    duty = issuer.headers("duty_advice")
    path = f"/v1/contacts/{uuid.uuid4()}"
    cases = {
        "one large header": {**duty, "X-Padding": "a" * (limit + 1)},
        "many small headers": {**duty, **{f"X-Pad-{i}": "a" * 100 for i in range(200)}},
        "a 4 MB bearer token": {"Authorization": "Bearer " + "a" * (4 * 1024 * 1024)},
    }
    for case, headers in cases.items():
        r = await running.client.get(path, headers=headers)
        assert r.status_code == 431, f"{case}: {r.status_code}"
        assert r.headers["content-type"] == "application/problem+json", case
        assert r.json()["type"] == "/problems/request-header-fields-too-large", case
    # Just under the limit is served.
    assert (await running.client.get(path, headers=duty)).status_code == 404


async def test_unauthenticated_and_refused_requests_are_rate_limited_too(tmp_path, issuer):
    url = f"sqlite+aiosqlite:///{tmp_path}/rl-refused.db"
    async with run_service(
        "referrals",
        url,
        UNUSED_BROKER,
        issuer,
        run_workers=False,
        platform={"rate_limit_per_minute": 5},
    ) as svc:
        path = f"/v1/contacts/{uuid.uuid4()}"
        anonymous = [(await svc.client.get(path)).status_code for _ in range(6)]
        assert anonymous[:5] == [401] * 5 and anonymous[5] == 429, anonymous
        bad = {"Authorization": "Bearer not-a-jwt"}
        assert (await svc.client.get(path, headers=bad)).status_code == 429
        refused = issuer.headers("partner", agency="school-rl", scopes=["none"])
        codes = [(await svc.client.get(path, headers=refused)).status_code for _ in range(6)]
        assert codes[:5] == [403] * 5 and codes[5] == 429, codes
        limited = await svc.client.get(path, headers=refused)
        assert int(limited.headers["retry-after"]) >= 1
        # A caller with a good token is not held back by the others' refusals.
        ok = issuer.headers("duty_advice", subject="user:rl-ok")
        assert (await svc.client.get(path, headers=ok)).status_code == 404


async def test_refused_attempts_are_audited_with_why_and_counted(services, issuer):
    running = services["referrals"]
    duty = issuer.headers("duty_advice")
    admin = issuer.headers("admin")
    person = await running.client.post(
        "/v1/people", json={"kind": "child", "family_name": "Refused"}, headers=duty
    )
    person_id = person.json()["person_id"]
    before = (await running.client.get("/v1/audit/refusals", headers=admin)).json()
    # The policy refuses a partner without the scope; the object rule hides a person from a
    # team the family is not allocated to.
    no_scope = issuer.headers("partner", agency="school-refused", scopes=["none"])
    other_team = issuer.headers("res_practitioner", team="res-jess", subject="user:nosy")
    assert (
        await running.client.get(f"/v1/people/{person_id}", headers=no_scope)
    ).status_code == 403
    assert (
        await running.client.get(f"/v1/people/{person_id}", headers=other_team)
    ).status_code == 404

    r = await running.client.get("/v1/audit", params={"person_id": person_id}, headers=admin)
    refused = [e for e in r.json()["items"] if e["action"] == "refused"]
    assert [(e["status"], e["role"]) for e in refused] == [
        (403, "partner"),
        (404, "res_practitioner"),
    ]
    assert refused[1]["subject"] == "user:nosy" and refused[1]["team_id"] == "res-jess"
    assert all(e["reason"] and e["record_id"] == person_id for e in refused)
    assert refused[0]["agency_id"] == "school-refused"
    after = (await running.client.get("/v1/audit/refusals", headers=admin)).json()
    assert after["total"] == before["total"] + 2
    assert after["by_status"].get("404", 0) == before["by_status"].get("404", 0) + 1
    # Only administrators read the counts.
    assert (await running.client.get("/v1/audit/refusals", headers=duty)).status_code == 403


async def test_an_idempotent_replay_is_audited(services, issuer):
    running = services["referrals"]
    duty = {**issuer.headers("duty_advice"), "Idempotency-Key": str(uuid.uuid4())}
    body = {"kind": "child", "family_name": "Replayed"}
    first = await running.client.post("/v1/people", json=body, headers=duty)
    again = await running.client.post("/v1/people", json=body, headers=duty)
    assert again.headers["idempotent-replayed"] == "true"
    person_id = first.json()["person_id"]
    r = await running.client.get(
        "/v1/audit", params={"person_id": person_id}, headers=issuer.headers("admin")
    )
    entries = r.json()["items"]
    assert [e["action"] for e in entries] == ["create", "replay"]
    assert entries[1]["request_id"] == again.headers["x-request-id"]
    assert entries[1]["record_id"] == person_id and entries[1]["status"] == 201


async def test_every_read_that_shows_a_person_is_in_their_subject_access_trail(services, issuer):
    """Matches, the near-duplicate answer of a registration, and every contact naming them."""
    running = services["referrals"]
    duty = issuer.headers("duty_advice", subject="user:sar")
    admin = issuer.headers("admin")
    details = {"given_name": "Ada", "family_name": "Subjectaccess", "date_of_birth": "2014-02-03"}
    r = await running.client.post("/v1/people", json={"kind": "child", **details}, headers=duty)
    person_id = r.json()["person_id"]
    matches = await running.client.post("/v1/people/matches", json=details, headers=duty)
    assert person_id in [m["person"]["person_id"] for m in matches.json()["items"]]
    twin = await running.client.post("/v1/people", json={"kind": "child", **details}, headers=duty)
    assert twin.status_code == 409, twin.text
    contact = await running.client.post(
        "/v1/contacts", json={"source": "duty_and_advice"}, headers=duty
    )
    contact_id = contact.json()["contact_id"]
    r = await running.client.post(
        f"/v1/contacts/{contact_id}/conversations",
        json={"child_ids": [person_id]},
        headers={**duty, "If-Match": contact.headers["ETag"]},
    )
    assert r.status_code == 201, r.text
    assert (await running.client.get(f"/v1/contacts/{contact_id}", headers=duty)).status_code == 200
    listed = await running.client.get("/v1/contacts", headers=duty)
    assert contact_id in [c["contact_id"] for c in listed.json()["items"]]

    r = await running.client.get("/v1/audit", params={"person_id": person_id}, headers=admin)
    touched = [(e["action"], e["record_type"], e["path"], e["status"]) for e in r.json()["items"]]
    assert touched == [
        ("create", "person", "/v1/people", 201),
        ("read", "person", "/v1/people/matches", 200),
        ("read", "person", "/v1/people", 409),
        ("update", "contact", f"/v1/contacts/{contact_id}/conversations", 201),
        ("read", "contact", f"/v1/contacts/{contact_id}", 200),
        ("read", "contact", "/v1/contacts", 200),
    ]


# -- the matrix in the need-to-know and consent states -------------------------------------------

TEAM = "res-inner-east"  # every caller of the matrix is of this team


def _shown(principal, allocated_team: str, allocation_open: bool, consent) -> bool:  # type: ignore[no-untyped-def]
    """Whether the family's record is shown to the caller: runtime.policy's two rules, read as
    the services read them (RES staff: need to know; everyone else: consent)."""
    from runtime.policy import consent_allows, shared_with, team_needs_to_know

    if principal.role in (Role.RES_MANAGER, Role.RES_PRACTITIONER):
        return team_needs_to_know(principal.team_id, allocated_team, allocation_open)
    return consent_allows(consent, shared_with(principal))


STATES = {
    # The family's allocation to the callers' team has closed; it consented to everything.
    "allocation closed": (False, ("given", True, True)),
    # The family is allocated to the callers' team but refused consent to share.
    "no consent": (True, ("refused", False, False)),
    # Consent to the Rethink team only.
    "no consent to group supervision": (True, ("given", True, False)),
}


async def _arrange(running, service: str, allocation_open: bool, consent) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A family record in `service` in the given state, as the consumers would leave it; the
    path parameters that name it."""
    from datetime import UTC, datetime

    from runtime.families import FamilyFacts

    family, now = uuid.uuid4(), datetime.now(UTC)
    async with running.db.transaction() as session:
        if service == "formulation":
            from contracts.reference.formulation import FormulationSetting, SubjectKind
            from formulation.adapters import orm
            from formulation.adapters.repository import FamilyAllocations, FormulationRepository
            from formulation.domain.formulation import Formulation, Subject

            await FamilyAllocations(session).record(
                family, allocation_id=uuid.uuid4(), team_id=TEAM, is_open=allocation_open, at=now
            )
            made = Formulation.start(
                formulation_id=uuid.uuid4(),
                subject=Subject.of(SubjectKind.FAMILY, family),
                setting=FormulationSetting.WITH_FAMILY,
                held_on=now.date(),
                facilitator_id="user:f",
                now=now,
                team_id=TEAM,
            )
            await FormulationRepository(session).add(made)
            ids = {"formulation_id": str(made.id)}
        else:
            from goals.adapters import orm  # type: ignore[no-redef]
            from goals.adapters.repository import FamilyAllocations as Families
            from goals.adapters.repository import PlanRepository
            from goals.domain.plan import FamilyPlan

            await Families(session).allocate(
                family,
                team_id=TEAM,
                cluster_id="inner-east",
                allocation_id=uuid.uuid4(),
                as_of=now,
                closed_on=None if allocation_open else now.date(),
            )
            plan = FamilyPlan.open(
                family_id=family,
                formulation_id=uuid.uuid4(),
                overall_goal="Safe and settled",
                now=now,
                team_id=TEAM,
                cluster_id="inner-east",
            )
            await PlanRepository(session).add(plan)
            ids = {"plan_id": str(plan.id)}
        status, rethink, supervision = consent
        from contracts.reference.referrals import ConsentStatus
        from runtime.policy import ConsentToShare

        await FamilyFacts(session, orm.family_facts).record_consent(
            family, ConsentToShare(ConsentStatus(status), rethink, supervision), now
        )
    return ids


def _family_reads(service: str) -> list[str]:
    """The GET routes of one family record whose rule is the need-to-know object rule."""
    from runtime.policy import ObjectRule

    policy = SERVICES[service].bootstrap().definition().policy
    key = "{formulation_id}" if service == "formulation" else "{plan_id}"
    return [
        r.path
        for r in policy.rules
        if r.method == "GET"
        and r.objects is ObjectRule.OWN_TEAM
        and r.path.count("{") == 1
        and key in r.path
        and not r.path.endswith("/compare")  # needs a second version to compare with
    ]


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("service", ["formulation", "goals"])
async def test_the_policy_matrix_after_closure_and_without_consent(
    services, issuer, service, state
):
    """Every role against every read of a family record, in each state: shown exactly where
    the need-to-know and consent rules say, 404 where they hide it, 403 where the policy does."""
    from contracts.reference.referrals import ConsentStatus
    from runtime.identity import Principal
    from runtime.policy import ConsentToShare

    running = services[service]
    allocation_open, consent = STATES[state]
    ids = await _arrange(running, service, allocation_open, consent)
    recorded = ConsentToShare(ConsentStatus(consent[0]), consent[1], consent[2])
    paths = _family_reads(service)
    assert paths, service
    for path in paths:
        url = path.format(**ids)
        rule = running.app.state.policy.lookup("GET", path)
        for caller, spec in CALLERS.items():
            principal = Principal(
                "x",
                Role(str(spec["role"])),
                agency_id=spec.get("agency"),  # type: ignore[arg-type]
                team_id=spec.get("team"),  # type: ignore[arg-type]
                scopes=frozenset(spec.get("scopes", [])),  # type: ignore[arg-type]
            )
            headers = issuer.headers(
                str(spec["role"]),
                agency=spec.get("agency"),
                team=spec.get("team"),  # type: ignore[arg-type]
                scopes=spec.get("scopes"),  # type: ignore[arg-type]
            )
            r = await running.client.get(url, headers=headers)
            if not rule.allows(principal):
                assert r.status_code == 403, (caller, url, r.status_code)
            elif _shown(principal, TEAM, allocation_open, recorded):
                assert r.status_code == 200, (state, caller, url, r.status_code, r.text)
            else:
                assert r.status_code == 404, (state, caller, url, r.status_code)
                assert r.headers["content-type"] == "application/problem+json"
