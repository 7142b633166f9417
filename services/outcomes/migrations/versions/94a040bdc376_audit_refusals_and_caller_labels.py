"""audit log: refusal reason and the caller's own request id and purpose

Revision ID: 94a040bdc376
Revises: 5816d5fce16c
Create Date: 2026-12-03 15:40:00
"""

from collections.abc import Sequence

from runtime.migrations import add_audit_trail_columns, drop_audit_trail_columns

revision: str = "94a040bdc376"
down_revision: str | None = "5816d5fce16c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_audit_trail_columns()


def downgrade() -> None:
    drop_audit_trail_columns()
