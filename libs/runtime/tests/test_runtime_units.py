"""Unit tests of the runtime's pure parts: pseudonyms, rate limits, cursors, If-Match, snapshots."""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum

import pytest
from runtime import broker as broker_module
from runtime.concurrency import require_if_match
from runtime.errors import ProblemError
from runtime.heap import startup_frozen
from runtime.identity import Principal, Role
from runtime.limits import RateLimiter
from runtime.pagination import decode_cursor, encode_cursor, next_cursor, page_request
from runtime.policy import Policy, rule
from runtime.pseudonym import Pseudonymiser, age_band, cluster_of, postcode_district
from runtime.snapshots import from_snapshot, to_snapshot
from starlette.requests import Request

SECRET = "0123456789abcdef0123456789abcdef"


def test_a_pseudonym_is_stable_keyed_and_reveals_nothing_of_the_id():
    p = Pseudonymiser(SECRET)
    family = uuid.uuid4()
    assert p.pseudonym("family", family) == p.pseudonym("family", family)
    assert p.pseudonym("family", family) != Pseudonymiser(SECRET[::-1]).pseudonym("family", family)
    assert p.pseudonym("family", family) != p.pseudonym("person", family)
    assert str(family) not in p.pseudonym("family", family)
    assert p.pseudonym("family", family).startswith("p_")


def test_a_short_pseudonym_secret_is_refused():
    with pytest.raises(ValueError):
        Pseudonymiser("short")


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (date(2020, 6, 1), date(2024, 5, 31), "0-4"),
        (date(2019, 6, 1), date(2024, 6, 1), "5-10"),
        (date(2008, 1, 1), date(2024, 1, 1), "16-17"),
        (date(2006, 1, 2), date(2024, 1, 1), "16-17"),
        (date(2006, 1, 1), date(2024, 1, 1), "18-24"),
        (date(1950, 1, 1), date(2024, 1, 1), "65+"),
    ],
)
def test_dates_of_birth_become_age_bands(born, on, band):
    assert age_band(born, on) == band


def test_a_birth_after_the_reference_date_is_refused():
    with pytest.raises(ValueError):
        age_band(date(2030, 1, 1), date(2024, 1, 1))


def test_addresses_become_clusters_by_postcode_district():
    districts = {"LS9": "inner-east", "LS14": "seacroft-manston"}
    assert postcode_district("ls14 6ab") == "LS14"
    assert cluster_of("LS9 7AB", districts) == "inner-east"
    assert cluster_of("BD1 1AA", districts) is None


def test_the_rate_limiter_allows_a_burst_then_asks_to_wait():
    limiter = RateLimiter(per_minute=3)
    assert [limiter.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a", now=0.0)
    assert wait == pytest.approx(20.0)
    assert limiter.take("b", now=0.0) == 0.0
    assert limiter.take("a", now=20.0) == 0.0
    assert RateLimiter.retry_after(0.2) == "1"


def test_a_cursor_works_only_for_its_own_query():
    scope = {"caller": "school-1", "status": "open"}
    cursor = encode_cursor(["2024-01-01", "abc"], scope)
    assert decode_cursor(cursor, scope) == ["2024-01-01", "abc"]
    with pytest.raises(ProblemError) as other:
        decode_cursor(cursor, {"caller": "school-2", "status": "open"})
    assert other.value.status == 400
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    with pytest.raises(ProblemError):
        decode_cursor(tampered, scope)


def test_page_size_is_capped_and_the_next_cursor_appears_only_when_more_remain():
    with pytest.raises(ProblemError):
        page_request(101, None, {})
    rows = list(range(6))
    page, cursor = next_cursor(rows, 5, key=lambda r: [r], scope={})
    assert page == [0, 1, 2, 3, 4] and cursor is not None
    assert decode_cursor(cursor, {}) == [4]
    assert next_cursor(rows[:5], 5, key=lambda r: [r], scope={})[1] is None


def _request(if_match: str | None) -> Request:
    headers = [(b"if-match", if_match.encode())] if if_match else []
    return Request({"type": "http", "method": "PATCH", "path": "/", "headers": headers})


def test_if_match_must_name_the_current_version():
    require_if_match(_request('"3"'), 3)
    require_if_match(_request('W/"3"'), 3)
    with pytest.raises(ProblemError) as stale:
        require_if_match(_request('"2"'), 3)
    assert stale.value.status == 412
    assert [e.field for e in stale.value.errors] == ["If-Match"]
    with pytest.raises(ProblemError) as missing:
        require_if_match(_request(None), 3)
    assert missing.value.status == 428
    assert [e.field for e in missing.value.errors] == ["If-Match"]
    # "*" matches any version, so it would skip the lost-update check: name the version read.
    for wildcard in ("*", '"2", *'):
        with pytest.raises(ProblemError) as any_version:
            require_if_match(_request(wildcard), 3)
        assert any_version.value.status == 428
        assert [e.field for e in any_version.value.errors] == ["If-Match"]


def test_a_policy_refuses_a_role_it_does_not_name_and_partners_need_a_scope():
    policy = Policy("x", [rule("GET", "/v1/things", [Role.DUTY_ADVICE], ["things:read"])])
    r = policy.lookup("get", "/v1/things")
    assert r is not None
    assert r.allows(Principal("u", Role.DUTY_ADVICE))
    assert not r.allows(Principal("u", Role.BI_ANALYST))
    assert r.allows(Principal("c", Role.PARTNER, agency_id="a", scopes=frozenset({"things:read"})))
    assert not r.allows(Principal("c", Role.PARTNER, agency_id="a"))
    with pytest.raises(ValueError):
        Policy("x", [rule("GET", "/a", []), rule("GET", "/a", [])])


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True)
class Leaf:
    when: date
    colour: Colour


