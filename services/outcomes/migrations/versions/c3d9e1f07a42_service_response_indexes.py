"""service responses by cluster and by child, for Tables 1-3 of some clusters

Revision ID: c3d9e1f07a42
Revises: b7e2c4a91d05
Create Date: 2026-12-03 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3d9e1f07a42"
down_revision: str | None = "b7e2c4a91d05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_service_responses_cluster", "service_responses", ["cluster_id", "occurred_on"]
    )
    op.create_index("ix_service_responses_child", "service_responses", ["child_id"])


def downgrade() -> None:
    op.drop_index("ix_service_responses_child", table_name="service_responses")
    op.drop_index("ix_service_responses_cluster", table_name="service_responses")
