"""A process supervisor for `lpm run`: a child that dies is started again with backoff.

Each restart is said on `lpm run`'s output and in the child's own log. Only `stop_all()` (the
user's Ctrl-C or SIGTERM) stops the children; nothing a child does stops the others.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

Process = subprocess.Popen[bytes]


@dataclass
class Child:
    """One supervised process. `start` spawns it (and may wait until it serves) and returns it."""

    name: str
    start: Callable[[], Process]
    log_path: Path | None = None
    tier: int = 0  # stopped after every child of a higher tier (the broker after its clients)
    process: Process | None = None
    restarts: int = 0
    started_at: float = 0.0
    due_at: float | None = None  # when a dead child is started again
    failures: int = field(default=0)  # consecutive short lives: the backoff grows with them


def _describe(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


class Supervisor:
    """Starts children in order, restarts any that die, stops them in reverse order."""

    def __init__(
        self,
        out: TextIO = sys.stdout,
        min_backoff: float = 0.5,
        max_backoff: float = 30.0,
        stable_after: float = 30.0,
    ) -> None:
        self.children: list[Child] = []
        self.out = out
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        # A child that lived this long is healthy again: its next crash restarts it at once.
        self.stable_after = stable_after

    def add(
        self,
        name: str,
        start: Callable[[], Process],
        log_path: Path | None = None,
        tier: int = 0,
    ) -> Child:
        child = Child(name, start, log_path, tier)
        self.children.append(child)
        return child

    def start(self, child: Child) -> None:
        """Start a child the first time (a failure here is the caller's to handle)."""
        self._spawn(child)
        assert child.process is not None
        self.say(child, f"started (pid {child.process.pid})")

    def _spawn(self, child: Child) -> None:
        child.process = child.start()
        child.started_at = time.monotonic()
        child.due_at = None

    def processes(self) -> list[Process]:
        return [c.process for c in self.children if c.process is not None]

    def say(self, child: Child, message: str) -> None:
        line = f"supervisor: {child.name} {message}"
        print(line, file=self.out, flush=True)
        if child.log_path is not None:
            with child.log_path.open("a") as log:
                log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S%z')} {line}\n")

    def backoff(self, child: Child) -> float:
        return float(min(self.max_backoff, self.min_backoff * 2 ** max(child.failures - 1, 0)))

    def poll(self) -> None:
        """One round: note children that died, start those whose backoff is over."""
        now = time.monotonic()
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                code = child.process.returncode
                child.process = None
                lived = now - child.started_at
                child.failures = 1 if lived >= self.stable_after else child.failures + 1
                delay = self.backoff(child)
                child.due_at = now + delay
                self.say(
                    child,
                    f"{_describe(code)} after {lived:.1f}s; restarting in {delay:.1f}s",
                )
            if child.process is None and child.due_at is not None and now >= child.due_at:
                child.restarts += 1
                try:
                    self._spawn(child)
                except Exception as exc:  # could not even start: try again later
                    child.failures += 1
                    delay = self.backoff(child)
                    child.due_at = time.monotonic() + delay
                    self.say(child, f"failed to start ({exc}); retrying in {delay:.1f}s")
                    continue
                assert child.process is not None
                self.say(child, f"restarted (restart {child.restarts}, pid {child.process.pid})")

    def stop_all(self, grace: float = 15.0) -> None:
        """Stop every child, highest tier first (services before the broker they use); the
        children of one tier stop side by side."""
        for tier in sorted({c.tier for c in self.children}, reverse=True):
            running = [c.process for c in self.children if c.tier == tier and c.process is not None]
            for p in running:
                if p.poll() is None:
                    p.terminate()
            for p in running:
                try:
                    p.wait(grace)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        for child in self.children:
            child.process = None
            child.due_at = None
