"""Bearer JWT verification against the issuer's JWKS (signature, iss, aud, exp, nbf).

Keys are cached for `auth_jwks_cache_seconds`; an unknown `kid` forces one refresh (key
rotation), at most once every few seconds so a flood of bad tokens cannot hammer the issuer.
A token that verified is remembered for as long as the keys are (a client sends the same token
with every request); its times are checked again on every use.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from runtime.errors import ProblemError
from runtime.identity import Principal, Role
from runtime.settings import PlatformSettings

_MIN_REFRESH_SECONDS = 5.0
ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 30


def unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="lpm"'})


class JwksCache:
    """The issuer's public keys by kid, from a URL (production) or a file (single machine)."""

    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _load(self) -> dict[str, Any]:
        if self.settings.auth_jwks_url:
            async with httpx.AsyncClient(timeout=self.settings.outgoing_timeout_seconds) as client:
                response = await client.get(self.settings.auth_jwks_url)
                response.raise_for_status()
                data: dict[str, Any] = response.json()
                return data
        if self.settings.auth_jwks_file:
            loaded: dict[str, Any] = json.loads(self.settings.auth_jwks_file.read_text())
            return loaded
        return {"keys": []}

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._fetched_at < _MIN_REFRESH_SECONDS and self._keys:
                return
            data = await self._load()
            keys: dict[str, PyJWK] = {}
            for jwk in data.get("keys", []):
                try:
                    keys[jwk.get("kid", "")] = PyJWK(jwk)
                except jwt.PyJWTError:
                    continue
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def key(self, kid: str) -> PyJWK | None:
        stale = time.monotonic() - self._fetched_at > self.settings.auth_jwks_cache_seconds
        if stale or kid not in self._keys:
            try:
                await self.refresh()
            except (httpx.HTTPError, OSError, ValueError):
                if not self._keys:
                    raise unauthorized("the identity provider's keys are unavailable") from None
        return self._keys.get(kid)


VERIFIED_TOKENS_KEPT = 4096


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    exp: float
    nbf: float | None
    at: float  # time.monotonic() when verified


class TokenVerifier:
    def __init__(self, settings: PlatformSettings) -> None:
        self.settings = settings
        self.jwks = JwksCache(settings)
        self._verified: dict[str, _Verified] = {}

    async def verify(self, authorization: str | None) -> Principal:
        if not authorization:
            raise unauthorized("a bearer token is required")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("the Authorization header must be 'Bearer <token>'")
        seen = self._verified.get(token)
        if seen is not None:
            now = time.time()
            fresh = time.monotonic() - seen.at < self.settings.auth_jwks_cache_seconds
            if fresh and now < seen.exp + LEEWAY_SECONDS:
                if seen.nbf is not None and now < seen.nbf - LEEWAY_SECONDS:
                    raise unauthorized("the token is not valid yet")
                return seen.principal
            del self._verified[token]
        principal = await self._verify(token)
        return principal

    async def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise unauthorized("the token is malformed") from None
        key = await self.jwks.key(str(header.get("kid", "")))
        if key is None:
            raise unauthorized("the token was not signed by a known key")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self.settings.auth_audience,
                issuer=self.settings.auth_issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.ExpiredSignatureError:
            raise unauthorized("the token has expired") from None
        except jwt.ImmatureSignatureError:
            raise unauthorized("the token is not valid yet") from None
        except jwt.InvalidAudienceError:
            raise unauthorized("the token is not meant for this platform") from None
        except jwt.InvalidIssuerError:
            raise unauthorized("the token comes from an unknown issuer") from None
        except jwt.PyJWTError:
            raise unauthorized("the token is not valid") from None
        problem = time_claims_problem(
            claims, time.time(), LEEWAY_SECONDS, self.settings.auth_max_token_lifetime_seconds
        )
        if problem:
            raise unauthorized(problem)
        principal = principal_from_claims(claims)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            self._verified.pop(next(iter(self._verified)))  # the oldest
        nbf = claims.get("nbf")
        self._verified[token] = _Verified(
            principal, float(claims["exp"]), None if nbf is None else float(nbf), time.monotonic()
        )
        return principal


def time_claims_problem(
    claims: dict[str, Any], now: float, leeway: float, max_lifetime: float
) -> str | None:
    """What is wrong with a token's times beyond its signature, or None.

    The JWT library coerces a string `exp` to a number; RFC 7519 says NumericDate is a JSON
    number, so anything else is refused. A token issued in the future, or living longer than
    the platform allows, is refused however well it is signed.
    """
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            return f"the token's {name} claim is not a number"
    iat = claims.get("iat")
    if iat is not None and iat > now + leeway:
        return "the token was issued in the future"
    start = iat if iat is not None else claims.get("nbf", now)
    if claims["exp"] - start > max_lifetime:
        return f"the token lives longer than {int(max_lifetime)} seconds"
    return None


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    scopes = frozenset(str(claims.get("scope", "")).split())
    agency = claims.get("agency_id")
    role_claim = claims.get("role")
    if role_claim is None:
        # Client-credentials tokens of partner systems carry an agency and scopes, no role.
        if not agency:
            raise unauthorized("the token names neither a staff role nor an agency")
        return Principal(str(claims["sub"]), Role.PARTNER, agency_id=str(agency), scopes=scopes)
    try:
        role = Role(str(role_claim))
    except ValueError:
        raise unauthorized(f"unknown role {role_claim!r}") from None
    if role is Role.PARTNER and not agency:
        raise unauthorized("a partner token must name its agency")
    team = claims.get("team_id")
    return Principal(
        str(claims["sub"]),
        role,
        agency_id=str(agency) if agency else None,
        team_id=str(team) if team else None,
        scopes=scopes,
    )
