"""The development issuer as a minimal OpenID Connect provider, for the single machine.

The staff front end signs people in with the standard authorization-code flow and PKCE, the
same flow it uses against the council's identity provider; here the sign-in page lets a worker
choose a role, team or agency, as `lpm token` does. Tokens are signed with the key of
`runtime.devauth` (under `var/dev-issuer/`), so every service accepts them unchanged.

Codes live in memory for a minute and are used once. Access tokens are short-lived; the
client keeps a session going with the refresh token the code grant returns (a confidential
client's: bound to it, kept in memory, good until the session's end, `refresh_ttl_seconds`).
The sign-in form carries a CSRF token bound to the browser (a cookie) and to the sign-in
request. Nothing here is meant for production.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from contracts.reference.referrals import RES_TEAMS
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import Field
from pydantic_settings import BaseSettings

from runtime.devauth import sign, token_claims
from runtime.identity import Role
from runtime.settings import settings_config

CODE_TTL_SECONDS = 60
BROWSER_COOKIE = "lpm_dev_issuer_browser"
CSRF_FIELD = "csrf_token"

ROLE_LABELS: dict[str, str] = {
    Role.DUTY_ADVICE: "Duty and Advice worker",
    Role.RES_PRACTITIONER: "RES practitioner",
    Role.RES_MANAGER: "RES manager",
    Role.RETHINK_FACILITATOR: "Rethink facilitator",
    Role.SUPERVISOR: "Supervisor",
    Role.BI_ANALYST: "BI analyst or manager",
    Role.ADMIN: "Administrator",
    Role.PARTNER: "Partner agency user (for example a school's Targeted Services Leader)",
}


class DevIssuerSettings(BaseSettings):
    """`LPM_DEV_ISSUER_*`: where the issuer answers and which client it knows."""

    model_config = settings_config("LPM_DEV_ISSUER_")

    url: str = "http://127.0.0.1:8009"
    # Where browsers reach the sign-in and sign-out pages, when that is not `url` (in
    # docker-compose the services reach the issuer by its container name, people by localhost).
    browser_url: str | None = None
    key_dir: Path = Path("var/dev-issuer")
    audience: str = "lpm-platform"
    client_id: str = "lpm-staff"
    client_secret: str = ""
    redirect_uris: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000/auth/callback"]
    )
    post_logout_redirect_uris: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:8000/signed-out"]
    )
    # An access token lives this long; the refresh token until the session ends.
    token_ttl_seconds: int = 15 * 60
    refresh_ttl_seconds: int = 12 * 3600

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "127.0.0.1"

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    claims: dict[str, Any]
    name: str
    expires_at: float


@dataclass
class _Codes:
    """Authorization codes (used once) or refresh tokens (used until they expire)."""

    grants: dict[str, _Grant] = field(default_factory=dict)

    def issue(self, grant: _Grant) -> str:
        now = time.time()
        for code in [c for c, g in self.grants.items() if g.expires_at < now]:
            del self.grants[code]
        code = secrets.token_urlsafe(32)
        self.grants[code] = grant
        return code

    def redeem(self, code: str) -> _Grant | None:
        grant = self.grants.pop(code, None)  # once only
        if grant is None or grant.expires_at < time.time():
            return None
        return grant

    def find(self, code: str) -> _Grant | None:
        grant = self.grants.get(code)
        if grant is None or grant.expires_at < time.time():
            return None
        return grant

    def revoke(self, code: str) -> None:
        self.grants.pop(code, None)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def create_app(settings: DevIssuerSettings | None = None) -> FastAPI:
    s = settings or DevIssuerSettings()
    app = FastAPI(title="Development issuer", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    codes, refreshes = _Codes(), _Codes()
    # Keys the sign-in form's CSRF tokens; a restart only means signing in again.
    csrf_key = secrets.token_bytes(32)
    key_path, jwks_path = s.key_dir / "signing-key.pem", s.key_dir / "jwks.json"
    base = s.url.rstrip("/")
    front = (s.browser_url or s.url).rstrip("/")

    def _authenticated_client(request: Request, form: Any) -> str | None:
        client_id, client_secret = _client_credentials(request, form)
        if (
            hmac.compare_digest(client_id, s.client_id)
            and s.client_secret
            and hmac.compare_digest(client_secret, s.client_secret)
        ):
            return client_id
        return None

    def _client_ok(client_id: str, redirect_uri: str) -> bool:
        return hmac.compare_digest(client_id, s.client_id) and redirect_uri in s.redirect_uris

    @app.get("/health/live")
    @app.get("/health/ready")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": base,
            "authorization_endpoint": f"{front}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks.json",
            "end_session_endpoint": f"{front}/end-session",
            "revocation_endpoint": f"{base}/revoke",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
        }

    @app.get("/jwks.json")
    async def jwks() -> Any:
        return json.loads(jwks_path.read_text())

    def _csrf_token(browser: str, code_challenge: str) -> str:
        message = f"{browser}|{code_challenge}".encode()
        return hmac.new(csrf_key, message, hashlib.sha256).hexdigest()

    def _sign_in_page(request: Request, params: dict[str, str], error: str | None = None) -> Any:
        # The form's token is bound to this browser (a cookie only this issuer sets) and to this
        # sign-in request: a page elsewhere cannot post the form as this browser.
        browser = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(32)
        response = templates.TemplateResponse(
            request,
            "devissuer/signin.html",
            {
                "params": params,
                "roles": ROLE_LABELS,
                "teams": RES_TEAMS,
                "error": error,
                "csrf_token": _csrf_token(browser, params["code_challenge"]),
            },
            status_code=400 if error else 200,
        )
        response.set_cookie(
            BROWSER_COOKIE,
            browser,
            max_age=3600,
            httponly=True,
            samesite="strict",
            secure=base.startswith("https://"),
            path="/",
        )
        return response

    @app.get("/authorize", response_class=HTMLResponse)
    async def authorize(
        request: Request,
        response_type: str = "",
        client_id: str = "",
        redirect_uri: str = "",
        scope: str = "",
        state: str = "",
        nonce: str = "",
        code_challenge: str = "",
        code_challenge_method: str = "",
    ) -> Any:
        # A wrong client or redirect is never redirected to (it could be anyone's address).
        if not _client_ok(client_id, redirect_uri):
            return templates.TemplateResponse(
                request,
                "devissuer/refused.html",
                {"reason": "unknown client or redirect address"},
                status_code=400,
            )
        if response_type != "code" or "openid" not in scope.split():
            return _redirect_error(redirect_uri, state, "unsupported_response_type")
        if code_challenge_method != "S256" or not code_challenge:
            return _redirect_error(redirect_uri, state, "invalid_request", "PKCE S256 is required")
        params = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
        }
        return _sign_in_page(request, params)

    @app.post("/authorize")
    async def authorize_submit(
        request: Request,
        client_id: Annotated[str, Form()],
        redirect_uri: Annotated[str, Form()],
        code_challenge: Annotated[str, Form()],
        state: Annotated[str, Form()] = "",
        nonce: Annotated[str, Form()] = "",
        role: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        team: Annotated[str, Form()] = "",
        agency: Annotated[str, Form()] = "",
        csrf_token: Annotated[str, Form()] = "",
    ) -> Any:
        if not _client_ok(client_id, redirect_uri):
            return templates.TemplateResponse(
                request,
                "devissuer/refused.html",
                {"reason": "unknown client or redirect address"},
                status_code=400,
            )
        browser = request.cookies.get(BROWSER_COOKIE, "")
        if not (
            browser
            and csrf_token
            and hmac.compare_digest(csrf_token, _csrf_token(browser, code_challenge))
        ):
            return templates.TemplateResponse(
                request,
                "devissuer/refused.html",
                {"reason": "the sign-in form was not this page's (start signing in again)"},
                status_code=403,
            )
        params = {
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "nonce": nonce,
            "code_challenge": code_challenge,
            "role": role,
            "name": name,
            "team": team,
            "agency": agency,
        }
        if role not in ROLE_LABELS:
            return _sign_in_page(request, params, "Choose a role")
        if role == Role.PARTNER and not agency.strip():
            return _sign_in_page(request, params, "Enter the agency of a partner user")
        display = name.strip() or ROLE_LABELS[role].split(" (")[0]
        slug = "-".join(display.lower().split())
        subject = f"{agency.strip()}:{slug}" if role == Role.PARTNER else f"user:{slug}"
        claims = token_claims(role, subject, agency.strip() or None, team or None, [])
        if role == Role.PARTNER:
            claims["role"] = Role.PARTNER.value
        code = codes.issue(
            _Grant(
                client_id,
                redirect_uri,
                code_challenge,
                nonce or None,
                claims,
                display,
                time.time() + CODE_TTL_SECONDS,
            )
        )
        query = {"code": code, **({"state": state} if state else {})}
        return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=303)

    @app.post("/token")
    async def token(request: Request) -> Response:
        form = await request.form()
        client_id = _authenticated_client(request, form)
        if client_id is None:
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        grant_type = form.get("grant_type")
        if grant_type == "refresh_token":
            return _refreshed(client_id, str(form.get("refresh_token", "")))
        if grant_type != "authorization_code":
            return _oauth_error(
                400, "unsupported_grant_type", "only authorization_code and refresh_token"
            )
        grant = codes.redeem(str(form.get("code", "")))
        if grant is None or grant.client_id != client_id:
            return _oauth_error(400, "invalid_grant", "the code is unknown, used or expired")
        if str(form.get("redirect_uri", "")) != grant.redirect_uri:
            return _oauth_error(400, "invalid_grant", "redirect_uri does not match")
        verifier = str(form.get("code_verifier", ""))
        if not verifier or not hmac.compare_digest(s256(verifier), grant.code_challenge):
            return _oauth_error(400, "invalid_grant", "the PKCE code_verifier does not match")
        session_ends = time.time() + s.refresh_ttl_seconds
        refresh = refreshes.issue(
            _Grant(client_id, grant.redirect_uri, "", None, grant.claims, grant.name, session_ends)
        )
        ttl = min(s.token_ttl_seconds, s.refresh_ttl_seconds)
        access = sign(
            key_path, jwks_path, grant.claims, issuer=base, audience=s.audience, ttl_seconds=ttl
        )
        id_claims: dict[str, Any] = {
            "sub": grant.claims["sub"],
            "name": grant.name,
            "role": grant.claims.get("role"),
            "auth_time": int(time.time()),
        }
        for claim in ("team_id", "agency_id"):
            if claim in grant.claims:
                id_claims[claim] = grant.claims[claim]
        if grant.nonce:
            id_claims["nonce"] = grant.nonce
        id_token = sign(
            key_path, jwks_path, id_claims, issuer=base, audience=client_id, ttl_seconds=ttl
        )
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": ttl,
                "id_token": id_token,
                "refresh_token": refresh,
                "scope": "openid profile",
            },
            headers={"Cache-Control": "no-store"},
        )

    def _refreshed(client_id: str, refresh_token: str) -> Response:
        grant = refreshes.find(refresh_token)
        if grant is None or not hmac.compare_digest(grant.client_id, client_id):
            return _oauth_error(400, "invalid_grant", "the refresh token is unknown or expired")
        # Never beyond the session's end: the last token expires with it.
        ttl = int(min(s.token_ttl_seconds, grant.expires_at - time.time()))
        if ttl <= 0:
            return _oauth_error(400, "invalid_grant", "the session has ended")
        access = sign(
            key_path, jwks_path, grant.claims, issuer=base, audience=s.audience, ttl_seconds=ttl
        )
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": ttl,
                "refresh_token": refresh_token,
                "scope": "openid profile",
            },
            headers={"Cache-Control": "no-store"},
        )

    @app.post("/revoke")
    async def revoke(request: Request) -> Response:
        """RFC 7009: the client ends a session's refresh token (at sign-out)."""
        form = await request.form()
        client_id = _authenticated_client(request, form)
        if client_id is None:
            return _oauth_error(401, "invalid_client", "unknown client or wrong secret")
        token = str(form.get("token", ""))
        grant = refreshes.find(token)
        if grant is not None and hmac.compare_digest(grant.client_id, client_id):
            refreshes.revoke(token)
        return Response(status_code=200)  # unknown tokens too (RFC 7009 section 2.2)

    @app.get("/end-session")
    async def end_session(
        request: Request, post_logout_redirect_uri: str = "", state: str = ""
    ) -> Any:
        if post_logout_redirect_uri in s.post_logout_redirect_uris:
            query = f"?{urlencode({'state': state})}" if state else ""
            return RedirectResponse(f"{post_logout_redirect_uri}{query}", status_code=303)
        return templates.TemplateResponse(request, "devissuer/signed-out.html", {})

    return app


def _redirect_error(
    redirect_uri: str, state: str, error: str, description: str = ""
) -> RedirectResponse:
    query = {"error": error, **({"error_description": description} if description else {})}
    if state:
        query["state"] = state
    return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=303)


def _client_credentials(request: Request, form: Any) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            raw = base64.b64decode(header[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return "", ""
        from urllib.parse import unquote

        client_id, _, secret = raw.partition(":")
        return unquote(client_id), unquote(secret)
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))
