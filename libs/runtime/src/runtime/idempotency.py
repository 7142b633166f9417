"""`Idempotency-Key` on every POST: the same key and body replay the first response.

The same key with another body is refused (422). Keys are kept per client for
`LPM_IDEMPOTENCY_RETENTION_HOURS` (24 by default), then expire.

Crash-safe: the key, with the answer, commits in the same transaction as the request's effect.
The middleware opens a scope for the request; the unit of work inserts the key in its own
transaction and, instead of committing, leaves that transaction to the scope; the middleware
writes the answer into it, commits, and only then sends the answer. So a crash at any moment
leaves either nothing (the retry runs afresh) or the effect with its answer (the retry replays
it); never an effect without its key. A concurrent twin with the same key waits on the key's
unique index (PostgreSQL) or the write lock (SQLite), finds the key taken, and replays the
first answer. A request without a unit of work (a refusal, say) stores its answer on its own.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime import audit
from runtime.db import Database, database_unavailable, utcnow
from runtime.errors import ProblemError
from runtime.identity import Principal
from runtime.problems import STANDARD, problem_body
from runtime.tables import PlatformTables

log = logging.getLogger(__name__)

# Left by an earlier version, which committed a claim before the effect; never written now.
IN_PROGRESS = 0
MAX_KEY_LENGTH = 128
_DROPPED_HEADERS = (b"content-length", b"date", b"server", b"x-request-id")


def _problem(code: str, detail: str) -> bytes:
    return json.dumps(problem_body(STANDARD, code, detail=detail)).encode()


@dataclass
class KeyScope:
    """One keyed request: what the unit of work needs to store the key beside its effect."""

    db: Database
    tables: PlatformTables
    principal: Principal
    asgi_scope: Scope
    client: str
    key: str
    path: str
    body_hash: str
    # The unit of work's transaction, left open for the answer (None until it commits).
    pending: AbstractAsyncContextManager[AsyncSession] | None = None
    session: AsyncSession | None = None
    signal_outbox: bool = False
    # Another request with this key committed first.
    taken: bool = False

    @property
    def table(self) -> Any:
        return self.tables.idempotency_keys

    def row(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "key": self.key,
            "method": "POST",
            "path": self.path,
            "body_hash": self.body_hash,
            "status": IN_PROGRESS,
            "response_headers": [],
            "response_body": "",
            "created_at": utcnow(),
        }

    async def claim(self, session: AsyncSession) -> None:
        """Insert the key in the unit of work's transaction (called by `UnitOfWork.commit`)."""
        try:
            await session.execute(insert(self.table).values(**self.row()))
        except IntegrityError:
            self.taken = True
            raise

    def keep_open(
        self, cm: AbstractAsyncContextManager[AsyncSession], session: AsyncSession, signal: bool
    ) -> None:
        self.pending, self.session, self.signal_outbox = cm, session, signal

    async def commit(self, status: int, headers: list[tuple[str, str]], body: str) -> None:
        cm, session = self.pending, self.session
        assert cm is not None and session is not None
        self.pending = self.session = None
        try:
            await session.execute(
                update(self.table)
                .where(self.table.c.client == self.client, self.table.c.key == self.key)
                .values(status=status, response_headers=headers, response_body=body)
            )
        except BaseException as exc:
            await cm.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        await cm.__aexit__(None, None, None)
        if self.signal_outbox:
            self.db.outbox_signal.set()

    async def roll_back(self) -> None:
        cm, self.pending, self.session = self.pending, None, None
        if cm is not None:
            error = RuntimeError("request failed after its unit of work")
            try:
                await cm.__aexit__(RuntimeError, error, None)
            except RuntimeError:
                pass


_current: ContextVar[KeyScope | None] = ContextVar("idempotency_scope", default=None)


def scope_for(db: Database) -> KeyScope | None:
    """The keyed request's scope, when its unit of work writes to `db`."""
    scope = _current.get()
    return scope if scope is not None and scope.db is db else None


@contextmanager
def _entered(scope: KeyScope) -> Iterator[None]:
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)


