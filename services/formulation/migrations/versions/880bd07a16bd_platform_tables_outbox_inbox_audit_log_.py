"""platform tables: outbox, inbox, audit log, idempotency keys

Revision ID: 880bd07a16bd
Revises:
Create Date: 2026-11-23 19:27:11.116487
"""

from collections.abc import Sequence

from runtime.migrations import create_platform_tables, drop_platform_tables

revision: str = "880bd07a16bd"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()


def downgrade() -> None:
    drop_platform_tables()
