"""Each service's API docs (Swagger UI at /docs, ReDoc at /redoc) render in real Chromium with
every request to anywhere but the service refused, as on a machine without internet."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect
from runtime.services import DATA_SERVICES

pytestmark = pytest.mark.integration

METHODS = ("get", "put", "post", "delete", "patch")


def offline(page: Any) -> list[str]:
    """Refuse every request that leaves 127.0.0.1; the list fills with what was attempted."""
    attempted: list[str] = []

    def guard(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    return attempted


def operations(base: str) -> list[dict[str, Any]]:
    document = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.mark.parametrize("name", sorted(DATA_SERVICES))
def test_swagger_ui_lists_every_operation_offline(page, system, check_page, name):
    base = system.urls[name]
    wanted = operations(base)
    attempted = offline(page)
    page.goto(f"{base}/docs")
    blocks = page.locator(".opblock-summary")
    expect(blocks.first).to_be_visible(timeout=30_000)
    expect(blocks).to_have_count(len(wanted))
    expect(page.locator(".opblock-summary-description", has_text=wanted[0]["summary"]).first)
    check_page(page, f"{name}-swagger-ui", axe=False)  # Swagger UI's own markup, not ours
    assert attempted == [], f"/docs tried to fetch from outside the service: {attempted}"


@pytest.mark.parametrize("name", sorted(DATA_SERVICES))
def test_redoc_renders_every_operation_offline(page, system, check_page, name):
    base = system.urls[name]
    wanted = operations(base)
    attempted = offline(page)
    page.goto(f"{base}/redoc")
    sections = page.locator("[data-section-id^='operation/']")
    expect(sections.first).to_be_attached(timeout=30_000)
    expect(sections).to_have_count(len(wanted))
    page.wait_for_load_state("networkidle")
    # ReDoc's own markup, not ours; the page is one long scroll, the first screen shows it.
    check_page(page, f"{name}-redoc", axe=False, full_page=False)
    assert attempted == [], f"/redoc tried to fetch from outside the service: {attempted}"
