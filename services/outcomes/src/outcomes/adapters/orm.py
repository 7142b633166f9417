"""Tables of the outcomes database: read models built from other services' events, the service
responses it records itself, and the log of rebuilds.

Read-model rows are filled in column by column as events arrive, in whatever order: every
column an event does not carry stays as it was, so a late or repeated event changes nothing.
"""

from __future__ import annotations

from runtime.db import UtcDateTime, new_metadata
from runtime.tables import SequenceId, platform_tables
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    Uuid,
)

metadata = new_metadata()
platform = platform_tables(metadata)

# -- Read models (dropped and rebuilt from the topics by a rebuild) -----------------------------

# One row per contact at the front door, filled in as the contact's events arrive.
contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", Uuid, primary_key=True),
    Column("source", String(64), nullable=True),
    Column("referring_agency_id", String(64), nullable=True),
    Column("cluster_id", String(64), nullable=True),
    Column("team_id", String(64), nullable=True),
    Column("family_id", Uuid, nullable=True),
    Column("opened_at", UtcDateTime, nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("decision_type", String(64), nullable=True),
    Column("allocated_at", UtcDateTime, nullable=True),
    Column("re_referral", Boolean, nullable=False, default=False),
)

# Children and adults by kind only: a goal about adults only is coded to the "18+" age band.
people = Table(
    "people",
    metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
)

allocations = Table(
    "allocations",
    metadata,
    Column("allocation_id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("contact_id", Uuid, nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("allocated_at", UtcDateTime, nullable=False),
    Column("closed_on", Date, nullable=True),
)

# One row per formulation version.
formulations = Table(
    "formulations",
    metadata,
    Column("formulation_id", Uuid, primary_key=True),
    Column("lineage_id", Uuid, nullable=False),
    Column("version", Integer, nullable=False),
    Column("family_id", Uuid, nullable=True),
    Column("contact_id", Uuid, nullable=True),
    Column("team_id", String(64), nullable=True),
    Column("cluster_id", String(64), nullable=True),
    Column("started_at", UtcDateTime, nullable=True),
    Column("completed_at", UtcDateTime, nullable=True),
    Column("all_six_ps_considered", Boolean, nullable=False, default=False),
    Column("walk_back_passed", Boolean, nullable=False, default=False),
    Column("superseded", Boolean, nullable=False, default=False),
)

plans = Table(
    "plans",
    metadata,
    Column("plan_id", Uuid, primary_key=True),
    Column("family_id", Uuid, nullable=False, index=True),
    Column("formulation_id", Uuid, nullable=True),
    Column("team_id", String(64), nullable=True),
    Column("cluster_id", String(64), nullable=True),
    Column("opened_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),
    # The outcomes vocabulary (contracts.outcomes.v1.ClosureReason), mapped from the goals one.
    Column("closure_reason", String(64), nullable=True),
    Column("returned_to_formulation_on", Date, nullable=True),
)

sub_goals = Table(
    "sub_goals",
    metadata,
    Column("sub_goal_id", Uuid, primary_key=True),
    Column("plan_id", Uuid, nullable=False, index=True),
    Column("family_id", Uuid, nullable=False),
    Column("code", String(8), nullable=False),
    Column("code_edition", String(20), nullable=False),
    Column("set_on", Date, nullable=True),
    Column("tracking_frequency_days", Integer, nullable=True),
    Column("person_ids", JSON, nullable=True),
    Column("baseline", Integer, nullable=True),
    Column("end_state", String(16), nullable=True),
    Column("ended_on", Date, nullable=True),
    Column("was_active", Boolean, nullable=True),
)

# Each tracking score once (by the event that carried it); the latest is the one scored last.
scores = Table(
    "sub_goal_scores",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("sub_goal_id", Uuid, nullable=False, index=True),
    # "tracking", "evaluation" or "ending": only tracking scores are reviews.
    Column("kind", String(16), nullable=False),
    Column("score", Integer, nullable=False),
    Column("scored_on", Date, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

actions = Table(
    "actions",
    metadata,
    Column("action_id", Uuid, primary_key=True),
    Column("sub_goal_id", Uuid, nullable=False, index=True),
    Column("plan_id", Uuid, nullable=False),
    Column("activity_category", String(64), nullable=False),
    Column("agreed_on", Date, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("plan_id", Uuid, nullable=False, index=True),
    Column("received_on", Date, nullable=False),
    Column("treated_with_respect", Boolean, nullable=False),
    Column("would_recommend", Boolean, nullable=False),
    Column("service_rating", Integer, nullable=False),
    Column("communication_rating", Integer, nullable=False),
    Column("understanding_rating", Integer, nullable=False),
)

# A figure of one place reads only that place's rows (`read_models.Scope`).
Index("ix_contacts_cluster", contacts.c.cluster_id, contacts.c.opened_at)
Index("ix_formulations_cluster", formulations.c.cluster_id)
Index("ix_plans_cluster", plans.c.cluster_id)

READ_MODELS: tuple[Table, ...] = (
    contacts,
    people,
    allocations,
    formulations,
    plans,
    sub_goals,
    scores,
    actions,
    feedback,
)

# -- Owned by this service (kept by a rebuild) -------------------------------------------------

# Service responses recorded by other systems (Tables 1-3). The sending system's id is the
# natural key; a date of birth is never stored, only the age band worked out from it.
service_responses = Table(
    "service_responses",
    metadata,
    Column("response_id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("child_id", Uuid, nullable=True),
    Column("source_system", String(64), nullable=False),
    Column("source_id", String(64), nullable=False),
    Column("source_person_id", String(64), nullable=True),
    Column("cluster_id", String(40), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("age_band", String(16), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    UniqueConstraint("source_system", "source_id", name="uq_service_responses_source"),
)
Index("ix_service_responses_kind", service_responses.c.kind, service_responses.c.occurred_on)
# Tables 1-3 of some clusters read those clusters' children.
Index(
    "ix_service_responses_cluster", service_responses.c.cluster_id, service_responses.c.occurred_on
)
Index("ix_service_responses_child", service_responses.c.child_id)

rebuilds = Table(
    "rebuilds",
    metadata,
    Column("seq", SequenceId, primary_key=True, autoincrement=True),
    Column("group_id", String(128), nullable=False, unique=True),
    Column("requested_by", String(128), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("target_records", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),
)
