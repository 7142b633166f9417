"""Contract fuzzing: schemathesis (all its checks) against the four services on real ports, with
an administrator's token, each service's main role and, where partners have operations, a
partner system's token. Bounded by examples per operation and a time budget per run; the
reports stay in test-output/schemathesis/."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from runtime.broker import EmbeddedBroker, free_port
from runtime.migrations import upgrade
from runtime.services import DATA_SERVICES as SERVICES
from runtime.testing import Issuer, platform_settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "test-output" / "schemathesis"
HERE = Path(__file__).resolve().parent
CONFIG = HERE / "schemathesis.toml"
BIN = Path(sys.executable).parent
MAX_EXAMPLES = 5
SECONDS_PER_RUN = 20

# Each service's main role.
MAIN_ROLE: dict[str, dict[str, str]] = {
    "referrals": {"role": "duty_advice"},
    "formulation": {"role": "res_practitioner", "team": "res-inner-east"},
    "goals": {"role": "res_practitioner", "team": "res-inner-east"},
    "outcomes": {"role": "bi_analyst"},
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, issuer: Issuer) -> Iterator[dict[str, int]]:
    """The four services on real ports (uvicorn, SQLite, the embedded broker), one thread."""
    folder = tmp_path_factory.mktemp("fuzz")
    broker = EmbeddedBroker(free_port(), log_path=folder / "broker.log")
    broker.start()
    ports = {name: free_port() for name in SERVICES}
    servers = []
    for name, entry in SERVICES.items():
        url = f"sqlite+aiosqlite:///{folder / name}.db"
        upgrade(entry.migrations, url)
        settings = entry.settings(
            database_url=url,
            # The fuzzer is one client sending fast: let it reach the handlers, not 429.
            platform=platform_settings(broker.bootstrap, issuer, rate_limit_per_minute=10**6),
        )
        app = entry.bootstrap().create_app(settings)
        config = uvicorn.Config(app, host="127.0.0.1", port=ports[name], log_level="warning")
        servers.append(uvicorn.Server(config))

    async def serve() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not all(s.started for s in servers):
            assert thread.is_alive() and time.monotonic() < deadline, "services did not start"
            time.sleep(0.2)
        # Ready means each consumer holds its partitions and fetches, a little after start.
        for port in ports.values():
            while httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=10).status_code != 200:
                assert thread.is_alive() and time.monotonic() < deadline, "services not ready"
                time.sleep(0.5)
        yield ports
    finally:
        for server in servers:
            server.should_exit = True
        thread.join(60)
        broker.stop()


# Partner systems hold scopes on these services' operations (the rest refuse them outright).
PARTNER: dict[str, dict[str, Any]] = {
    "referrals": {"role": "partner", "agency": "school-1"},
    "outcomes": {"role": "partner", "agency": "school-1", "scopes": ["service-responses:write"]},
}
RUNS = [
    *((name, who) for name in sorted(SERVICES) for who in ("admin", "main-role")),
    *((name, "partner") for name in sorted(PARTNER)),
]


@pytest.mark.parametrize(("name", "who"), RUNS)
def test_schemathesis_finds_nothing(
    platform: dict[str, int], issuer: Issuer, name: str, who: str
) -> None:
    base = f"http://127.0.0.1:{platform[name]}"
    assert httpx.get(f"{base}/health/ready", timeout=10).status_code == 200
    claims = {"admin": {"role": "admin"}, "main-role": MAIN_ROLE[name]}.get(who) or PARTNER[name]
    token = issuer.token(**claims)
    REPORTS.mkdir(parents=True, exist_ok=True)
    junit = REPORTS / f"{name}-{who}.xml"
    command = [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(SECONDS_PER_RUN),
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "14",
        "--generation-deterministic",
        "--no-shrink",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    path = os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_checks", "PYTHONPATH": path}
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=SECONDS_PER_RUN + 120, env=env
    )
    (REPORTS / f"{name}-{who}.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert junit.exists()
