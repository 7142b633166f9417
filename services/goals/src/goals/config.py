"""Settings of the goals service (`GOALS_*` environment variables; platform-wide ones are `LPM_*`)."""

from __future__ import annotations

from runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("GOALS_")

    service_name: str = "goals"
    port: int = 8003
