"""`lpm run` supervises what it starts: its broker SIGKILLed, then one service SIGKILLed, both
come back by themselves (saying so in their logs), and the writes made meanwhile are projected.
Only the user's signal stops everything."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from runtime.broker import apache_kafka_available, free_port
from runtime.services import SERVICES

pytestmark = pytest.mark.integration

CONTACT = {"source": "early_help_hub", "worry": "Things are hard at home."}


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(check: Callable[[], Any], timeout: float, what: str, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if found := check():
                print(f"{time.strftime('%H:%M:%S')} {what}", flush=True)
                return found
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {timeout}s:\n{log.read_text()[-4000:]}")


def _pid(log: Path, name: str) -> int:
    """The pid the supervisor last announced for `name`."""
    found = re.findall(
        rf"supervisor: {name} (?:started|restarted) \(.*?pid (\d+)\)", log.read_text()
    )
    assert found, log.read_text()
    return int(found[-1])


def test_lpm_run_restarts_a_killed_broker_and_a_killed_service_and_loses_no_write(
    tmp_path: Path,
) -> None:
    if not apache_kafka_available():
        pytest.skip("Apache Kafka needs java and `make kafka`")
    bin_dir = Path(sys.executable).parent
    ports = {name: free_port() for name in [*SERVICES, "kafka", "issuer"]}
    data = tmp_path / "var"
    env = {
        **os.environ,
        "LPM_BROKER": "apache",  # its log survives a restart, as a broker's should
        "LPM_DATA_DIR": str(data),
        "LPM_KAFKA_PORT": str(ports["kafka"]),
        "LPM_KAFKA_BOOTSTRAP": f"127.0.0.1:{ports['kafka']}",
        "LPM_DEV_ISSUER_PORT": str(ports["issuer"]),
        **{f"{name.upper()}_PORT": str(ports[name]) for name in SERVICES},
    }
    referrals = f"http://127.0.0.1:{ports['referrals']}"
    outcomes = f"http://127.0.0.1:{ports['outcomes']}"
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(bin_dir / "lpm"), "run", "--ready-timeout", "420"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def token(role: str) -> str:
        return subprocess.run(
            [str(bin_dir / "lpm"), "token", "--role", role],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    written = 0

    def write() -> None:
        nonlocal written
        r = httpx.post(
            f"{referrals}/v1/contacts",
            json=CONTACT,
            headers={"Authorization": f"Bearer {duty}", "Idempotency-Key": str(uuid.uuid4())},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        written += 1

    def counted() -> int:
        r = httpx.get(
            f"{outcomes}/v1/measures/contacts",
            headers={"Authorization": f"Bearer {bi}"},
            timeout=5,
        )
        return int(r.json()["total"]) if r.status_code == 200 else -1

    def ready(url: str) -> bool:
        return httpx.get(f"{url}/health/ready", timeout=5).status_code == 200

    try:
        _wait(lambda: "is running" in log.read_text(), 480, "lpm run ready", log)
        duty, bi = token("duty_advice"), token("bi_analyst")
        write()
        _wait(lambda: counted() == written, 60, "first contact counted", log)

        # The broker dies: the services keep taking writes into their outboxes.
        os.kill(_pid(log, "broker"), signal.SIGKILL)
        for _ in range(3):
            write()
        _wait(lambda: "supervisor: broker restarted" in log.read_text(), 120, "broker back", log)
        _wait(lambda: counted() == written, 120, "writes during the broker's absence", log)

        # A service dies: lpm run restarts it instead of stopping everything.
        os.kill(_pid(log, "outcomes"), signal.SIGKILL)
        for _ in range(3):
            write()
        _wait(
            lambda: "supervisor: outcomes restarted" in log.read_text(),
            60,
            "outcomes back",
            log,
        )
        _wait(lambda: ready(outcomes), 120, "outcomes ready again", log)
        _wait(lambda: counted() == written, 60, "writes during the service's absence", log)
        assert proc.poll() is None  # nothing stopped lpm run but the user
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(90)
    printed = log.read_text()
    assert code == 0, printed
    assert written == 7
    # Each restart is said where an operator looks: lpm run's output and the child's own log.
    assert "supervisor: broker was killed by SIGKILL" in printed
    assert "supervisor: outcomes was killed by SIGKILL" in printed
    assert "supervisor: broker was killed by SIGKILL" in (data / "broker.log").read_text()
    assert "supervisor: outcomes restarted" in (data / "outcomes.log").read_text()
    assert [p for p in ports.values() if _listening(p)] == []
