"""Request limits: header size (431), body size (413) and per-client rate (429 with Retry-After)."""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.problems import STANDARD, problem_body

# The one route that takes a whole file (see runtime.history).
IMPORT_PATH = "/v1/admin/imports"


def _problem(status: int, code: str, title: str, detail: str) -> bytes:
    return json.dumps(
        problem_body(STANDARD, code, status=status, title=title, detail=detail)
    ).encode()


async def _refuse(send: Send, status: int, code: str, title: str, detail: str) -> None:
    body = _problem(status, code, title, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class HeaderSizeLimit:
    """Refuses requests whose headers add up to more than `max_bytes` (431), before any token
    in them is verified: the body cap would mean little if a header could carry megabytes."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            size = sum(len(name) + len(value) for name, value in scope.get("headers", []))
            if size > self.max_bytes:
                await _refuse(
                    send,
                    431,
                    "request-header-fields-too-large",
                    "Request header fields too large",
                    f"the headers add up to more than {self.max_bytes} bytes",
                )
                return
        await self.app(scope, receive, send)


class BodySizeLimit:
    """Refuses bodies over `max_bytes` (413) before any handler: by Content-Length, or, for a
    body sent without one (chunked), by reading it up to the cap first. Reading it here rather
    than counting as the app reads keeps the answer 413 whoever reads the body: a body parser
    that wraps every error in a 400 never sees an over-long body."""

    def __init__(self, app: ASGIApp, max_bytes: int, import_max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # An import of existing history is one file, all or nothing: it may be larger.
        self.import_max_bytes = import_max_bytes or max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.import_max_bytes if scope.get("path") == IMPORT_PATH else self.max_bytes
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        length: bytes | None = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                length = value
        if length is not None and length.isdigit():
            if int(length) > limit:
                await self._too_large(send, limit)
                return
            await self.app(scope, receive, send)  # the server holds the body to its length
            return
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its body
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await self._too_large(send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        buffered: Message | None = {
            "type": "http.request",
            "body": b"".join(chunks),
            "more_body": False,
        }

        async def replay() -> Message:
            nonlocal buffered
            if buffered is not None:
                message, buffered = buffered, None
                return message
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send, limit: int) -> None:
        await _refuse(
            send,
            413,
            "payload-too-large",
            "Request body too large",
            f"the body is larger than {limit} bytes",
        )


class RateLimiter:
    """Token bucket per client key: `per_minute` requests, bursts up to the same number."""

    def __init__(self, per_minute: int, max_clients: int = 10000) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self.max_clients = max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float | None = None) -> float:
        """0 when allowed; otherwise the seconds to wait before the next request is allowed."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return wait

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
