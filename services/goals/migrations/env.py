"""Alembic environment of the goals database."""

from goals.adapters.orm import metadata
from runtime.migrations import run_env

run_env(metadata)
