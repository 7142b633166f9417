"""Alembic environment of the formulation database."""

from formulation.adapters.orm import metadata
from runtime.migrations import run_env

run_env(metadata)