@dataclass
class Tree:
    id: uuid.UUID
    at: datetime
    leaves: list[Leaf]
    tags: frozenset[str]
    note: str | None = None
    events: list[object] = field(default_factory=list)


def test_an_aggregate_survives_a_snapshot_round_trip_without_its_pending_events():
    tree = Tree(
        uuid.uuid4(),
        datetime(2024, 1, 2, 3, 4, tzinfo=UTC),
        [Leaf(date(2024, 1, 1), Colour.RED)],
        frozenset({"b", "a"}),
        events=["x"],
    )
    data = to_snapshot(tree)
    assert "events" not in data and data["tags"] == ["a", "b"]
    back = from_snapshot(Tree, data)
    assert back.leaves == tree.leaves and back.at == tree.at and back.tags == tree.tags
    assert back.events == []


async def test_a_relay_cancelled_as_new_rows_are_signalled_still_stops():
    """The shutdown race: the outbox signal and the cancellation land together."""
    import asyncio
    from types import SimpleNamespace

    from runtime.outbox import OutboxRelay
    from runtime.settings import PlatformSettings

    db = SimpleNamespace(outbox_signal=asyncio.Event())
    relay = OutboxRelay(db, None, PlatformSettings(), "test-relay", poll_seconds=5)  # type: ignore[arg-type]

    async def nothing_pending() -> int:
        return 0

    relay.publish_pending = nothing_pending  # type: ignore[method-assign]
    for _ in range(20):
        task = asyncio.create_task(relay.run())
        await asyncio.sleep(0.01)  # waiting on the signal
        db.outbox_signal.set()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=2)
        assert task in done and task.cancelled()


def test_token_times_must_be_numbers_not_in_the_future_and_not_too_long_lived():
    from runtime.auth import time_claims_problem

    now = 1_000_000.0

    def problem(**claims):  # type: ignore[no-untyped-def]
        return time_claims_problem({"exp": now + 600, **claims}, now, 30, 3600)

    assert problem(iat=now) is None
    assert problem(iat=now + 20) is None  # within the leeway
    assert problem() is None  # no iat: measured from now
    assert "not a number" in problem(exp="9999999999")
    assert "not a number" in problem(iat=True)
    assert "not a number" in problem(nbf=str(now))
    assert "future" in problem(iat=now + 3600, exp=now + 4000)
    assert "longer" in problem(iat=now, exp=now + 3601)
    assert problem(iat=now, exp=now + 3600) is None


