"""Cursor pagination for every list: opaque, signed cursors bound to the caller and the filters.

A cursor minted for one caller or one set of filters is refused for another, so a cursor can
neither be forged nor replayed to peek past a filter (or at another agency's records).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from runtime.errors import ProblemError

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

# The query parameters of every list, declared once so the documents state what is accepted.
PageLimit = Annotated[
    int | None,
    Query(ge=1, le=MAX_PAGE_SIZE, description=f"page size, 1-{MAX_PAGE_SIZE} (default 20)"),
]
PageCursor = Annotated[
    str | None,
    Query(
        max_length=2000,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="`next_cursor` of the previous page, unchanged; a cursor not issued for "
        "this caller and these filters answers 400 invalid-cursor",
    ),
]

T = TypeVar("T")

# Signing key for cursors; per process is enough (a cursor is short-lived), env for clusters.
_KEY = (os.environ.get("LPM_CURSOR_SECRET") or os.urandom(32).hex()).encode()


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


@dataclass(frozen=True)
class PageRequest:
    limit: int
    after: list[Any] | None  # the sort key of the last item of the previous page


def _scope_digest(scope: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(scope, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode_cursor(after: list[Any], scope: dict[str, Any]) -> str:
    body = json.dumps({"a": after, "s": _scope_digest(scope)}, default=str).encode()
    sig = hmac.new(_KEY, body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(sig + body).decode().rstrip("=")


def decode_cursor(cursor: str, scope: dict[str, Any]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sig, body = raw[:16], raw[16:]
        if not hmac.compare_digest(sig, hmac.new(_KEY, body, hashlib.sha256).digest()[:16]):
            raise ValueError("bad signature")
        data = json.loads(body)
    except (ValueError, json.JSONDecodeError):
        raise ProblemError(400, "the cursor is not valid", code="invalid-cursor") from None
    if data.get("s") != _scope_digest(scope):
        raise ProblemError(400, "the cursor belongs to another query", code="invalid-cursor")
    after = data.get("a")
    if not isinstance(after, list):
        raise ProblemError(400, "the cursor is not valid", code="invalid-cursor")
    return after


def page_request(limit: int | None, cursor: str | None, scope: dict[str, Any]) -> PageRequest:
    size = DEFAULT_PAGE_SIZE if limit is None else limit
    if size < 1 or size > MAX_PAGE_SIZE:
        raise ProblemError(
            422, f"limit must be between 1 and {MAX_PAGE_SIZE}", code="validation-error"
        )
    return PageRequest(size, decode_cursor(cursor, scope) if cursor else None)


def next_cursor(
    rows: list[T], limit: int, key: Any, scope: dict[str, Any]
) -> tuple[list[T], str | None]:
    """Given up to limit+1 rows, the page and the cursor to the next one (None at the end)."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(list(key(page[-1])), scope)
