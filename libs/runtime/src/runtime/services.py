"""The platform's services by name: where their code and migrations live, and default ports."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    default_port: int

    @property
    def bootstrap_module(self) -> str:
        return f"{self.name}.bootstrap"

    def bootstrap(self) -> ModuleType:
        return importlib.import_module(self.bootstrap_module)

    def settings(self, **overrides: Any) -> Any:
        config = importlib.import_module(f"{self.name}.config")
        return config.Settings(**overrides)

    @property
    def migrations(self) -> Path:
        package = importlib.import_module(self.name)
        # services/<name>/src/<name>/__init__.py -> services/<name>/migrations
        return Path(package.__file__ or "").resolve().parents[2] / "migrations"


SERVICES: dict[str, ServiceEntry] = {
    e.name: e
    for e in (
        ServiceEntry("referrals", 8001),
        ServiceEntry("formulation", 8002),
        ServiceEntry("goals", 8003),
        ServiceEntry("outcomes", 8004),
    )
}
