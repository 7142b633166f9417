"""The supervisor of `lpm run`: a child that dies is restarted with a growing backoff and says
so; only stop_all() stops the children."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

from runtime.supervisor import Supervisor


def _python(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


def test_a_child_that_dies_is_restarted_with_backoff_and_says_so(tmp_path: Path) -> None:
    out = io.StringIO()
    supervisor = Supervisor(out=out, min_backoff=0.1, max_backoff=0.4, stable_after=60)
    log = tmp_path / "crashy.log"
    crashy = supervisor.add("crashy", lambda: _python("raise SystemExit(3)"), log)
    steady = supervisor.add("steady", lambda: _python("import time; time.sleep(60)"), tier=1)
    supervisor.start(crashy)
    supervisor.start(steady)
    steady_pid = steady.process.pid  # type: ignore[union-attr]
    deadline = time.monotonic() + 30
    while crashy.restarts < 3 and time.monotonic() < deadline:
        supervisor.poll()
        time.sleep(0.05)
    assert crashy.restarts >= 3
    said = out.getvalue()
    assert "supervisor: crashy exited with code 3" in said
    assert "restarting in 0.1s" in said and "restarting in 0.2s" in said  # it backs off
    assert "supervisor: crashy restarted (restart 1, pid" in said
    assert "supervisor: crashy exited with code 3" in log.read_text()
    # A crash of one child never touches another.
    assert steady.process is not None and steady.process.pid == steady_pid
    assert steady.process.poll() is None

    supervisor.stop_all()
    assert steady.process is None and crashy.process is None
    assert subprocess.run(["kill", "-0", str(steady_pid)], capture_output=True).returncode != 0


def test_a_child_killed_by_a_signal_is_named_by_it() -> None:
    out = io.StringIO()
    supervisor = Supervisor(out=out, min_backoff=0.05)
    child = supervisor.add("broker", lambda: _python("import time; time.sleep(60)"))
    supervisor.start(child)
    assert child.process is not None
    child.process.kill()
    child.process.wait(5)
    supervisor.poll()
    assert "supervisor: broker was killed by SIGKILL" in out.getvalue()
    time.sleep(0.1)
    supervisor.poll()
    assert child.process is not None and child.process.poll() is None
    supervisor.stop_all()
