"""Alembic environment of the outcomes database."""

from outcomes.adapters.orm import metadata
from runtime.migrations import run_env

run_env(metadata)
