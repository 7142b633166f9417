"""Settings of the staff front end (`STAFF_*` environment variables; platform-wide ones `LPM_*`).

The staff service keeps no data: it signs people in with OpenID Connect and calls the four
services' APIs with the signed-in person's token.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from runtime.settings import ServiceSettings, settings_config

_PACKAGE = Path(__file__).resolve().parent
# services/staff/src/staff -> services/staff/node_modules (installed by `make install`: npm ci)
NODE_MODULES = _PACKAGE.parents[1] / "node_modules"


class Settings(ServiceSettings):
    model_config = settings_config("STAFF_")

    service_name: str = "staff"
    port: int = 8000
    run_workers: bool = False
    # Where people reach this app (the OIDC redirect address is built from it).
    public_url: str | None = None
    # The identity provider: its issuer (discovery at /.well-known/openid-configuration) and
    # this app's registration with it. Issuer defaults to LPM_AUTH_ISSUER, the one whose access
    # tokens the services accept.
    oidc_issuer: str | None = None
    oidc_client_id: str = "lpm-staff"
    oidc_client_secret: SecretStr = Field(default=SecretStr(""))
    oidc_scope: str = "openid profile"
    # Encrypts the session cookie (and the sign-in cookie); 32+ random bytes, shared by replicas.
    session_secret: SecretStr = Field(default=SecretStr(""))
    # A session ends when its access token expires, and at the latest after this.
    session_max_seconds: int = 12 * 3600
    # Cookies need HTTPS unless the app is reached over plain http on the single machine.
    cookie_secure: bool | None = None
    # The four services' base addresses.
    referrals_url: str = "http://127.0.0.1:8001"
    formulation_url: str = "http://127.0.0.1:8002"
    goals_url: str = "http://127.0.0.1:8003"
    outcomes_url: str = "http://127.0.0.1:8004"
    api_timeout_seconds: float = 10.0
    assets_dir: Path = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def redirect_uri(self) -> str:
        return f"{self.base_url()}/auth/callback"

    def signed_out_uri(self) -> str:
        return f"{self.base_url()}/signed-out"

    def issuer(self) -> str:
        return (self.oidc_issuer or self.platform.auth_issuer).rstrip("/")

    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.base_url().startswith("https://")

    def service_urls(self) -> dict[str, str]:
        return {
            "referrals": self.referrals_url,
            "formulation": self.formulation_url,
            "goals": self.goals_url,
            "outcomes": self.outcomes_url,
        }
