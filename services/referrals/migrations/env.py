"""Alembic environment of the referrals database."""

from referrals.adapters.orm import metadata
from runtime.migrations import run_env

run_env(metadata)
