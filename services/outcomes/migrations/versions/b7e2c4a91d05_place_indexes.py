"""indexes by cluster, so a figure of one place reads only that place's rows

Revision ID: b7e2c4a91d05
Revises: 94a040bdc376
Create Date: 2026-12-03 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "b7e2c4a91d05"
down_revision: str | None = "94a040bdc376"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_contacts_cluster", "contacts", ["cluster_id", "opened_at"])
    op.create_index("ix_formulations_cluster", "formulations", ["cluster_id"])
    op.create_index("ix_plans_cluster", "plans", ["cluster_id"])


def downgrade() -> None:
    op.drop_index("ix_plans_cluster", table_name="plans")
    op.drop_index("ix_formulations_cluster", table_name="formulations")
    op.drop_index("ix_contacts_cluster", table_name="contacts")
