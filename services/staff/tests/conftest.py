"""Fast page tests without ports: the staff app, the development issuer and the services it
calls, all in this process over ASGI transports.

    async def test_x(staff_pages):
        client = await staff_pages.sign_in("duty_advice", name="Sam")
        page = await client.get("/front-door")
        token = csrf_of(page)

`staff_pages.api(role, ...)` gives headers for calling the services directly to arrange data.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from runtime.devissuer import DevIssuerSettings
from runtime.devissuer import create_app as create_issuer
from runtime.testing import Issuer, RunningService, run_service
from staff.bootstrap import create_app
from staff.config import Settings

ISSUER_URL = "http://issuer.test"
STAFF_URL = "http://staff.test"
SECRET = "client-secret-for-tests"
UNUSED_BROKER = "127.0.0.1:1"


class Routes(httpx.AsyncBaseTransport):
    """Sends each request to the in-process app named by its host."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


def csrf_of(page: httpx.Response) -> str:
    marker = 'name="csrf_token" value="'
    start = page.text.index(marker) + len(marker)
    return page.text[start : page.text.index('"', start)]


@dataclass
class StaffPages:
    app: Any
    issuer_app: Any
    issuer: Issuer
    services: dict[str, RunningService]
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def api(self, role: str, **token: Any) -> dict[str, str]:
        return self.issuer.headers(role, **token)

    async def sign_in(self, role: str, **choices: str) -> httpx.AsyncClient:
        """A browser-like client signed in through the OIDC code flow."""
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=STAFF_URL)
        self.clients.append(client)
        start = await client.get("/sign-in")
        query = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
        form = {
            k: query.get(k, "")
            for k in ("client_id", "redirect_uri", "state", "nonce", "code_challenge")
        }
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.issuer_app), base_url=ISSUER_URL
        ) as idp:
            page = await idp.get(start.headers["location"])
            answer = await idp.post(
                "/authorize", data={**form, "csrf_token": csrf_of(page), "role": role, **choices}
            )
        back = await client.get(answer.headers["location"].removeprefix(STAFF_URL))
        assert back.status_code == 303, back.text
        return client


@pytest.fixture
async def staff_pages(issuer: Issuer, tmp_path) -> AsyncIterator[StaffPages]:
    oidc = Issuer(issuer.folder, issuer=ISSUER_URL)
    issuer_app = create_issuer(
        DevIssuerSettings(
            url=ISSUER_URL,
            key_dir=issuer.folder,
            client_secret=SECRET,
            redirect_uris=[f"{STAFF_URL}/auth/callback"],
            post_logout_redirect_uris=[f"{STAFF_URL}/signed-out"],
        )
    )
    async with AsyncExitStack() as stack:
        services = {}
        for name in ("referrals", "formulation", "goals", "outcomes"):
            services[name] = await stack.enter_async_context(
                run_service(
                    name,
                    f"sqlite+aiosqlite:///{tmp_path / name}.db",
                    UNUSED_BROKER,
                    oidc,
                    run_workers=False,
                )
            )
        settings = Settings(
            public_url=STAFF_URL,
            oidc_issuer=ISSUER_URL,
            oidc_client_secret=SECRET,
            session_secret="s" * 40,
            **{f"{name}_url": f"http://{name}" for name in services},
        )
        app = create_app(
            settings,
            http_transport=Routes({name: svc.app for name, svc in services.items()}),
            idp_transport=httpx.ASGITransport(app=issuer_app),
        )
        async with app.router.lifespan_context(app):
            pages = StaffPages(app, issuer_app, oidc, services)
            try:
                yield pages
            finally:
                for client in pages.clients:
                    await client.aclose()
