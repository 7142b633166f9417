"""`lpm run` (what `make run` starts): the broker, the development issuer and the five services
come up ready on the
ports the environment names, answer an authenticated call, and a SIGTERM stops every process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from runtime.broker import free_port
from runtime.services import SERVICES

pytestmark = pytest.mark.integration


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_lpm_run_starts_everything_and_a_sigterm_stops_everything(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    ports = {name: free_port() for name in [*SERVICES, "kafka", "issuer"]}
    env = {
        **os.environ,
        "LPM_DATA_DIR": str(tmp_path / "var"),
        "LPM_KAFKA_PORT": str(ports["kafka"]),
        "LPM_KAFKA_BOOTSTRAP": f"127.0.0.1:{ports['kafka']}",
        "LPM_DEV_ISSUER_PORT": str(ports["issuer"]),
        **{f"{name.upper()}_PORT": str(ports[name]) for name in SERVICES},
    }
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            # Six processes start on a shared two-core machine: the ready wait is generous.
            [str(bin_dir / "lpm"), "run", "--ready-timeout", "420"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 480
        while "is running" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.5)
        printed = log.read_text()
        assert "is running" in printed, printed
        for name in SERVICES:
            url = f"http://127.0.0.1:{ports[name]}"
            assert url in printed
            assert httpx.get(f"{url}/health/ready", timeout=5).status_code == 200

        # The staff pages send a visitor to sign in at the development issuer (OIDC).
        issuer = f"http://127.0.0.1:{ports['issuer']}"
        assert issuer in printed
        discovery = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=5).json()
        assert discovery["issuer"] == issuer
        page = httpx.get(f"http://127.0.0.1:{ports['staff']}/", timeout=5)
        assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")

        token = subprocess.run(
            [str(bin_dir / "lpm"), "token", "--role", "bi_analyst"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        r = httpx.get(
            f"http://127.0.0.1:{ports['outcomes']}/v1/measures/contacts",
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        assert r.status_code == 200, r.text
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, log.read_text()
    assert [p for p in ports.values() if _listening(p)] == []


def test_a_broker_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    """A killed `lpm run` (or test run) leaves no broker behind holding its port."""
    port = free_port()
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from runtime.broker import EmbeddedBroker; "
            f"EmbeddedBroker({port}).start(); print('up', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
    )
    assert starter.stdout is not None and starter.stdout.readline().strip() == b"up"
    assert _listening(port)
    starter.kill()  # SIGKILL: no chance to stop the broker itself
    starter.wait(10)
    deadline = time.monotonic() + 10
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _listening(port)
