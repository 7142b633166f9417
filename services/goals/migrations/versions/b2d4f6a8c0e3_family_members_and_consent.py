"""family members and consent to share, from the referrals service's events

Revision ID: b2d4f6a8c0e3
Revises: a4c9e2f17d03
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

from runtime.migrations import create_family_facts, drop_family_facts

revision: str = "b2d4f6a8c0e3"
down_revision: str | None = "a4c9e2f17d03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_family_facts()


def downgrade() -> None:
    drop_family_facts()
