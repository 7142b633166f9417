"""initial schema

Revision ID: 5816d5fce16c
Revises:
Create Date: 2026-11-23 19:43:52.251070
"""

from collections.abc import Sequence

import runtime.db
import sqlalchemy as sa
from alembic import op
from runtime.migrations import create_platform_tables, drop_platform_tables

revision: str = "5816d5fce16c"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_platform_tables()
    op.create_table(
        "actions",
        sa.Column("action_id", sa.Uuid(), nullable=False),
        sa.Column("sub_goal_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("activity_category", sa.String(length=64), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_actions")),
    )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actions_sub_goal_id"), ["sub_goal_id"], unique=False)
    op.create_table(
        "allocations",
        sa.Column("allocation_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("allocated_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("allocation_id", name=op.f("pk_allocations")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocations_family_id"), ["family_id"], unique=False)
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("referring_agency_id", sa.String(length=64), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("opened_at", runtime.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", runtime.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decision_type", sa.String(length=64), nullable=True),
        sa.Column("allocated_at", runtime.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("re_referral", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contacts")),
    )
    op.create_table(
        "feedback",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("treated_with_respect", sa.Boolean(), nullable=False),
        sa.Column("would_recommend", sa.Boolean(), nullable=False),
        sa.Column("service_rating", sa.Integer(), nullable=False),
        sa.Column("communication_rating", sa.Integer(), nullable=False),
        sa.Column("understanding_rating", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_plan_id"), ["plan_id"], unique=False)
    op.create_table(
        "formulations",
        sa.Column("formulation_id", sa.Uuid(), nullable=False),
        sa.Column("lineage_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", runtime.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", runtime.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("all_six_ps_considered", sa.Boolean(), nullable=False),
        sa.Column("walk_back_passed", sa.Boolean(), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("formulation_id", name=op.f("pk_formulations")),
    )
    op.create_table(
        "people",
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_people")),
    )
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("formulation_id", sa.Uuid(), nullable=True),
        sa.Column("team_id", sa.String(length=64), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure_reason", sa.String(length=64), nullable=True),
        sa.Column("returned_to_formulation_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plans_family_id"), ["family_id"], unique=False)
    op.create_table(
        "rebuilds",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("requested_by", sa.String(length=128), nullable=False),
        sa.Column("started_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", runtime.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("target_records", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_rebuilds")),
        sa.UniqueConstraint("group_id", name=op.f("uq_rebuilds_group_id")),
    )
    op.create_table(
        "service_responses",
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("source_system", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("source_person_id", sa.String(length=64), nullable=True),
        sa.Column("cluster_id", sa.String(length=40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("recorded_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_service_responses")),
        sa.UniqueConstraint("source_system", "source_id", name="uq_service_responses_source"),
    )
    with op.batch_alter_table("service_responses", schema=None) as batch_op:
        batch_op.create_index("ix_service_responses_kind", ["kind", "occurred_on"], unique=False)
    op.create_table(
        "sub_goal_scores",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("sub_goal_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scored_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", runtime.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_sub_goal_scores")),
    )
    with op.batch_alter_table("sub_goal_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sub_goal_scores_sub_goal_id"), ["sub_goal_id"], unique=False
        )
    op.create_table(
        "sub_goals",
        sa.Column("sub_goal_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("code_edition", sa.String(length=20), nullable=False),
        sa.Column("set_on", sa.Date(), nullable=True),
        sa.Column("tracking_frequency_days", sa.Integer(), nullable=True),
        sa.Column("person_ids", sa.JSON(), nullable=True),
        sa.Column("baseline", sa.Integer(), nullable=True),
        sa.Column("end_state", sa.String(length=16), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("was_active", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("sub_goal_id", name=op.f("pk_sub_goals")),
    )
    with op.batch_alter_table("sub_goals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sub_goals_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sub_goals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sub_goals_plan_id"))
    op.drop_table("sub_goals")
    with op.batch_alter_table("sub_goal_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sub_goal_scores_sub_goal_id"))
    op.drop_table("sub_goal_scores")
    with op.batch_alter_table("service_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_service_responses_kind")
    op.drop_table("service_responses")
    op.drop_table("rebuilds")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plans_family_id"))
    op.drop_table("plans")
    op.drop_table("people")
    op.drop_table("formulations")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_plan_id"))
    op.drop_table("feedback")
    op.drop_table("contacts")
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocations_family_id"))
    op.drop_table("allocations")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actions_sub_goal_id"))
    op.drop_table("actions")
    drop_platform_tables()
