"""Settings of the formulation service (`FORMULATION_*` environment variables; platform-wide ones are `LPM_*`)."""

from __future__ import annotations

from runtime.settings import ServiceSettings, settings_config


class Settings(ServiceSettings):
    model_config = settings_config("FORMULATION_")

    service_name: str = "formulation"
    port: int = 8002
