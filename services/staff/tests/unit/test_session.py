"""The session cookie and CSRF tokens, without a web server."""

from __future__ import annotations

import time

import pytest
from staff.entrypoints.web.deps import safe_next
from staff.entrypoints.web.session import (
    CookieCodec,
    Session,
    SessionStore,
    User,
    csrf_matches,
)

SECRET = "x" * 40


def _session(expires_in: float = 600) -> Session:
    return Session.start(
        User("user:sam", "Sam", "duty_advice"), "the.access.token", time.time() + expires_in
    )


def test_a_session_round_trips_through_its_encrypted_cookie():
    store = SessionStore(SECRET, 3600, secure=True)
    session = _session()
    cookie = store.codec.dumps(session.to_dict())
    assert "the.access.token" not in cookie and "Sam" not in cookie
    assert store.read(cookie) == session


def test_a_tampered_cookie_is_no_session():
    store = SessionStore(SECRET, 3600, secure=True)
    cookie = store.codec.dumps(_session().to_dict())
    flipped = cookie[:-5] + ("A" if cookie[-5] != "A" else "B") + cookie[-4:]
    assert store.read(flipped) is None
    assert store.read("not-a-cookie") is None
    assert store.read("") is None and store.read(None) is None


def test_a_cookie_made_with_another_secret_or_for_another_purpose_is_refused():
    store = SessionStore(SECRET, 3600, secure=True)
    other = CookieCodec("y" * 40, "session").dumps(_session().to_dict())
    sign_in = store.sign_in_codec.dumps(_session().to_dict())
    assert store.read(other) is None
    assert store.read(sign_in) is None


def test_a_session_without_a_refresh_token_ends_when_its_access_token_expires():
    store = SessionStore(SECRET, 3600, secure=True)
    session = _session(expires_in=60)
    cookie = store.codec.dumps(session.to_dict())
    assert store.read(cookie) is not None
    assert store.read(cookie, now=time.time() + 61) is None


def test_a_cookie_older_than_the_longest_session_is_refused():
    store = SessionStore(SECRET, 1, secure=True)
    cookie = store.codec.dumps(_session().to_dict())
    time.sleep(2.1)
    assert store.read(cookie) is None


def test_a_short_secret_is_refused():
    with pytest.raises(ValueError):
        SessionStore("short", 3600, secure=True)


def test_csrf_token_must_be_the_sessions_own():
    session = _session()
    assert csrf_matches(session, session.csrf_token)
    assert not csrf_matches(session, _session().csrf_token)
    assert not csrf_matches(session, "")
    assert not csrf_matches(session, None)
    assert not csrf_matches(None, session.csrf_token)


def test_cookies_are_httponly_and_samesite():
    kwargs = SessionStore(SECRET, 3600, secure=True).cookie_kwargs(60)
    assert kwargs["httponly"] is True and kwargs["samesite"] == "lax" and kwargs["secure"] is True


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/front-door?status=open", "/front-door?status=open"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_a_path_on_this_site_is_returned_to_after_sign_in(given, expected):
    assert safe_next(given) == expected


def test_an_expired_access_token_with_a_refresh_token_is_a_session_to_renew():
    store = SessionStore(SECRET, 3600, secure=True)
    now = time.time()
    session = Session.start(
        User("user:sam", "Sam", "res_practitioner"),
        "the.access.token",
        now + 60,
        ends_at=now + 3600,
        refresh_token="the-refresh-token",
    )
    cookie = store.codec.dumps(session.to_dict())
    later = store.read(cookie, now=now + 120)
    assert later is not None and later.expired(now + 120)
    # Renewed: the same person, CSRF token and end; a new access token, never beyond the end.
    renewed = later.renewed("the.next.token", now + 7200, None)
    assert renewed.user == session.user and renewed.csrf_token == session.csrf_token
    assert renewed.refresh_token == "the-refresh-token"
    assert renewed.expires_at == session.ends_at and not renewed.expired(now + 120)
    # At the session's end nothing renews it.
    assert store.read(cookie, now=now + 3601) is None


def test_an_access_token_about_to_expire_counts_as_expired():
    session = _session(expires_in=10)
    assert session.expired()
    assert not _session(expires_in=600).expired()


def test_the_cookie_lasts_until_the_session_ends():
    store = SessionStore(SECRET, 3600, secure=True)
    now = time.time()
    session = Session.start(
        User("user:sam", "Sam", "admin"), "t", now + 60, ends_at=now + 1800, refresh_token="r"
    )
    value, kwargs = store.cookie(session, now)
    assert kwargs["max_age"] == 1800 and store.read(value) == session
