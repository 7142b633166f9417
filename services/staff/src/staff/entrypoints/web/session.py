"""The signed-in person's session: an encrypted, HttpOnly, SameSite cookie; and CSRF tokens.

The cookie holds the access token, so it is encrypted and authenticated (Fernet: AES-CBC and
HMAC-SHA256), never merely signed: a page, a URL or a script never sees the token. Any cookie
that does not decrypt, is too old, or whose access token has expired counts as no session.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SESSION_COOKIE = "lpm_staff_session"
SIGN_IN_COOKIE = "lpm_staff_sign_in"
SIGN_IN_MAX_SECONDS = 600
CSRF_FIELD = "csrf_token"


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
    expires_at: float
    csrf_token: str

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) >= self.expires_at

    def to_dict(self) -> dict[str, Any]:
        return {
            "user": asdict(self.user),
            "access_token": self.access_token,
            "expires_at": self.expires_at,
            "csrf_token": self.csrf_token,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        return cls(
            User(**data["user"]),
            str(data["access_token"]),
            float(data["expires_at"]),
            str(data["csrf_token"]),
        )

    @classmethod
    def start(cls, user: User, access_token: str, expires_at: float) -> Session:
        return cls(user, access_token, expires_at, new_csrf_token())


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
        data = self.codec.loads(cookie, self.max_age)
        if data is None:
            return None
        try:
            session = Session.from_dict(data)
        except (KeyError, TypeError, ValueError):
            return None
        return None if session.expired(now) else session

    def cookie_kwargs(self, max_age: int) -> dict[str, Any]:
        return {
            "max_age": max_age,
            "httponly": True,
            "secure": self.secure,
            "samesite": "lax",  # sent on the identity provider's redirect back, not on cross-site posts
            "path": "/",
        }
