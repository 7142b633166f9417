"""The one client of the four services' APIs, called with the signed-in person's token.

Every page reads and writes through here, so the services' policies, object-level 404s and
audit apply unchanged. Problems (RFC 9457) come back as exceptions the pages turn into GOV.UK
error summaries (`forms.FormErrors`); a 412 becomes `StaleRecord`, shown as "someone else
changed this record" with the current version; lists follow the APIs' cursors.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

Json = Any


@dataclass
class ApiError(Exception):
    """A problem answer from a service (4xx or 5xx), or the service could not be reached."""

    status: int
    problem: dict[str, Any] = field(default_factory=dict)
    service: str = ""

    def __post_init__(self) -> None:
        Exception.__init__(self, f"{self.service}: {self.status} {self.title}")

    @property
    def code(self) -> str:
        return str(self.problem.get("type", "")).rsplit("/", 1)[-1]

    @property
    def title(self) -> str:
        return str(self.problem.get("title", ""))

    @property
    def detail(self) -> str:
        return str(self.problem.get("detail", ""))

    @property
    def errors(self) -> list[dict[str, str]]:
        found = self.problem.get("errors") or []
        return [
            {"field": str(e.get("field", "")), "message": str(e.get("message", ""))}
            for e in found
            if isinstance(e, dict)
        ]


class Refused(ApiError):
    """400, 409, 422 and the like: the service refused what the person sent. A page catches
    this and shows `FormErrors.from_api(error, fields)` on its form, the input kept."""


class NotFoundError(ApiError):
    """404: no such record, or not one this person may see (the two are not told apart)."""


class ForbiddenError(ApiError):
    """403: this person's role may not do this."""


class SignInAgain(ApiError):
    """401: the token was refused (expired or revoked); the person signs in again."""


class Unavailable(ApiError):
    """5xx or no answer: the service is down or broken."""


@dataclass
class StaleRecord(ApiError):
    """412: the record changed since the page was read. `record_path` reads its current state;
    `return_to` is the page that shows it."""

    record_path: str = ""
    return_to: str = "/"


@dataclass(frozen=True)
class Result:
    body: Json
    status: int
    etag: str | None

    @property
    def version(self) -> str | None:
        """The version to send back in If-Match: the ETag without quotes."""
        return self.etag.strip('"').removeprefix("W/").strip('"') if self.etag else None


@dataclass(frozen=True)
class Page:
    items: list[Json]
    next_cursor: str | None


class Api:
    """Calls `service` + `path` with the bearer token. One per request (see `deps.api`)."""

    def __init__(self, http: httpx.AsyncClient, urls: Mapping[str, str], token: str) -> None:
        self._http = http
        self._urls = dict(urls)
        self._token = token

    def _url(self, service: str, path: str) -> str:
        return self._urls[service].rstrip("/") + path

    async def _send(
        self,
        method: str,
        service: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Json = None,
        headers: Mapping[str, str] | None = None,
        record_path: str | None = None,
        return_to: str = "/",
    ) -> Result:
        sent = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        sent.update(headers or {})
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "", [])}
        try:
            try:
                response = await self._http.request(
                    method, self._url(service, path), params=clean, json=json, headers=sent
                )
            except (httpx.ReadError, httpx.RemoteProtocolError):
                # A kept-alive connection the service closed as it was reused: a read is safe
                # to send again once, on a fresh connection.
                if method != "GET":
                    raise
                response = await self._http.request(
                    method, self._url(service, path), params=clean, json=json, headers=sent
                )
        except httpx.HTTPError as exc:
            raise Unavailable(
                503, {"title": f"{service} did not answer ({type(exc).__name__})"}, service
            ) from None
        if response.status_code < 400:
            body = response.json() if response.content else None
            return Result(body, response.status_code, response.headers.get("etag"))
        problem = _problem(response)
        status = response.status_code
        if status == 412:
            raise StaleRecord(status, problem, service, record_path or path, return_to)
        if status == 404:
            raise NotFoundError(status, problem, service)
        if status == 403:
            raise ForbiddenError(status, problem, service)
        if status == 401:
            raise SignInAgain(status, problem, service)
        if status >= 500:
            raise Unavailable(status, problem, service)
        raise Refused(status, problem, service)

    async def get(self, service: str, path: str, params: Mapping[str, Any] | None = None) -> Result:
        return await self._send("GET", service, path, params=params)

    async def try_get(
        self, service: str, path: str, params: Mapping[str, Any] | None = None
    ) -> Result | None:
        """GET, or None where the record is not there (or not one this person may see)."""
        try:
            return await self.get(service, path, params)
        except NotFoundError:
            return None

    async def post(
        self,
        service: str,
        path: str,
        body: Json = None,
        *,
        if_match: str | int | None = None,
        idempotency_key: str | None = None,
        record_path: str | None = None,
        return_to: str = "/",
    ) -> Result:
        """POST with an Idempotency-Key (a fresh one unless given: a page sends each form once,
        and a double submit from the same form should send the form's own key)."""
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return await self._send(
            "POST",
            service,
            path,
            json=body,
            headers=headers,
            record_path=record_path,
            return_to=return_to,
        )

    async def patch(
        self,
        service: str,
        path: str,
        body: Json,
        *,
        if_match: str | int,
        record_path: str | None = None,
        return_to: str = "/",
    ) -> Result:
        return await self._send(
            "PATCH",
            service,
            path,
            json=body,
            headers={"If-Match": f'"{if_match}"'},
            record_path=record_path,
            return_to=return_to,
        )

    async def put(
        self,
        service: str,
        path: str,
        body: Json,
        *,
        if_match: str | int,
        record_path: str | None = None,
        return_to: str = "/",
    ) -> Result:
        return await self._send(
            "PUT",
            service,
            path,
            json=body,
            headers={"If-Match": f'"{if_match}"'},
            record_path=record_path,
            return_to=return_to,
        )

    async def delete(
        self,
        service: str,
        path: str,
        *,
        if_match: str | int,
        record_path: str | None = None,
        return_to: str = "/",
    ) -> Result:
        return await self._send(
            "DELETE",
            service,
            path,
            headers={"If-Match": f'"{if_match}"'},
            record_path=record_path,
            return_to=return_to,
        )

    async def page(
        self,
        service: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        cursor: str | None = None,
        limit: int = 25,
    ) -> Page:
        """One page of a list; `next_cursor` is for the next page's link (None on the last)."""
        result = await self.get(service, path, {**(params or {}), "limit": limit, "cursor": cursor})
        body = result.body or {}
        return Page(list(body.get("items", [])), body.get("next_cursor"))

    async def all_items(
        self,
        service: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        max_items: int = 1000,
    ) -> list[Json]:
        """Every item of a list, following the cursors (bounded: a page shows at most this)."""
        items: list[Json] = []
        cursor: str | None = None
        while len(items) < max_items:
            page = await self.page(service, path, params, cursor=cursor, limit=100)
            items.extend(page.items)
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        return items[:max_items]


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"title": response.reason_phrase, "status": response.status_code}
    return body if isinstance(body, dict) else {"title": response.reason_phrase}
