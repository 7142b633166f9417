"""The API client: a read whose kept-alive connection the service closed is sent again once;
a write never is (it may have been applied)."""

from __future__ import annotations

import httpx
import pytest
from staff.entrypoints.web.api import Api, Unavailable


def flaky(first_error: Exception) -> tuple[httpx.MockTransport, list[str]]:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if len(seen) == 1:
            raise first_error
        return httpx.Response(200, json={"ok": True})

    return httpx.MockTransport(handle), seen


async def test_a_read_on_a_closed_connection_is_sent_again_once() -> None:
    transport, seen = flaky(httpx.ReadError("connection reset"))
    async with httpx.AsyncClient(transport=transport) as http:
        result = await Api(http, {"outcomes": "http://outcomes"}, "t").get("outcomes", "/v1/x")
    assert result.body == {"ok": True}
    assert seen == ["GET", "GET"]


async def test_a_write_on_a_closed_connection_is_not_sent_again() -> None:
    transport, seen = flaky(httpx.ReadError("connection reset"))
    async with httpx.AsyncClient(transport=transport) as http:
        with pytest.raises(Unavailable):
            await Api(http, {"goals": "http://goals"}, "t").post("goals", "/v1/x", {})
    assert seen == ["POST"]
