"""Sign-in with OpenID Connect: the authorization-code flow with PKCE (Authlib), sign-out.

The same code runs against the council's identity provider and against the development issuer
of the single machine (runtime.devissuer): only the settings differ. The state, nonce and PKCE
verifier wait in a short-lived encrypted cookie between the redirect and the callback; the
tokens go into the encrypted session cookie and nowhere else.
"""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from staff.config import Settings
from staff.entrypoints.web.deps import current_session, safe_next
from staff.entrypoints.web.session import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    SIGN_IN_MAX_SECONDS,
    Session,
    SessionStore,
    User,
)
from staff.entrypoints.web.templating import render

log = logging.getLogger(__name__)

router = APIRouter()


def identity_provider(settings: Settings, transport: Any = None) -> Any:
    """The OIDC client for the configured issuer (discovery document read on first use)."""
    oauth = OAuth()
    client_kwargs: dict[str, Any] = {
        "scope": settings.oidc_scope,
        "code_challenge_method": "S256",
        "timeout": settings.api_timeout_seconds,
    }
    if transport is not None:
        client_kwargs["transport"] = transport
    return oauth.register(
        "idp",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        server_metadata_url=f"{settings.issuer()}/.well-known/openid-configuration",
        client_kwargs=client_kwargs,
    )


@router.get("/sign-in")
async def sign_in(request: Request, next: str = "/") -> Response:
    settings: Settings = request.app.state.settings
    store: SessionStore = request.app.state.sessions
    started = await request.app.state.idp.create_authorization_url(settings.redirect_uri())
    pending = {
        "state": started["state"],
        "nonce": started["nonce"],
        "verifier": started["code_verifier"],
        "next": safe_next(next),
    }
    response = RedirectResponse(started["url"], status_code=303)
    response.set_cookie(
        SIGN_IN_COOKIE,
        store.sign_in_codec.dumps(pending),
        **store.cookie_kwargs(SIGN_IN_MAX_SECONDS),
    )
    return response


@router.get("/auth/callback")
async def callback(request: Request, state: str = "", code: str = "", error: str = "") -> Response:
    settings: Settings = request.app.state.settings
    store: SessionStore = request.app.state.sessions
    pending = store.sign_in_codec.loads(request.cookies.get(SIGN_IN_COOKIE), SIGN_IN_MAX_SECONDS)
    if (
        error
        or not code
        or pending is None
        or not hmac.compare_digest(str(pending.get("state", "")), state)
    ):
        return render(request, "sign-in-failed.html", status_code=400)
    try:
        token = await request.app.state.idp.fetch_access_token(
            redirect_uri=settings.redirect_uri(), code=code, code_verifier=pending["verifier"]
        )
        claims = await request.app.state.idp.parse_id_token(token, nonce=pending["nonce"])
    except (OAuthError, ValueError, KeyError) as exc:
        log.warning("sign-in refused: %s", exc)
        return render(request, "sign-in-failed.html", status_code=400)
    except Exception as exc:  # the identity provider's keys, claims or network
        log.warning("sign-in refused: %r", exc)
        return render(request, "sign-in-failed.html", status_code=400)
    user = User(
        subject=str(claims["sub"]),
        name=str(claims.get("name") or claims["sub"]),
        role=str(claims.get("role") or ""),
        team_id=claims.get("team_id"),
        agency_id=claims.get("agency_id"),
    )
    now = time.time()
    lifetime = min(float(token.get("expires_in") or 3600), settings.session_max_seconds)
    refresh = token.get("refresh_token")
    # With a refresh token the session outlives its first access token, up to the longest
    # session; without, it ends with the token.
    session = Session.start(
        user,
        str(token["access_token"]),
        now + lifetime,
        ends_at=now + (settings.session_max_seconds if refresh else lifetime),
        refresh_token=str(refresh) if refresh else None,
    )
    response = RedirectResponse(safe_next(str(pending.get("next"))), status_code=303)
    value, kwargs = store.cookie(session, now)
    response.set_cookie(SESSION_COOKIE, value, **kwargs)
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    session = current_session(request)  # the app-wide check verified it and the CSRF token
    settings: Settings = request.app.state.settings
    target = "/signed-out"
    try:
        metadata = await request.app.state.idp.load_server_metadata()
        if session.refresh_token and metadata.get("revocation_endpoint"):
            await _revoke(request, settings, metadata["revocation_endpoint"], session)
        if metadata.get("end_session_endpoint"):
            logout = await request.app.state.idp.create_logout_url(
                post_logout_redirect_uri=settings.signed_out_uri(),
                client_id=settings.oidc_client_id,
            )
            target = logout["url"]
    except Exception as exc:  # signing out here must work even if the provider is away
        log.warning("identity provider sign-out skipped: %r", exc)
    response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _revoke(request: Request, settings: Settings, endpoint: str, session: Session) -> None:
    """RFC 7009: the refresh token ends with the session, not when it would expire."""
    async with request.app.state.idp._get_oauth_client() as client:
        await client.revoke_token(
            endpoint, token=session.refresh_token, token_type_hint="refresh_token"
        )


@router.get("/signed-out")
async def signed_out(request: Request) -> Response:
    response = render(request, "signed-out.html")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
