"""A throwaway PostgreSQL server for tests, from the installed server binaries.

`python -m runtime.pgserver run -- CMD ...` runs CMD with `LPM_TEST_POSTGRES_URL` naming a
server that answers: the one already named, else 127.0.0.1:5432 if it lets `postgres` in, else a
fresh cluster in a temporary folder on a free port, stopped (and removed) when CMD ends. The
server binaries come from `LPM_PG_BINDIR`, `pg_config --bindir`, or the newest
`/usr/lib/postgresql/*/bin` (Debian's layout).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from runtime.broker import free_port

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# A test server trades durability for speed: a crash loses nothing a test needs.
FAST_OPTIONS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "400",
}


class PostgresNotInstalled(RuntimeError):
    pass


def find_bindir() -> Path:
    if env := os.environ.get("LPM_PG_BINDIR"):
        return Path(env)
    if pg_config := shutil.which("pg_config"):
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for candidate in reversed(debian):
        if (candidate / "initdb").exists():
            return candidate
    if initdb := shutil.which("initdb"):
        return Path(initdb).resolve().parent
    raise PostgresNotInstalled(
        "no PostgreSQL server binaries found (install the Debian package `postgresql`, "
        "or set LPM_PG_BINDIR)"
    )


def answers(url: str, timeout: float = 2.0) -> bool:
    """True if the server at `url` accepts its user without a password."""
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(dsn=url, timeout=timeout)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


@dataclass
class ThrowawayCluster:
    """One PostgreSQL cluster in a temporary folder, owned by the `postgres` user when run as
    root (the server refuses to run as root)."""

    port: int
    folder: Path
    bindir: Path
    options: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}")

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = {
            **FAST_OPTIONS,
            **self.options,
            "port": str(self.port),
            "unix_socket_directories": str(self.folder),
        }
        flags = " ".join(f"-c {k}={v}" for k, v in options.items())
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", flags, "-l", log, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self, mode: str = "fast") -> None:
        """`pg_ctl restart`: stop (closing every connection) and start with the same options."""
        # -l as at start: without it the server would inherit pg_ctl's (captured) output.
        log = str(self.folder / "server.log")
        self._run(
            "pg_ctl", "-D", str(self.data), "-m", mode, "-l", log, "-w", "-t", "60", "restart"
        )


@contextlib.contextmanager
def throwaway_cluster(port: int | None = None, **options: str) -> Iterator[ThrowawayCluster]:
    """A cluster for the block; `options` override FAST_OPTIONS (a test that crashes the
    server and counts what survived passes synchronous_commit="on")."""
    bindir = find_bindir()
    folder = Path(tempfile.mkdtemp(prefix="lpm-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    cluster = ThrowawayCluster(port or free_port(), folder, bindir, options)
    try:
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            with contextlib.suppress(RuntimeError):
                cluster.stop("immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def server_url() -> str | None:
    """The server tests should use, if one answers without starting anything."""
    named = os.environ.get("LPM_TEST_POSTGRES_URL")
    if named:
        return named
    return DEFAULT_URL if answers(DEFAULT_URL) else None


def run(cmd: list[str]) -> int:
    env = dict(os.environ)
    url = server_url()
    if url is not None:
        env["LPM_TEST_POSTGRES_URL"] = url
        print(f"PostgreSQL for the tests: {redact(url)}", flush=True)
        return subprocess.call(cmd, env=env)
    with throwaway_cluster() as cluster:
        env["LPM_TEST_POSTGRES_URL"] = cluster.url
        print(f"PostgreSQL for the tests: a throwaway cluster at {cluster.url}", flush=True)
        child = subprocess.Popen(cmd, env=env)
        # Pass Ctrl-C and SIGTERM on, then still stop the cluster.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda s, _f: child.send_signal(s))
        return child.wait()


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "run" or argv[1] != "--":
        print("usage: python -m runtime.pgserver run -- CMD [ARGS...]", file=sys.stderr)
        return 2
    return run(argv[2:])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
