"""Two replicas on one SQLite file would both publish every outbox row: the second is refused
at start, saying why and what to do; once the first is gone, a replica starts again."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from runtime.lease import DatabaseFileInUse
from runtime.testing import run_service

pytestmark = pytest.mark.integration


async def test_a_second_replica_on_one_sqlite_file_is_refused_at_start(broker, issuer, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/referrals.db"
    async with run_service("referrals", url, broker.bootstrap, issuer) as first:
        with pytest.raises(DatabaseFileInUse) as refused:
            async with run_service("referrals", url, broker.bootstrap, issuer):
                pass
        message = str(refused.value)
        assert f"pid {os.getpid()}" in message
        assert "referrals.db" in message and "PostgreSQL" in message
        # An API-only process publishes nothing, so it may share the file.
        async with run_service("referrals", url, broker.bootstrap, issuer, run_workers=False):
            pass
        assert (await first.client.get("/health/live")).status_code == 200
    # The lease went with the first replica.
    async with run_service("referrals", url, broker.bootstrap, issuer) as again:
        assert (await again.client.get("/health/live")).status_code == 200


def _hold_lease_elsewhere(database: object) -> subprocess.Popen[bytes]:
    """Another process that holds the workers' lease on `database` until it is killed."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from pathlib import Path; from runtime.lease import WorkerLease; "
            f"lease = WorkerLease(Path({str(database)!r}), 'goals'); lease.acquire(); "
            "print('held', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
    )


async def test_the_lease_of_a_killed_replica_is_gone_with_it(broker, issuer, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/goals.db"
    holder = _hold_lease_elsewhere(tmp_path / "goals.db")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        with pytest.raises(DatabaseFileInUse, match=f"pid {holder.pid}"):
            async with run_service("goals", url, broker.bootstrap, issuer):
                pass
    finally:
        holder.kill()  # SIGKILL: no chance to release anything
        holder.wait(10)
    async with run_service("goals", url, broker.bootstrap, issuer) as goals:
        assert (await goals.client.get("/health/live")).status_code == 200
