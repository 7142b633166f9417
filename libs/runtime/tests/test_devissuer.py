"""The development issuer in-process: the sign-in form's CSRF token, refresh tokens, and the
addresses it gives browsers."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from fastapi import FastAPI
from runtime.devissuer import DevIssuerSettings, create_app, s256
from runtime.testing import Issuer

ISSUER_URL = "http://issuer.test"
CALLBACK = "http://staff.test/auth/callback"
SECRET = "client-secret-for-tests"
VERIFIER = "v" * 50
AUTHORIZE = {
    "response_type": "code",
    "client_id": "lpm-staff",
    "redirect_uri": CALLBACK,
    "scope": "openid profile",
    "state": "the-state",
    "code_challenge": s256(VERIFIER),
    "code_challenge_method": "S256",
}
FORM_FIELDS = ("client_id", "redirect_uri", "state", "code_challenge")


def _app(issuer: Issuer, **settings: object) -> FastAPI:
    return create_app(
        DevIssuerSettings(
            url=ISSUER_URL,
            key_dir=issuer.folder,
            client_secret=SECRET,
            redirect_uris=[CALLBACK],
            **settings,
        )
    )


def _browser(app: FastAPI) -> httpx.AsyncClient:
    """A browser of the issuer: its own cookie jar."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER_URL)


def _issuer(issuer: Issuer, **settings: object) -> httpx.AsyncClient:
    return _browser(_app(issuer, **settings))


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def _code(idp: httpx.AsyncClient, role: str = "res_practitioner") -> str:
    page = await idp.get("/authorize", params=AUTHORIZE)
    form = {k: AUTHORIZE[k] for k in FORM_FIELDS}
    answer = await idp.post(
        "/authorize", data={**form, "role": role, "team": "res-east", "csrf_token": _csrf(page)}
    )
    assert answer.status_code == 303, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]


async def _tokens(idp: httpx.AsyncClient) -> dict:
    answer = await idp.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": await _code(idp),
            "redirect_uri": CALLBACK,
            "code_verifier": VERIFIER,
        },
        auth=("lpm-staff", SECRET),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _refresh(idp: httpx.AsyncClient, token: str, secret: str = SECRET) -> httpx.Response:
    return await idp.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=("lpm-staff", secret),
    )


# -- the sign-in form's CSRF token -------------------------------------------------------------


async def test_the_sign_in_form_posted_without_its_csrf_token_is_refused(issuer):
    async with _issuer(issuer) as idp:
        await idp.get("/authorize", params=AUTHORIZE)  # the browser cookie is set
        form = {k: AUTHORIZE[k] for k in FORM_FIELDS}
        refused = await idp.post("/authorize", data={**form, "role": "admin"})
    assert refused.status_code == 403
    assert "location" not in refused.headers  # no code is issued


async def test_a_csrf_token_of_another_browser_or_sign_in_is_refused(issuer):
    form = {k: AUTHORIZE[k] for k in FORM_FIELDS}
    app = _app(issuer)
    async with _browser(app) as idp, _browser(app) as elsewhere:
        token = _csrf(await idp.get("/authorize", params=AUTHORIZE))
        # Another browser (its own cookie) posting this browser's token: refused.
        await elsewhere.get("/authorize", params=AUTHORIZE)
        other_browser = await elsewhere.post(
            "/authorize", data={**form, "role": "admin", "csrf_token": token}
        )
        # This browser, another sign-in request (another PKCE challenge): refused.
        other_request = await idp.post(
            "/authorize",
            data={**form, "code_challenge": s256("w" * 50), "role": "admin", "csrf_token": token},
        )
        accepted = await idp.post("/authorize", data={**form, "role": "admin", "csrf_token": token})
    assert other_browser.status_code == 403
    assert other_request.status_code == 403
    assert accepted.status_code == 303


async def test_a_refused_choice_shows_the_form_again_with_a_fresh_token(issuer):
    async with _issuer(issuer) as idp:
        token = _csrf(await idp.get("/authorize", params=AUTHORIZE))
        form = {k: AUTHORIZE[k] for k in FORM_FIELDS}
        again = await idp.post("/authorize", data={**form, "csrf_token": token})  # no role
        assert again.status_code == 400 and "Choose a role" in again.text
        answer = await idp.post(
            "/authorize", data={**form, "role": "admin", "csrf_token": _csrf(again)}
        )
    assert answer.status_code == 303


# -- refresh tokens ----------------------------------------------------------------------------


async def test_the_code_grant_gives_a_refresh_token_that_renews_the_access_token(issuer):
    async with _issuer(issuer, token_ttl_seconds=300) as idp:
        first = await _tokens(idp)
        assert first["refresh_token"] and first["expires_in"] == 300
        renewed = await _refresh(idp, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    body = renewed.json()
    assert body["access_token"] != first["access_token"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["role"] == "res_practitioner" and claims["team_id"] == "res-east"
    assert claims["iss"] == ISSUER_URL


async def test_a_refresh_never_reaches_beyond_the_sessions_end(issuer):
    async with _issuer(issuer, token_ttl_seconds=300, refresh_ttl_seconds=100) as idp:
        first = await _tokens(idp)
        assert first["expires_in"] == 100
        renewed = (await _refresh(idp, first["refresh_token"])).json()
    assert 0 < renewed["expires_in"] <= 100
    claims = jwt.decode(renewed["access_token"], options={"verify_signature": False})
    assert claims["exp"] <= time.time() + 100


async def test_an_unknown_revoked_or_other_clients_refresh_token_is_refused(issuer):
    async with _issuer(issuer) as idp:
        tokens = await _tokens(idp)
        unknown = await _refresh(idp, "not-a-refresh-token")
        wrong_secret = await _refresh(idp, tokens["refresh_token"], secret="wrong")
        revoked = await idp.post(
            "/revoke", data={"token": tokens["refresh_token"]}, auth=("lpm-staff", SECRET)
        )
        after = await _refresh(idp, tokens["refresh_token"])
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_grant"
    assert wrong_secret.status_code == 401
    assert revoked.status_code == 200
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


# -- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("browser_url", [None, "http://127.0.0.1:8009"])
async def test_browsers_are_sent_to_the_browser_address_and_clients_to_the_issuer(
    issuer, browser_url
):
    async with _issuer(issuer, browser_url=browser_url) as idp:
        found = (await idp.get("/.well-known/openid-configuration")).json()
    front = browser_url or ISSUER_URL
    assert found["issuer"] == ISSUER_URL
    assert found["authorization_endpoint"] == f"{front}/authorize"
    assert found["end_session_endpoint"] == f"{front}/end-session"
    assert found["token_endpoint"] == f"{ISSUER_URL}/token"
    assert found["jwks_uri"] == f"{ISSUER_URL}/jwks.json"
    assert "refresh_token" in found["grant_types_supported"]
