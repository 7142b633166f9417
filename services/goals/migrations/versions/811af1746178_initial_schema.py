"""initial schema

Revision ID: 811af1746178
Revises:
Create Date: 2026-11-23 19:37:33.667614
"""

from collections.abc import Sequence

import runtime.db
import sqlalchemy as sa
from alembic import op
from runtime.migrations import create_platform_tables, drop_platform_tables

revision: str = "811af1746178"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "families",
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("allocation_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("family_id", name=op.f("pk_families")),
    )
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.create_index("ix_families_team", ["team_id"], unique=False)
    op.create_table(
        "formulations",
        sa.Column("formulation_id", sa.Uuid(), nullable=False),
        sa.Column("lineage_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("completed_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("formulation_id", name=op.f("pk_formulations")),
    )
    with op.batch_alter_table("formulations", schema=None) as batch_op:
        batch_op.create_index("ix_formulations_family", ["family_id"], unique=False)
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("formulation_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("opened_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index("ix_plans_family_status", ["family_id", "status"], unique=False)
        batch_op.create_index("ix_plans_opened", ["opened_at", "plan_id"], unique=False)
        batch_op.create_index("ix_plans_team_opened", ["team_id", "opened_at"], unique=False)
    op.create_table(
        "sub_goals",
        sa.Column("sub_goal_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("tracking_frequency_days", sa.Integer(), nullable=False),
        sa.Column("last_reviewed_on", sa.Date(), nullable=True),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("sub_goal_id", name=op.f("pk_sub_goals")),
    )
    with op.batch_alter_table("sub_goals", schema=None) as batch_op:
        batch_op.create_index("ix_sub_goals_code", ["code"], unique=False)
        batch_op.create_index("ix_sub_goals_due", ["review_due_on", "sub_goal_id"], unique=False)
        batch_op.create_index("ix_sub_goals_plan", ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sub_goals", schema=None) as batch_op:
        batch_op.drop_index("ix_sub_goals_plan")
        batch_op.drop_index("ix_sub_goals_due")
        batch_op.drop_index("ix_sub_goals_code")
    op.drop_table("sub_goals")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index("ix_plans_team_opened")
        batch_op.drop_index("ix_plans_opened")
        batch_op.drop_index("ix_plans_family_status")
    op.drop_table("plans")
    with op.batch_alter_table("formulations", schema=None) as batch_op:
        batch_op.drop_index("ix_formulations_family")
    op.drop_table("formulations")
    with op.batch_alter_table("families", schema=None) as batch_op:
        batch_op.drop_index("ix_families_team")
    op.drop_table("families")
    drop_platform_tables()
