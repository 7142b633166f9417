"""Which status each operation answered in the test suite, against what its document declares.

The services the tests run in-process (`runtime.testing.run_service`) are wrapped in
`StatusRecorder`, which appends (service, method, route, status) to a file of the test worker.
At the end of the run the controlling process reads every worker's file and compares them with
the OpenAPI documents: a status an operation answered but does not document fails the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ENV_DIR = "LPM_OBSERVED_STATUSES_DIR"


class StatusRecorder:
    """ASGI middleware: records the route template and status of every answered request."""

    def __init__(self, app: ASGIApp, service: str, folder: Path) -> None:
        self.app = app
        self.service = service
        self.path = folder / f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}.jsonl"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, record)
        route = scope.get("route")
        methods = getattr(route, "methods", None) or ()
        path = getattr(route, "path", None)
        if status and path and scope["method"] in methods:
            line = {
                "service": self.service,
                "method": scope["method"].lower(),
                "path": path,
                "status": status[0],
            }
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as out:
                out.write(json.dumps(line) + "\n")


def read(folder: Path) -> set[tuple[str, str, str, int]]:
    seen: set[tuple[str, str, str, int]] = set()
    for file in folder.glob("*.jsonl"):
        for raw in file.read_text().splitlines():
            if raw.strip():
                row = json.loads(raw)
                seen.add((row["service"], row["method"], row["path"], int(row["status"])))
    return seen


def undocumented(
    seen: Iterable[tuple[str, str, str, int]], documents: dict[str, dict[str, Any]]
) -> list[str]:
    """Each observed (service, method, path, status) that its service's document leaves out."""
    missing: list[str] = []
    for service, method, path, status in sorted(seen):
        document = documents.get(service)
        if document is None:
            continue
        operation = document.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            if path in document.get("paths", {}) or not path.startswith(("/v1/", "/health/")):
                continue  # not a documented operation (docs pages, the schema itself)
            missing.append(f"{service}: {method.upper()} {path} is not in the document")
            continue
        if str(status) not in operation.get("responses", {}):
            missing.append(f"{service}: {method.upper()} {path} answered {status}, undocumented")
    return missing
