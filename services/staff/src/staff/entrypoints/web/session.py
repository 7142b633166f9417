"""The signed-in person's session: an encrypted, HttpOnly, SameSite cookie; and CSRF tokens.

The cookie holds the access token (and the refresh token when the identity provider gives one),
so it is encrypted and authenticated (Fernet: AES-CBC and HMAC-SHA256), never merely signed: a
page, a URL or a script never sees a token. Any cookie that does not decrypt or is too old counts
as no session, and so does one whose access token has expired with no refresh token to renew it.
A session ends at `ends_at` (sign-in plus the longest session) whatever the refreshes.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SESSION_COOKIE = "lpm_staff_session"
SIGN_IN_COOKIE = "lpm_staff_sign_in"
SIGN_IN_MAX_SECONDS = 600
CSRF_FIELD = "csrf_token"
# An access token this close to expiry is renewed first: it must not expire on its way.
RENEW_BEFORE_SECONDS = 30


@dataclass(frozen=True)
class User:
    subject: str
    name: str
    role: str
    team_id: str | None = None
    agency_id: str | None = None


@dataclass(frozen=True)
class Session:
    user: User
    access_token: str
    expires_at: float  # the access token's expiry
    csrf_token: str
    ends_at: float  # the session's: no refresh goes beyond it
    refresh_token: str | None = None

    def expired(self, now: float | None = None) -> bool:
        """The access token has expired, or is about to: renew it before use."""
        return (now if now is not None else time.time()) >= self.expires_at - RENEW_BEFORE_SECONDS

    def ended(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.ends_at

    def renewed(self, access_token: str, expires_at: float, refresh_token: str | None) -> Session:
        """The same session (person, CSRF token, end) with a fresh access token."""
        return replace(
            self,
            access_token=access_token,
            expires_at=min(expires_at, self.ends_at),
            refresh_token=refresh_token or self.refresh_token,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": asdict(self.user),
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "csrf_token": self.csrf_token,
            "ends_at": self.ends_at,
            "refresh_token": self.refresh_token,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        refresh = data.get("refresh_token")
        return cls(
            User(**data["user"]),
            str(data["access_token"]),
            float(data["expires_at"]),
            str(data["csrf_token"]),
            float(data["ends_at"]),
            str(refresh) if refresh else None,
        )

    @classmethod
    def start(
        cls,
        user: User,
        access_token: str,
        expires_at: float,
        *,
        ends_at: float | None = None,
        refresh_token: str | None = None,
    ) -> Session:
        end = expires_at if ends_at is None else ends_at
        return cls(
            user,
            access_token,
            min(expires_at, end),
            new_csrf_token(),
            end,
            refresh_token if refresh_token else None,
        )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(session: Session | None, submitted: object) -> bool:
    """A form's token must be this session's; compared in constant time."""
    if session is None or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(session.csrf_token.encode(), submitted.encode())


class CookieCodec:
    """Encrypts small JSON documents for cookies, with one key per purpose from one secret."""

    def __init__(self, secret: str, purpose: str) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 characters")
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=f"lpm-staff:{purpose}".encode()
        ).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def dumps(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()

    def loads(self, token: str | None, max_age: int) -> dict[str, Any] | None:
        if not token:
            return None
        try:
            raw = self._fernet.decrypt(token.encode(), ttl=max_age)
            data = json.loads(raw)
        except (InvalidToken, ValueError, UnicodeError):
            return None
        return data if isinstance(data, dict) else None


class SessionStore:
    """Reads and writes the session cookie."""

    def __init__(self, secret: str, max_age: int, secure: bool) -> None:
        self.codec = CookieCodec(secret, "session")
        self.sign_in_codec = CookieCodec(secret, "sign-in")
        self.max_age = max_age
        self.secure = secure

    def read(self, cookie: str | None, now: float | None = None) -> Session | None:
        """The session of this cookie; its access token may need renewing (`expired()`) when
        it has a refresh token to renew it with."""
        data = self.codec.loads(cookie, self.max_age)
        if data is None:
            return None
        try:
            session = Session.from_dict(data)
        except (KeyError, TypeError, ValueError):
            return None
        if session.ended(now) or (session.expired(now) and not session.refresh_token):
            return None
        return session

    def cookie(self, session: Session, now: float | None = None) -> tuple[str, dict[str, Any]]:
        """The Set-Cookie value and attributes of a session: it lasts until the session ends."""
        left = int(session.ends_at - (now if now is not None else time.time()))
        return self.codec.dumps(session.to_dict()), self.cookie_kwargs(max(left, 0))

    def cookie_kwargs(self, max_age: int) -> dict[str, Any]:
        return {
            "max_age": max_age,
            "httponly": True,
            "secure": self.secure,
            "samesite": "lax",  # sent on the identity provider's redirect back, not on cross-site posts
            "path": "/",
        }
