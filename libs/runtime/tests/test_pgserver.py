"""`make test` on a machine with no PostgreSQL running: a throwaway cluster from the installed
binaries, reachable by the tests, gone afterwards."""

import asyncio
import subprocess
import sys

import asyncpg
import pytest
from runtime import pgserver

pytestmark = pytest.mark.integration


def test_a_throwaway_cluster_answers_and_leaves_nothing_behind():
    with pgserver.throwaway_cluster() as cluster:
        assert pgserver.answers(cluster.url)

        async def version() -> str:
            conn = await asyncpg.connect(dsn=cluster.url)
            try:
                return str(await conn.fetchval("show server_version"))
            finally:
                await conn.close()

        assert asyncio.run(version())
        folder = cluster.folder
    assert not folder.exists()
    assert not pgserver.answers(cluster.url, timeout=0.5)


def test_run_names_a_server_that_answers_to_the_command(monkeypatch):
    # No server named and none on the default port: run starts one and names it.
    monkeypatch.delenv("LPM_TEST_POSTGRES_URL", raising=False)
    monkeypatch.setattr(pgserver, "DEFAULT_URL", "postgresql://postgres@127.0.0.1:1/postgres")
    probe = (
        "import os, sys; from runtime import pgserver; "
        "url = os.environ['LPM_TEST_POSTGRES_URL']; print(url); "
        "sys.exit(0 if pgserver.answers(url) else 3)"
    )
    code = pgserver.run([sys.executable, "-c", probe])
    assert code == 0


def test_a_missing_server_binary_folder_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("LPM_PG_BINDIR", str(tmp_path))
    with pytest.raises(RuntimeError), pgserver.throwaway_cluster():
        pass


def test_usage_is_refused_without_a_command():
    result = subprocess.run(
        [sys.executable, "-m", "runtime.pgserver", "run"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "usage" in result.stderr
