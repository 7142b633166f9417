"""The client: one httpx client per service, problems raised as `ApiProblem`."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Any, cast

import httpx

from lpm_client.models import (
    ContactRequest,
    ContactView,
    FieldProblem,
    Page,
    ServiceResponseRequest,
)


class ApiProblem(Exception):
    """A refusal: RFC 9457 problem details. `type` resolves on the service
    (`GET {base_url}{type}`) to what went wrong and how to fix it."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.type: str = str(body.get("type", "about:blank"))
        self.title: str = str(body.get("title", ""))
        self.detail: str = str(body.get("detail", ""))
        self.errors: list[FieldProblem] = list(body.get("errors", []))
        self.body = body
        super().__init__(f"{status} {self.type}: {self.detail or self.title}")


class ServiceClient:
    """One service's API. POSTs carry an Idempotency-Key (a new one unless you pass yours, to
    retry safely); `update` sends If-Match with the ETag read just before."""

    def __init__(
        self,
        base_url: str | httpx.AsyncClient,
        token: str | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        if isinstance(base_url, httpx.AsyncClient):
            self.http = base_url
            self._owned = False
        else:
            self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout)
            self._owned = True
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def __aenter__(self) -> ServiceClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owned:
            await self.http.aclose()

    async def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        if_match: str | None = None,
    ) -> httpx.Response:
        """The raw response, whatever its status (for callers that decide themselves)."""
        sent = {**self.headers, **(headers or {})}
        if method.upper() == "POST":
            sent["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        if if_match is not None:
            sent["If-Match"] = if_match
        return await self.http.request(
            method.upper(),
            path,
            json=body,
            params=params,
            headers=sent,
        )

    async def request(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """The decoded JSON body; a refusal raises `ApiProblem`."""
        response = await self.send(method, path, body, **kwargs)
        return decoded(response)

    async def etag(self, path: str, headers: dict[str, str] | None = None) -> str | None:
        response = await self.send("GET", path, headers=headers)
        decoded(response)
        tag: str | None = response.headers.get("etag")
        return tag

    async def update(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        record: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Change a record: read its ETag (from `record`, default `path`), send If-Match."""
        tag = await self.etag(record or path, headers)
        return await self.request(method, path, body, headers=headers, if_match=tag, **kwargs)


def decoded(response: httpx.Response) -> Any:
    kind = response.headers.get("content-type", "")
    if response.status_code >= 400:
        body = response.json() if "json" in kind else {"detail": response.text[:500]}
        raise ApiProblem(response.status_code, body)
    return response.json() if response.content and "json" in kind else None


class PartnerClient:
    """What a partner agency's system does, typed: referrals and outcomes with one token."""

    def __init__(
        self,
        referrals_url: str | httpx.AsyncClient,
        outcomes_url: str | httpx.AsyncClient,
        token: str,
    ) -> None:
        self.referrals = ServiceClient(referrals_url, token)
        self.outcomes = ServiceClient(outcomes_url, token)

    async def __aenter__(self) -> PartnerClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.referrals.aclose()
        await self.outcomes.aclose()

    async def open_contact(
        self, contact: ContactRequest, *, idempotency_key: str | None = None
    ) -> ContactView:
        """Open a contact (scope `referrals:create`); retry with the same key after a timeout."""
        created = await self.referrals.request(
            "POST", "/v1/contacts", dict(contact), idempotency_key=idempotency_key
        )
        return cast(ContactView, created)

    async def contact(self, contact_id: str) -> ContactView:
        """Your agency's contact as the referrer sees it: status, decision and its explanation."""
        return cast(ContactView, await self.referrals.request("GET", f"/v1/contacts/{contact_id}"))

    async def contacts(self, *, limit: int = 20, cursor: str | None = None) -> Page[ContactView]:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        page = await self.referrals.request("GET", "/v1/contacts", params=params)
        return cast(Page[ContactView], page)

    async def record_service_response(
        self, response: ServiceResponseRequest, *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Record a child protection plan or looked-after start (`service-responses:write`)."""
        recorded = await self.outcomes.request(
            "POST", "/v1/service-responses", dict(response), idempotency_key=idempotency_key
        )
        return cast(dict[str, Any], recorded)
