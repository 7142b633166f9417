"""audit log: refusal reason and the caller's own request id and purpose

Revision ID: d4effdb97f4b
Revises: 7f09e5f555c3
Create Date: 2026-12-03 15:40:00
"""

from collections.abc import Sequence

from runtime.migrations import add_audit_trail_columns, drop_audit_trail_columns

revision: str = "d4effdb97f4b"
down_revision: str | None = "7f09e5f555c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_audit_trail_columns()


def downgrade() -> None:
    drop_audit_trail_columns()
