"""platform tables and contacts

Revision ID: d3dfb6056d14
Revises:
Create Date: 2026-11-23 19:29:22.495162
"""

from collections.abc import Sequence

import runtime.db
import sqlalchemy as sa
from alembic import op
from runtime.migrations import create_platform_tables, drop_platform_tables

revision: str = "d3dfb6056d14"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("referring_agency_id", sa.String(length=64), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("opened_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contacts_agency_opened", ["referring_agency_id", "opened_at"], unique=False
        )
        batch_op.create_index("ix_contacts_status_opened", ["status", "opened_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_contacts_status_opened")
        batch_op.drop_index("ix_contacts_agency_opened")
    op.drop_table("contacts")
    drop_platform_tables()
