"""The browser test harness: the whole platform started in the test run, and real Chromium.

- `system` (one per test session and worker): the embedded broker, the four services with
  their own SQLite databases and workers, the development issuer (OpenID Connect) and the staff
  pages, each a real HTTP server on its own port (uvicorn, in threads of this process).
- `page` (pytest-playwright) drives Debian's `/usr/bin/chromium`; a browser download never
  works here.
- `sign_in(page, role, name=..., team=..., agency=...)`: through the staff pages and the
  issuer's sign-in page, as a person does.
- `check_page(page, "what")`: a screenshot under `test-output/browser/<test>/` (the whole page
  unless `full_page=False`), and axe-core (from npm, injected into the page) must find no
  serious or critical violation (unless `axe=False`, for pages whose markup is not ours).
- `system.api(role, ...)`: an httpx client per service with a token, to arrange data a test
  does not exercise through the pages (e.g. a manager adding workers to a team).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from runtime.broker import EmbeddedBroker, free_port
from runtime.devauth import write_keypair
from runtime.devissuer import DevIssuerSettings
from runtime.devissuer import create_app as create_issuer
from runtime.kafka import ensure_topics
from runtime.migrations import upgrade
from runtime.services import DATA_SERVICES
from runtime.testing import Issuer, platform_settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"
AXE = ROOT / "services" / "staff" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CLIENT_SECRET = "browser-test-client-secret"
BLOCKING_IMPACTS = ("serious", "critical")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


class _Server:
    """One ASGI app served by uvicorn on a real port, in a thread with its own event loop."""

    def __init__(self, name: str, app: Any, port: int) -> None:
        self.name = name
        self.port = port
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"serve-{name}", daemon=True)

    def start(self, timeout: float = 120.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError(f"{self.name} stopped during start-up")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start within {timeout}s")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@dataclass
class System:
    staff_url: str
    issuer_url: str
    urls: dict[str, str]
    issuer: Issuer
    bootstrap: str
    servers: list[_Server] = field(default_factory=list)

    def api(self, service: str, role: str, **token: Any) -> httpx.Client:
        """A client of one service's API with a token of `role` (for arranging data)."""
        return httpx.Client(
            base_url=self.urls[service],
            headers={"Authorization": f"Bearer {self.issuer.token(role, **token)}"},
            timeout=10,
        )


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    folder = tmp_path_factory.mktemp("system")
    ports = {name: free_port() for name in ["broker", "issuer", "staff", *DATA_SERVICES]}
    issuer_url = f"http://127.0.0.1:{ports['issuer']}"
    staff_url = f"http://127.0.0.1:{ports['staff']}"
    write_keypair(folder / "signing-key.pem", folder / "jwks.json")
    issuer = Issuer(folder, issuer=issuer_url)

    broker = EmbeddedBroker(ports["broker"], log_path=folder / "broker.log")
    broker.start()
    asyncio.run(ensure_topics(broker.bootstrap))
    platform = platform_settings(broker.bootstrap, issuer, outgoing_timeout_seconds=5.0)
    servers: list[_Server] = []
    urls: dict[str, str] = {}
    try:
        servers.append(
            _Server(
                "dev-issuer",
                create_issuer(
                    DevIssuerSettings(
                        url=issuer_url,
                        key_dir=folder,
                        client_secret=CLIENT_SECRET,
                        redirect_uris=[f"{staff_url}/auth/callback"],
                        post_logout_redirect_uris=[f"{staff_url}/signed-out"],
                    )
                ),
                ports["issuer"],
            )
        )
        for name, entry in DATA_SERVICES.items():
            database_url = f"sqlite+aiosqlite:///{folder / name}.db"
            upgrade(entry.migrations, database_url)
            settings = entry.settings(
                database_url=database_url,
                port=ports[name],
                consumer_group=f"{name}-{uuid.uuid4().hex[:6]}",
                outbox_poll_seconds=0.1,
                platform=platform,
            )
            urls[name] = f"http://127.0.0.1:{ports[name]}"
            servers.append(_Server(name, entry.bootstrap().create_app(settings), ports[name]))
        from staff.bootstrap import create_app as create_staff
        from staff.config import Settings as StaffSettings

        staff = StaffSettings(
            port=ports["staff"],
            public_url=staff_url,
            oidc_issuer=issuer_url,
            oidc_client_secret=CLIENT_SECRET,
            session_secret=uuid.uuid4().hex + uuid.uuid4().hex,
            platform=platform,
            **{f"{name}_url": url for name, url in urls.items()},
        )
        servers.append(_Server("staff", create_staff(staff), ports["staff"]))
        for server in servers:
            server.start()
        yield System(staff_url, issuer_url, urls, issuer, broker.bootstrap, servers)
    finally:
        for server in reversed(servers):
            if server.thread.is_alive():
                server.stop()
        broker.stop()


# -- the browser -------------------------------------------------------------------------------


# Playwright per test module, not pytest-playwright's per session: its sync API keeps an event
# loop running while started, and the asyncio tests that run in this worker afterwards (make test
# shares workers between files) could then run none of their own.
@pytest.fixture(scope="module")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="module")
def browser_type(playwright: Any, browser_name: str) -> Any:
    return getattr(playwright, browser_name)


@pytest.fixture(scope="module")
def launch_browser(
    browser_type_launch_args: dict[str, Any], browser_type: Any
) -> Callable[..., Any]:
    def launch(**kwargs: Any) -> Any:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="module")
def browser(launch_browser: Callable[..., Any]) -> Iterator[Any]:
    opened = launch_browser()
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM}", pytrace=False)
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    # Replaces pytest-playwright's (session-scoped: it needs the playwright above for devices).
    return {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def sign_in(system: System) -> Callable[..., None]:
    def go(
        page: Any,
        role: str,
        *,
        name: str = "",
        team: str = "",
        agency: str = "",
        start: str = "/",
    ) -> None:
        page.goto(system.staff_url + start)
        page.wait_for_url(re.compile(re.escape(system.issuer_url) + "/authorize"))
        if name:
            page.locator("#name").fill(name)
        page.locator(f"input[name=role][value={role}]").check()
        if team:
            page.locator("#team").select_option(team)
        if agency:
            page.locator("#agency").fill(agency)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(re.escape(system.staff_url)))

    return go


@pytest.fixture
def check_page(request: pytest.FixtureRequest) -> Callable[..., list[dict[str, Any]]]:
    """Screenshot the page, then assert axe-core finds no serious or critical violation."""
    folder = OUTPUT / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    count = 0

    def check(
        page: Any, name: str, *, axe: bool = True, full_page: bool = True
    ) -> list[dict[str, Any]]:
        nonlocal count
        count += 1
        page.wait_for_load_state()
        page.screenshot(path=str(folder / f"{count:02d}-{name}.png"), full_page=full_page)
        if not axe:
            return []
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        results = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
            AXE_TAGS,
        )
        blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, f"{name}: accessibility violations:\n" + json.dumps(
            [
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "nodes": [n["target"] for n in v["nodes"]][:5],
                }
                for v in blocking
            ],
            indent=2,
        )
        return list(results["violations"])

    return check
