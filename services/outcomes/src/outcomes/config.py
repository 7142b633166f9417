"""Settings of the outcomes service (`OUTCOMES_*` environment variables; platform-wide ones are `LPM_*`)."""

from __future__ import annotations

from runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("OUTCOMES_")

    service_name: str = "outcomes"
    port: int = 8004
