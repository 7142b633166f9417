"""Shared fixtures for every test in the workspace (real broker, both databases, an issuer)."""

pytest_plugins = ["runtime.testing"]
