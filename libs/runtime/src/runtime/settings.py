"""Settings read from the environment: `LPM_*` for the platform, `<SERVICE>_*` per service.

A service subclasses `ServiceSettings` with `model_config = settings_config("GOALS_")`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from contracts.topics import namespaced
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def settings_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", extra="ignore", secrets_dir=_secrets_dir()
    )


def _secrets_dir() -> str | None:
    # Kubernetes mounts secrets as files; pydantic-settings reads one file per field.
    path = Path("/run/secrets/lpm")
    return str(path) if path.is_dir() else None


class PlatformSettings(BaseSettings):
    """Platform-wide values (`LPM_*`): broker, telemetry, identity, data folder."""

    model_config = settings_config("LPM_")

    data_dir: Path = Path("var")
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Prefixes every topic and consumer group on the broker (contracts.topics.namespaced).
    kafka_namespace: str = ""
    # The embedded broker cannot do InitProducerId; Apache Kafka can and should.
    kafka_idempotence: bool = False
    kafka_request_timeout_ms: int = 5000
    # How long a fetch may wait for data: the floor of event-to-projection lag on a broker
    # that answers at the deadline rather than on arrival.
    kafka_fetch_max_wait_ms: int = 100
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str = "http://127.0.0.1:4318/v1/traces"
    # Identity: JWTs are checked against this issuer's JWKS.
    auth_issuer: str = "http://127.0.0.1:8000/dev-issuer"
    auth_audience: str = "lpm-platform"
    auth_jwks_url: str | None = None
    auth_jwks_file: Path | None = None
    auth_jwks_cache_seconds: int = 300
    # A working day and a little: a token that lives longer is refused (issued or stolen).
    auth_max_token_lifetime_seconds: int = 12 * 3600
    pseudonym_secret: SecretStr = Field(default=SecretStr(""))
    # How long a client's Idempotency-Key replays its first answer; older keys are deleted.
    idempotency_retention_hours: float = 24.0
    max_body_bytes: int = 256 * 1024
    # POST /v1/admin/imports takes a whole file of history at once.
    max_import_body_bytes: int = 16 * 1024 * 1024
    # All request headers together (names and values): ample for a bearer token and tracing.
    max_header_bytes: int = 16 * 1024
    rate_limit_per_minute: int = 600
    outgoing_timeout_seconds: float = 5.0
    # Retention (runtime.retention says why each is so long); 0 keeps for ever.
    outbox_retention_days: int = Field(default=365, ge=0)
    inbox_retention_days: int = Field(default=400, ge=0)
    audit_retention_years: int = Field(default=25, ge=0)
    prune_interval_seconds: float = Field(default=3600.0, gt=0)

    @model_validator(mode="after")
    def _inbox_outlives_outbox(self) -> PlatformSettings:
        # An event that can still be republished from an outbox must still be found in the
        # inbox, or a replay would apply it twice.
        keeps_outbox_forever = self.outbox_retention_days == 0
        if self.inbox_retention_days and (
            keeps_outbox_forever or self.inbox_retention_days < self.outbox_retention_days
        ):
            raise ValueError(
                "inbox_retention_days must be 0 (keep) or at least outbox_retention_days"
            )
        return self

    def kafka_name(self, name: str) -> str:
        """The broker's name for a contracted topic or a consumer group."""
        return namespaced(self.kafka_namespace, name)


class ServiceSettings(BaseSettings):
    """Per-service values (`<SERVICE>_*`); subclasses set the env prefix and defaults.

    Platform-wide values sit in `platform`, read from `LPM_*`.
    """

    model_config = settings_config("SERVICE_")

    platform: PlatformSettings = Field(default_factory=PlatformSettings)
    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str = ""
    run_workers: bool = True  # relay and consumers inside the API process (single machine)
    consumer_group: str | None = None
    outbox_batch_size: int = 200
    outbox_poll_seconds: float = 0.5

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.platform.data_dir / (self.service_name + '.db')}"
