"""One worker process per SQLite file: a second replica on the same file is refused at start.

SQLite has no row locks for two relays to share an outbox (PostgreSQL has `SKIP LOCKED`), so two
replicas on one file would both publish every row. The process that runs a service's relay and
consumers holds an exclusive lock on `<file>.workers.lock` for its lifetime. The lock is the
kernel's (`flock`): it goes with the process, so a crashed replica leaves no stale lease.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class DatabaseFileInUse(RuntimeError):
    """Another live process already runs the workers on this SQLite file."""


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for PostgreSQL or an in-memory database."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return None if not path or path == ":memory:" else Path(path).resolve()


class WorkerLease:
    """Held while this process runs the relay and consumers on one SQLite file."""

    def __init__(self, database: Path, service: str) -> None:
        self.database = database
        self.service = service
        self.path = database.with_name(database.name + ".workers.lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DatabaseFileInUse(
                f"{self.service}: refused to start: another process (pid {holder}) already runs "
                f"the outbox relay and consumers on {self.database}. One SQLite file serves one "
                "replica; run several replicas on PostgreSQL "
                f"({self.service.upper()}_DATABASE_URL=postgresql+asyncpg://...), or start this "
                f"one without workers ({self.service.upper()}_RUN_WORKERS=false)."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
