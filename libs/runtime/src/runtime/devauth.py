"""The built-in development issuer of the single-machine default, and `lpm token`.

Keys are generated at first run under the data folder (never committed). Services read the
public keys (JWKS file); `lpm token` signs tokens with the private key. In production the
council's identity provider issues tokens and `LPM_AUTH_JWKS_URL` points at its JWKS.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from runtime.identity import PARTNER_SCOPES, Role

# The development issuer's address: `lpm run` serves it as a minimal OpenID Connect provider
# (runtime.devissuer) so the staff front end signs people in with the standard code flow.
DEV_ISSUER = "http://127.0.0.1:8009"


def dev_issuer_url() -> str:
    """Where the development issuer answers: LPM_DEV_ISSUER_URL, else port LPM_DEV_ISSUER_PORT."""
    if os.environ.get("LPM_DEV_ISSUER_URL"):
        return os.environ["LPM_DEV_ISSUER_URL"].rstrip("/")
    port = os.environ.get("LPM_DEV_ISSUER_PORT")
    return f"http://127.0.0.1:{port}" if port else DEV_ISSUER


def issuer_dir(data_dir: Path) -> Path:
    return data_dir / "dev-issuer"


def ensure_dev_issuer(data_dir: Path) -> Path:
    """Create the signing key and JWKS if missing; point this process's env at them."""
    folder = issuer_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    key_path, jwks_path = folder / "signing-key.pem", folder / "jwks.json"
    if not key_path.exists():
        write_keypair(key_path, jwks_path)
    os.environ.setdefault("LPM_AUTH_JWKS_FILE", str(jwks_path))
    os.environ.setdefault("LPM_AUTH_ISSUER", dev_issuer_url())
    # The staff front end is the issuer's one client; its secret is made here, never committed.
    client_secret = _secret_file(folder / "staff-client-secret")
    os.environ.setdefault("LPM_DEV_ISSUER_CLIENT_SECRET", client_secret)
    os.environ.setdefault("LPM_DEV_ISSUER_KEY_DIR", str(folder))
    os.environ.setdefault("LPM_DEV_ISSUER_URL", dev_issuer_url())
    os.environ.setdefault("STAFF_OIDC_CLIENT_SECRET", client_secret)
    os.environ.setdefault("STAFF_SESSION_SECRET", _secret_file(folder / "staff-session-secret"))
    if not os.environ.get("LPM_PSEUDONYM_SECRET"):
        os.environ["LPM_PSEUDONYM_SECRET"] = _secret_file(folder / "pseudonym-secret")
    return jwks_path


def _secret_file(path: Path) -> str:
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


def write_keypair(key_path: Path, jwks_path: Path, kid: str | None = None) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid or uuid.uuid4().hex[:12], "use": "sig", "alg": "RS256"})
    jwks_path.write_text(json.dumps({"keys": [jwk]}, indent=2))


def sign(
    key_path: Path,
    jwks_path: Path,
    claims: dict[str, Any],
    *,
    issuer: str = DEV_ISSUER,
    audience: str = "lpm-platform",
    ttl_seconds: int = 3600,
) -> str:
    kid = json.loads(jwks_path.read_text())["keys"][0]["kid"]
    now = int(time.time())
    body = {
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        **claims,
    }
    return jwt.encode(body, key_path.read_bytes(), algorithm="RS256", headers={"kid": kid})


def token_claims(
    role: str, subject: str | None, agency: str | None, team: str | None, scopes: list[str]
) -> dict[str, Any]:
    if role == Role.PARTNER:
        if not agency:
            raise SystemExit("a partner token needs --agency")
        return {
            "sub": subject or f"client:{agency}",
            "agency_id": agency,
            "scope": " ".join(scopes or sorted(PARTNER_SCOPES - {"service-responses:write"})),
        }
    claims: dict[str, Any] = {"sub": subject or f"user:{role}", "role": Role(role).value}
    if team:
        claims["team_id"] = team
    if agency:
        claims["agency_id"] = agency
    if scopes:
        claims["scope"] = " ".join(scopes)
    return claims


def cmd_token(args: argparse.Namespace) -> int:
    data_dir = Path(os.environ.get("LPM_DATA_DIR", "var")).resolve()
    ensure_dev_issuer(data_dir)
    folder = issuer_dir(data_dir)
    claims = token_claims(args.role, args.subject, args.agency, args.team, args.scope)
    print(
        sign(
            folder / "signing-key.pem",
            folder / "jwks.json",
            claims,
            issuer=os.environ.get("LPM_AUTH_ISSUER", dev_issuer_url()),
            ttl_seconds=args.ttl,
        )
    )
    return 0


def add_token_command(sub: Any) -> None:
    p = sub.add_parser("token", help="print a development token (single-machine issuer)")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--agency", help="agency id (partners: required)")
    p.add_argument("--team", help="RES team id (staff in a team)")
    p.add_argument("--subject", help="the caller's id (default from role/agency)")
    p.add_argument("--scope", action="append", default=[], help="repeat for several scopes")
    p.add_argument(
        "--ttl",
        type=int,
        default=8 * 3600,
        help="lifetime in seconds (services refuse more than 12 hours by default)",
    )
    p.set_defaults(func=cmd_token)
