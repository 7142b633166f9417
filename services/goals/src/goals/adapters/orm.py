"""Tables of the goals database (its own; no other service reads them).

A plan is stored whole as a JSON snapshot (`state`) beside the columns lists filter on and one
`version` for the whole aggregate (its ETag). `sub_goals` repeats each sub-goal's code, status and
review dates so lists and the overdue view are queries, not scans of every snapshot.
`families` and `formulations` are read models of other services' events.
"""

from __future__ import annotations

from runtime.db import UtcDateTime, new_metadata
from runtime.families import family_facts_table
from runtime.tables import platform_tables
from sqlalchemy import JSON, Column, Date, Index, Integer, String, Table, Uuid

metadata = new_metadata()
platform = platform_tables(metadata)
# Each family's members and consent to share (runtime.families).
family_facts = family_facts_table(metadata)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("family_id", Uuid, nullable=False),
    Column("formulation_id", Uuid, nullable=False),
    Column("team_id", String(64), nullable=True),
    Column("cluster_id", String(64), nullable=True),
    Column("status", String(32), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("state", JSON, nullable=False),
)
Index("ix_plans_family_status", plans.c.family_id, plans.c.status)
Index("ix_plans_opened", plans.c.opened_at, plans.c.plan_id)
Index("ix_plans_team_opened", plans.c.team_id, plans.c.opened_at)

sub_goals = Table(
    "sub_goals",
    metadata,
    Column("sub_goal_id", Uuid, primary_key=True),
    Column("plan_id", Uuid, nullable=False),
    Column("family_id", Uuid, nullable=False),
    Column("position", Integer, nullable=False),
    Column("code", String(8), nullable=False),
    Column("status", String(32), nullable=False),
    Column("tracking_frequency_days", Integer, nullable=False),
    # Set only while the sub-goal is active in an open plan: the overdue view reads these.
    Column("last_reviewed_on", Date, nullable=True),
    Column("review_due_on", Date, nullable=True),
)
Index("ix_sub_goals_plan", sub_goals.c.plan_id)
Index("ix_sub_goals_code", sub_goals.c.code)
Index("ix_sub_goals_due", sub_goals.c.review_due_on, sub_goals.c.sub_goal_id)

# family -> RES team, from referrals.allocation.events
families = Table(
    "families",
    metadata,
    Column("family_id", Uuid, primary_key=True),
    Column("team_id", String(64), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("allocation_id", Uuid, nullable=False),
    # When the latest applied allocation event happened; older ones arriving late are ignored.
    Column("as_of", UtcDateTime, nullable=False),
    Column("closed_on", Date, nullable=True),
)
Index("ix_families_team", families.c.team_id)

# completed formulations, from formulation.formulation.events
formulations = Table(
    "formulations",
    metadata,
    Column("formulation_id", Uuid, primary_key=True),
    Column("lineage_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("family_id", Uuid, nullable=True),
    Column("completed_at", UtcDateTime, nullable=False),
    # The practice date it was held (None on rows kept before it was).
    Column("held_on", Date, nullable=True),
)
Index("ix_formulations_family", formulations.c.family_id)
