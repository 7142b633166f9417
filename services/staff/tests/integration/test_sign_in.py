"""Sign-in with the standard OIDC code flow and PKCE against the development issuer, in-process:
the staff app, the issuer and the referrals service wired by ASGI transports (no ports)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from runtime.devissuer import DevIssuerSettings
from runtime.devissuer import create_app as create_issuer
from runtime.testing import Issuer
from staff.bootstrap import create_app
from staff.config import Settings
from staff.entrypoints.web.session import SESSION_COOKIE

pytestmark = pytest.mark.integration

ISSUER_URL = "http://issuer.test"
STAFF_URL = "http://staff.test"
SECRET = "client-secret-for-tests"


def _issuer_app(issuer: Issuer, **settings: Any) -> Any:
    return create_issuer(
        DevIssuerSettings(
            url=ISSUER_URL,
            key_dir=issuer.folder,
            client_secret=SECRET,
            redirect_uris=[f"{STAFF_URL}/auth/callback"],
            post_logout_redirect_uris=[f"{STAFF_URL}/signed-out"],
            **settings,
        )
    )


@asynccontextmanager
async def _staff(issuer_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        public_url=STAFF_URL,
        oidc_issuer=ISSUER_URL,
        oidc_client_secret=SECRET,
        session_secret="s" * 40,
    )
    app = create_app(settings, idp_transport=httpx.ASGITransport(app=issuer_app))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=STAFF_URL
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


@pytest.fixture
def issuer_app(issuer: Issuer):
    return _issuer_app(issuer)


@pytest.fixture
async def staff(issuer_app):
    async with _staff(issuer_app) as client:
        yield client


async def sign_in(staff: httpx.AsyncClient, issuer_app, **choices: str) -> httpx.Response:
    """Walk the whole code flow as a browser would; returns the first page after sign-in."""
    start = await staff.get("/?from=test")
    assert start.status_code == 303 and start.headers["location"].startswith("/sign-in")
    redirect = await staff.get(start.headers["location"])
    assert redirect.status_code == 303
    authorize = redirect.headers["location"]
    assert authorize.startswith(f"{ISSUER_URL}/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=issuer_app), base_url=ISSUER_URL
    ) as idp:
        page = await idp.get(authorize)
        assert page.status_code == 200 and "Your role" in page.text
        form = {
            k: query.get(k, "")
            for k in ("client_id", "redirect_uri", "state", "nonce", "code_challenge")
        }
        answer = await idp.post("/authorize", data={**form, "csrf_token": _csrf(page), **choices})
    assert answer.status_code == 303
    back = answer.headers["location"]
    assert back.startswith(f"{STAFF_URL}/auth/callback?")
    landed = await staff.get(back.removeprefix(STAFF_URL))
    assert landed.status_code == 303, landed.text
    return await staff.get(landed.headers["location"])


async def test_a_worker_signs_in_with_the_code_flow_and_sees_their_name_and_role(staff, issuer_app):
    page = await sign_in(staff, issuer_app, role="duty_advice", name="Sam Taylor")
    assert page.status_code == 200 and page.url.query == b"from=test"
    home = await staff.get("/")
    assert home.status_code == 200
    assert "Sam Taylor" in home.text and "Duty and Advice" in home.text
    cookie = staff.cookies.get(SESSION_COOKIE)
    assert cookie and "eyJ" not in cookie  # the token is encrypted, not readable in the cookie
    assert "eyJ" not in home.text  # nor in the page


async def test_a_callback_with_another_state_is_refused(staff, issuer_app):
    await staff.get("/sign-in")
    refused = await staff.get("/auth/callback", params={"code": "x", "state": "forged"})
    assert refused.status_code == 400
    assert staff.cookies.get(SESSION_COOKIE) is None


async def test_the_token_endpoint_checks_the_pkce_verifier(issuer_app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=issuer_app), base_url=ISSUER_URL
    ) as idp:
        request = {
            "client_id": "lpm-staff",
            "redirect_uri": f"{STAFF_URL}/auth/callback",
            "code_challenge": "not-the-challenge-of-this-verifier",
        }
        page = await idp.get(
            "/authorize",
            params={
                **request,
                "response_type": "code",
                "scope": "openid",
                "code_challenge_method": "S256",
            },
        )
        answer = await idp.post(
            "/authorize", data={**request, "role": "admin", "csrf_token": _csrf(page)}
        )
        code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
        token = await idp.post(
            "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": f"{STAFF_URL}/auth/callback",
                "code_verifier": "a" * 50,
            },
            auth=("lpm-staff", SECRET),
        )
    assert token.status_code == 400
    assert token.json()["error"] == "invalid_grant"


async def test_sign_out_needs_the_csrf_token_then_ends_the_session(staff, issuer_app):
    await sign_in(staff, issuer_app, role="admin", name="Ada")
    refused = await staff.post("/sign-out", data={})
    assert refused.status_code == 403
    assert (await staff.get("/")).status_code == 200  # still signed in
    token = _csrf(await staff.get("/"))
    out = await staff.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 303
    assert out.headers["location"].startswith(f"{ISSUER_URL}/end-session")
    staff.cookies.clear()
    assert (await staff.get("/")).status_code == 303


def _csrf(page: httpx.Response) -> str:
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


def _session_of(client: httpx.AsyncClient) -> Any:
    store = client.app.state.sessions  # type: ignore[attr-defined]
    return store.read(client.cookies.get(SESSION_COOKIE))


async def test_an_expiring_access_token_is_renewed_with_the_refresh_token(issuer):
    # Tokens of 20 s are within the renewal margin at once: every page renews first.
    issuer_app = _issuer_app(issuer, token_ttl_seconds=20)
    async with _staff(issuer_app) as staff:
        await sign_in(staff, issuer_app, role="res_practitioner", name="Ana", team="res-east")
        before = _session_of(staff)
        assert before.refresh_token and before.ends_at > before.expires_at + 3600
        page = await staff.get("/?again")
        assert page.status_code == 200 and "Ana" in page.text
        assert SESSION_COOKIE in page.headers.get("set-cookie", "")
        after = _session_of(staff)
        assert after.access_token != before.access_token
        assert (after.user, after.csrf_token, after.ends_at) == (
            before.user,
            before.csrf_token,
            before.ends_at,
        )
        assert "eyJ" not in page.text  # the new token is not in the page either
        # A form made before the renewal still posts: the CSRF token did not change.
        out = await staff.post("/sign-out", data={"csrf_token": before.csrf_token})
        assert out.status_code == 303
        # Signing out revoked the refresh token at the issuer.
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=issuer_app), base_url=ISSUER_URL
        ) as idp:
            refused = await idp.post(
                "/token",
                data={"grant_type": "refresh_token", "refresh_token": before.refresh_token},
                auth=("lpm-staff", SECRET),
            )
        assert refused.status_code == 400


async def test_a_session_the_issuer_no_longer_renews_signs_in_again_and_comes_back(issuer):
    issuer_app = _issuer_app(issuer, token_ttl_seconds=20)
    async with _staff(issuer_app) as staff:
        await sign_in(staff, issuer_app, role="res_manager", name="Mo", team="res-east")
        session = _session_of(staff)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=issuer_app), base_url=ISSUER_URL
        ) as idp:
            revoked = await idp.post(
                "/revoke", data={"token": session.refresh_token}, auth=("lpm-staff", SECRET)
            )
        assert revoked.status_code == 200
        page = await staff.get("/families?view=team")
        assert page.status_code == 303
        assert page.headers["location"] == "/sign-in?next=%2Ffamilies%3Fview%3Dteam"
        assert staff.cookies.get(SESSION_COOKIE) is None  # the cookie is cleared