def test_the_json_body_check_names_a_repeated_key_and_forbidden_text_wherever_they_are():
    from runtime.jsonbody import body_problems

    raw = (
        b'{"source": "a", "source": "b", "caller": {"name": "x\\u0000"},'
        b' "tried": [{"what": "ok"}, {"what": "\\u001b[2J"}], "note": "a\\u202eb"}'
    )
    named = {(e.field, e.message.split(",")[0]) for e in body_problems(raw)}
    assert named == {
        ("source", "is given more than once in the same object"),
        ("caller.name", "holds U+0000"),
        ("tried.1.what", "holds U+001B"),
        ("note", "holds U+202E"),
    }
    # Line breaks and tabs are text; a body that is not JSON is the framework's to answer.
    assert (
        body_problems(b'{"note": "line one\\nline two\\ttabbed\\r\\n", "n": [1, {"a": 2}]}') == []
    )
    assert body_problems(b"{not json") == []


@pytest.mark.parametrize(
    ("born", "problem"),
    [
        ("1800-01-01", "more than 120 years ago"),
        ("2099-01-01", "in the future"),
        ("1950-06-01", None),
    ],
)
def test_a_date_of_birth_no_living_person_has_is_implausible(born, problem):
    from contracts.plausibility import date_of_birth_problem

    found = date_of_birth_problem(date.fromisoformat(born), date(2026, 1, 1))
    assert (found is None) if problem is None else (problem in (found or ""))


def test_a_kraft_cluster_id_never_starts_with_a_dash(monkeypatch):
    # 0xF8 encodes to "-" in URL-safe base64: the storage tool would read the id as an option.
    draws = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(int=1)])
    monkeypatch.setattr(broker_module.uuid, "uuid4", lambda: next(draws))
    cluster = broker_module.kraft_cluster_id()
    assert not cluster.startswith("-")
    assert len(cluster) == 22


async def test_only_a_database_that_is_away_counts_as_unavailable(tmp_path):
    import sqlite3

    from runtime.db import Database, database_unavailable
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    db = Database(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    try:
        with pytest.raises(OperationalError) as wrong_sql:
            async with db.transaction() as session:
                await session.execute(text("SELECT * FROM no_such_table"))
    finally:
        await db.dispose()
    # A statement that is wrong is a defect (500), not a reason to retry.
    assert not database_unavailable(wrong_sql.value)
    assert not database_unavailable(ValueError("bad"))
    refused = OperationalError("connect", {}, ConnectionRefusedError(111, "refused"))
    assert database_unavailable(refused)
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert database_unavailable(locked)

    class StartingUp(Exception):
        sqlstate = "57P03"  # what asyncpg raises while PostgreSQL starts

    assert database_unavailable(OperationalError("connect", {}, StartingUp()))


async def test_a_verified_token_is_remembered_until_it_expires(tmp_path, monkeypatch):
    import time

    from runtime import auth
    from runtime.devauth import sign, write_keypair
    from runtime.settings import PlatformSettings

    key, jwks = tmp_path / "key.pem", tmp_path / "jwks.json"
    write_keypair(key, jwks)
    settings = PlatformSettings(auth_jwks_file=jwks, auth_issuer="http://issuer")
    verifier = auth.TokenVerifier(settings)
    token = "Bearer " + sign(
        key, jwks, {"sub": "u", "role": "duty_advice"}, issuer="http://issuer", ttl_seconds=60
    )
    decoded = []
    decode = auth.jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: decoded.append(1) or decode(*a, **k))
    first = await verifier.verify(token)
    assert await verifier.verify(token) == first
    assert len(decoded) == 1, "the second request reuses the first verification"
    # Past its expiry the remembered answer is not used: the token is checked again in full.
    now = time.time
    monkeypatch.setattr(auth.time, "time", lambda: now() + 60 + auth.LEEWAY_SECONDS + 1)
    await verifier.verify(token)
    assert len(decoded) == 2


def test_what_start_up_made_is_kept_out_of_full_collections_until_the_app_stops():
    made_at_start_up = [object()]
    with startup_frozen():
        assert gc.get_freeze_count() > 0
        # Frozen objects are in no generation: a full collection does not scan them.
        assert not any(o is made_at_start_up for o in gc.get_objects())
    assert gc.get_freeze_count() == 0
    assert any(o is made_at_start_up for o in gc.get_objects())
