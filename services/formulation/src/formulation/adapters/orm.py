"""Tables of the formulation database (its own; no other service reads them).

Aggregates are stored whole as a JSON snapshot (`state`) beside the columns lists filter on and
a `revision` that counts edits (the ETag). `version` is the formulation's own version number
within its lineage, not an edit counter.
"""

from __future__ import annotations

from runtime.db import UtcDateTime, new_metadata
from runtime.families import family_facts_table
from runtime.tables import platform_tables
from sqlalchemy import JSON, Boolean, Column, Date, Index, Integer, String, Table, Uuid

metadata = new_metadata()
platform = platform_tables(metadata)
# Each family's members and consent to share (runtime.families).
family_facts = family_facts_table(metadata)

formulations = Table(
    "formulations",
    metadata,
    Column("formulation_id", Uuid, primary_key=True),
    Column("lineage_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("previous_version_id", Uuid, nullable=True),
    Column("status", String(16), nullable=False),
    Column("subject_kind", String(32), nullable=False),
    Column("subject_id", Uuid, nullable=False),
    Column("family_id", Uuid, nullable=True),
    Column("contact_id", Uuid, nullable=True),
    Column("team_id", String(64), nullable=True),
    Column("setting", String(32), nullable=False),
    Column("held_on", Date, nullable=False),
    Column("facilitator_id", String(128), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("state", JSON, nullable=False),
)
Index("ix_formulations_lineage", formulations.c.lineage_id, formulations.c.version, unique=True)
Index("ix_formulations_family_held", formulations.c.family_id, formulations.c.held_on)
Index("ix_formulations_team_held", formulations.c.team_id, formulations.c.held_on)
Index("ix_formulations_setting_held", formulations.c.setting, formulations.c.held_on)
Index("ix_formulations_held", formulations.c.held_on, formulations.c.formulation_id)
Index("ix_formulations_contact", formulations.c.contact_id)

meetings = Table(
    "meetings",
    metadata,
    Column("meeting_id", Uuid, primary_key=True),
    Column("setting", String(32), nullable=False),
    Column("formulation_id", Uuid, nullable=True),
    Column("family_id", Uuid, nullable=True),
    Column("team_id", String(64), nullable=True),
    Column("held_on", Date, nullable=False),
    Column("facilitator_id", String(128), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("state", JSON, nullable=False),
)
Index("ix_meetings_formulation", meetings.c.formulation_id)
Index("ix_meetings_family_held", meetings.c.family_id, meetings.c.held_on)

# Read model of which RES team each family is allocated to, from the referrals service's
# allocation events. RES staff see a family's formulations only while it is allocated to them.
family_allocations = Table(
    "family_allocations",
    metadata,
    Column("family_id", Uuid, primary_key=True),
    Column("allocation_id", Uuid, nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("is_open", Boolean, nullable=False),
    # When the event that set this row happened; an older event arriving late changes nothing.
    Column("as_of", UtcDateTime, nullable=False),
)
Index("ix_family_allocations_team", family_allocations.c.team_id, family_allocations.c.is_open)
