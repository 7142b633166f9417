"""`Idempotency-Key` on every POST: the same key and body replay the first response.

The same key with another body is refused (422); a key whose first request is still running
answers 409. Keys are kept per client for at least `RETENTION` (24 hours). The key is claimed
before the handler runs, so two concurrent retries cannot both create a record.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import timedelta

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime import audit
from runtime.db import Database, database_unavailable, utcnow
from runtime.errors import ProblemError
from runtime.problems import STANDARD, problem_body
from runtime.tables import PlatformTables

RETENTION = timedelta(hours=24)
IN_PROGRESS = 0
STALE_CLAIM = timedelta(minutes=2)
MAX_KEY_LENGTH = 128
# About 30 s of retries (0.1 s doubling to 2 s): longer than a database restart takes.
SETTLE_ATTEMPTS = 20


def _problem(code: str, detail: str) -> bytes:
    return json.dumps(problem_body(STANDARD, code, detail=detail)).encode()


class IdempotencyMiddleware:
    """ASGI middleware; needs `app.state.db`, `.tables` and `.verifier` (set at start-up)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        key = headers.get("idempotency-key")
        if not key:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        try:
            principal = await state.verifier.verify(headers.get("authorization"))
        except ProblemError:
            await self.app(scope, receive, send)  # the route's own check answers 401
            return
        if len(key) > MAX_KEY_LENGTH:
            await _send(
                send,
                400,
                _problem(
                    "bad-request",
                    f"Idempotency-Key is longer than {MAX_KEY_LENGTH}",
                ),
            )
            return
        # Read the whole body (already capped by BodySizeLimit) to hash it, then replay it.
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        body_hash = hashlib.sha256(body).hexdigest()
        client = f"{principal.role}:{principal.agency_id or ''}:{principal.subject}"[:128]
        db: Database = state.db
        tables: PlatformTables = state.tables
        path = scope["path"]
        table = tables.idempotency_keys

        async with db.transaction() as session:
            await session.execute(delete(table).where(table.c.created_at < utcnow() - RETENTION))
            row = (
                await session.execute(
                    select(table).where(table.c.client == client, table.c.key == key)
                )
            ).first()
            if (
                row is not None
                and row.status == IN_PROGRESS
                and (utcnow() - row.created_at > STALE_CLAIM)
            ):
                await session.execute(
                    delete(table).where(table.c.client == client, table.c.key == key)
                )
                row = None
        if row is not None:
            if row.body_hash != body_hash or row.path != path:
                await _send(
                    send,
                    422,
                    _problem(
                        "idempotency-key-reused",
                        "this Idempotency-Key was used with a different request; use a new key",
                    ),
                )
                return
            if row.status == IN_PROGRESS:
                await _in_progress(send)
                return
            # Showing the stored answer again is a read of what it holds: audited like one.
            await audit.record_replay(
                db,
                tables,
                Request(scope),
                principal,
                row.status,
                row.response_headers,
                row.response_body,
            )
            replay_headers = [(k.encode(), v.encode()) for k, v in row.response_headers]
            replay_headers.append((b"idempotent-replayed", b"true"))
            await send(
                {"type": "http.response.start", "status": row.status, "headers": replay_headers}
            )
            await send({"type": "http.response.body", "body": row.response_body.encode()})
            return
        try:
            async with db.transaction() as session:
                await session.execute(
                    insert(table).values(
                        client=client,
                        key=key,
                        method="POST",
                        path=path,
                        body_hash=body_hash,
                        status=IN_PROGRESS,
                        response_headers=[],
                        response_body="",
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:  # a concurrent first request holds the key
            await _in_progress(send)
            return

        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        status = 500
        response_headers: list[tuple[str, str]] = []
        response_body: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers.extend(
                    (k.decode(), v.decode())
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"content-length", b"date", b"server", b"x-request-id")
                )
            elif message["type"] == "http.response.body":
                response_body.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            await _settle(db, table, client, key, status, response_headers, response_body)


async def _settle(
    db: Database,
    table: Table,
    client: str,
    key: str,
    status: int,
    response_headers: list[tuple[str, str]],
    response_body: list[bytes],
) -> None:
    """Store the final answer under the key, or free the key after a non-final one.

    The database may be briefly away (often the very reason for a 503): keep trying for a
    while, else every retry would see "in progress" until the claim goes stale.
    """
    for attempt in range(SETTLE_ATTEMPTS):
        try:
            async with db.transaction() as session:
                if status >= 500 or status == 429:
                    # Not a final answer: let the client retry with the same key.
                    await session.execute(
                        delete(table).where(table.c.client == client, table.c.key == key)
                    )
                else:
                    await session.execute(
                        update(table)
                        .where(table.c.client == client, table.c.key == key)
                        .values(
                            status=status,
                            response_headers=response_headers,
                            response_body=b"".join(response_body).decode("utf-8", "replace"),
                        )
                    )
            return
        except Exception as exc:
            if not database_unavailable(exc) or attempt == SETTLE_ATTEMPTS - 1:
                raise
            await asyncio.sleep(min(0.1 * 2**attempt, 2.0))


async def _in_progress(send: Send) -> None:
    await _send(
        send,
        409,
        _problem(
            "request-in-progress",
            "the first request with this Idempotency-Key has not finished; retry shortly",
        ),
    )


async def _send(send: Send, status: int, body: bytes) -> None:
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
