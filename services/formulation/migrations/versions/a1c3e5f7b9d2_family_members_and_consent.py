"""family members and consent to share, from the referrals service's events

Revision ID: a1c3e5f7b9d2
Revises: d4effdb97f4b
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

from runtime.migrations import create_family_facts, drop_family_facts

revision: str = "a1c3e5f7b9d2"
down_revision: str | None = "d4effdb97f4b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_family_facts()


def downgrade() -> None:
    drop_family_facts()
