"""Shared fixtures for every test in the workspace (real broker, both databases, an issuer)."""

pytest_plugins = ["runtime.testing"]


def pytest_collection_modifyitems(items: list) -> None:
    """Mark the browser tests: Playwright's sync API keeps an event loop running in its worker,
    which the asyncio tests cannot share, so `make test` runs them in a pytest run of their own."""
    import pytest

    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