class IdempotencyMiddleware:
    """ASGI middleware; needs `app.state.db`, `.tables`, `.verifier` and `.settings`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        try:
            principal = await state.verifier.verify(headers.get("authorization"))
        except ProblemError:
            await self.app(scope, receive, send)  # the route's own check answers 401
            return
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            await _send(
                send,
                400,
                _problem(
                    "bad-request",
                    f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters (got {len(key)})",
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
        db: Database = state.db
        tables: PlatformTables = state.tables
        retention = timedelta(hours=state.settings.platform.idempotency_retention_hours)
        key_scope = KeyScope(
            db,
            tables,
            principal,
            scope,
            f"{principal.role}:{principal.agency_id or ''}:{principal.subject}"[:128],
            key,
            scope["path"],
            hashlib.sha256(body).hexdigest(),
        )
        if await _replayed(key_scope, send, retention):
            return

        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        try:
            await self._run(key_scope, scope, replay_receive, send, retention)
        finally:
            # Cancelled, or failed before its answer: the effect goes with the answer.
            await key_scope.roll_back()

    async def _run(
        self,
        key_scope: KeyScope,
        scope: Scope,
        receive: Receive,
        send: Send,
        retention: timedelta,
    ) -> None:
        # The answer is held back until the key and the effect have committed together.
        held: list[Message] = []

        async def hold(message: Message) -> None:
            held.append(message)

        try:
            with _entered(key_scope):
                await self.app(scope, receive, hold)
        except Exception:
            await key_scope.roll_back()
            if key_scope.taken and await _replayed(key_scope, send, retention):
                return
            raise
        if key_scope.taken:
            await key_scope.roll_back()
            if not await _replayed(key_scope, send, retention):
                await _in_progress(send)
            return
        status, response_headers, response_body = _answer(held)
        try:
            if key_scope.pending is not None:
                # The effect committed in the handler's eyes: its answer is final, whatever it is.
                await key_scope.commit(status, response_headers, response_body)
            elif status < 500 and status != 429:
                await _store(key_scope, status, response_headers, response_body)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            # Nothing committed, the effect included: a retry with the key runs afresh.
            log.warning("idempotency: cannot commit the answer (%s)", exc)
            await _send(
                send,
                503,
                _problem(
                    "database-unavailable",
                    "nothing was stored; retry with the same Idempotency-Key",
                ),
                retry_after="2",
            )
            return
        for message in held:
            await send(message)


def _answer(held: list[Message]) -> tuple[int, list[tuple[str, str]], str]:
    status = 500
    headers: list[tuple[str, str]] = []
    body: list[bytes] = []
    for message in held:
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [
                (k.decode(), v.decode())
                for k, v in message.get("headers", [])
                if k.lower() not in _DROPPED_HEADERS
            ]
        elif message["type"] == "http.response.body":
            body.append(message.get("body", b""))
    return status, headers, b"".join(body).decode("utf-8", "replace")


async def _store(
    scope: KeyScope, status: int, headers: list[tuple[str, str]], response_body: str
) -> None:
    """Keep the answer of a request that changed nothing, so a retry gets the same answer."""
    try:
        async with scope.db.transaction() as session:
            await session.execute(
                insert(scope.table).values(
                    **{
                        **scope.row(),
                        "status": status,
                        "response_headers": headers,
                        "response_body": response_body,
                    }
                )
            )
    except IntegrityError:
        pass  # a twin stored its answer first; a retry replays that one
    except Exception as exc:
        # The request changed nothing: without its answer kept, a retry simply runs again.
        if not database_unavailable(exc):
            raise


async def _replayed(scope: KeyScope, send: Send, retention: timedelta) -> bool:
    """Answer from a stored key (the first answer, or 422 for another body); False if none."""
    table = scope.table
    this_key = (table.c.client == scope.client, table.c.key == scope.key)
    async with scope.db.transaction() as session:
        row = (await session.execute(select(table).where(*this_key))).first()
        # An expired key (the prune deletes the others in bulk), or a claim an earlier version
        # committed before its effect (its request is long dead): as if never sent.
        if row is not None and (row.status == IN_PROGRESS or row.created_at < utcnow() - retention):
            await session.execute(delete(table).where(*this_key))
            row = None
    if row is None:
        return False
    if row.body_hash != scope.body_hash or row.path != scope.path:
        await _send(
            send,
            422,
            _problem(
                "idempotency-key-reused",
                "this Idempotency-Key was used with a different request; use a new key",
            ),
        )
        return True
    # Showing the stored answer again is a read of what it holds: audited like one.
    await audit.record_replay(
        scope.db,
        scope.tables,
        Request(scope.asgi_scope),
        scope.principal,
        row.status,
        row.response_headers,
        row.response_body,
    )
    replay_headers = [(k.encode(), v.encode()) for k, v in row.response_headers]
    replay_headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": row.status, "headers": replay_headers})
    await send({"type": "http.response.body", "body": row.response_body.encode()})
    return True


async def _in_progress(send: Send) -> None:
    await _send(
        send,
        409,
        _problem(
            "request-in-progress",
            "the first request with this Idempotency-Key has not finished; retry shortly",
        ),
    )


async def _send(send: Send, status: int, body: bytes, retry_after: str | None = None) -> None:
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
