"""The platform's services by name: where their code and migrations live, and default ports.

Most services keep data (a database, migrations, an outbox and consumers). The staff front end
keeps none: it renders pages over the others' public APIs, so it has no migrations, topics or
workers. `DATA_SERVICES` are the ones with a database.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any


@dataclass(frozen=True)
class ServiceEntry:
    name: str
    default_port: int
    stores_data: bool = True

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
        if not self.stores_data:
            raise LookupError(f"{self.name} keeps no data and has no migrations")
        package = importlib.import_module(self.name)
        # services/<name>/src/<name>/__init__.py -> services/<name>/migrations
        return Path(package.__file__ or "").resolve().parents[2] / "migrations"


SERVICES: dict[str, ServiceEntry] = {
    e.name: e
    for e in (
        ServiceEntry("staff", 8000, stores_data=False),
        ServiceEntry("referrals", 8001),
        ServiceEntry("formulation", 8002),
        ServiceEntry("goals", 8003),
        ServiceEntry("outcomes", 8004),
    )
}

DATA_SERVICES: dict[str, ServiceEntry] = {n: e for n, e in SERVICES.items() if e.stores_data}


def base_urls(names: Iterable[str] = DATA_SERVICES) -> dict[str, str]:
    """Where each service answers, from the same settings `lpm run` starts it with
    (`<SERVICE>_HOST`, `<SERVICE>_PORT`)."""
    urls: dict[str, str] = {}
    for name in names:
        settings = SERVICES[name].settings()
        urls[name] = f"http://{settings.host}:{settings.port}"
    return urls
