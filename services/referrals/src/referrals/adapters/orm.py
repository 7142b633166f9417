"""Tables of the referrals database (its own; no other service reads them).

Aggregates are stored whole as a JSON snapshot (`state`), beside the columns lists filter on
and a `version` for optimistic concurrency. Link tables (`contact_people`, `family_members`)
answer "which contacts / families is this person in" without reading snapshots.
"""

from __future__ import annotations

from runtime.db import UtcDateTime, new_metadata
from runtime.tables import platform_tables
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    String,
    Table,
    Uuid,
    text,
)

metadata = new_metadata()
platform = platform_tables(metadata)

contacts = Table(
    "contacts",
    metadata,
    Column("contact_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("source", String(64), nullable=False),
    Column("referring_agency_id", String(64), nullable=True),
    Column("cluster_id", String(64), nullable=True),
    Column("team_id", String(64), nullable=True),
    Column("family_id", Uuid, nullable=True),
    Column("status", String(32), nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    # The practice date: the day the request for help was made (the list's date filters).
    Column("opened_on", Date, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("decision_type", String(64), nullable=True),
    Column("decided_at", UtcDateTime, nullable=True),
    Column("is_rereferral", Boolean, nullable=False, server_default=text("false")),
    Column("state", JSON, nullable=False),
)
Index("ix_contacts_agency_opened", contacts.c.referring_agency_id, contacts.c.opened_at)
Index("ix_contacts_status_opened", contacts.c.status, contacts.c.opened_at)
Index("ix_contacts_team_opened", contacts.c.team_id, contacts.c.opened_at)
Index("ix_contacts_opened", contacts.c.opened_at, contacts.c.contact_id)
Index("ix_contacts_opened_on", contacts.c.opened_on)

# The children and adults a contact is about (the caller too, when registered).
contact_people = Table(
    "contact_people",
    metadata,
    Column("contact_id", Uuid, primary_key=True),
    Column("person_id", Uuid, primary_key=True),
)
Index("ix_contact_people_person", contact_people.c.person_id)

people = Table(
    "people",
    metadata,
    Column("person_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    # Unique: the database, not only the matching rule, refuses a second record of a number.
    Column("nhs_number", String(10), nullable=True, unique=True),
    # Matching candidates are found by any of these (see PersonRepository.candidates).
    Column("family_name_key", String(200), nullable=True),
    Column("date_of_birth", Date, nullable=True),
    Column("postcode_district", String(8), nullable=True),
    Column("registered_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("state", JSON, nullable=False),
)
Index("ix_people_family_name_key", people.c.family_name_key)
Index("ix_people_date_of_birth", people.c.date_of_birth)
Index("ix_people_postcode_district", people.c.postcode_district)

families = Table(
    "families",
    metadata,
    Column("family_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("formed_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("state", JSON, nullable=False),
)

family_members = Table(
    "family_members",
    metadata,
    Column("family_id", Uuid, primary_key=True),
    Column("person_id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
)
Index("ix_family_members_person", family_members.c.person_id)

# RES workers who can lead a family; their caseloads are counted from open allocations.
workers = Table(
    "workers",
    metadata,
    Column("worker_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("display_name", String(200), nullable=True),
    Column("caseload_limit", Integer, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_workers_team", workers.c.team_id, workers.c.worker_id)

allocations = Table(
    "allocations",
    metadata,
    Column("allocation_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("family_id", Uuid, nullable=False),
    Column("contact_id", Uuid, nullable=False),
    Column("team_id", String(64), nullable=False),
    Column("cluster_id", String(64), nullable=False),
    Column("lead_worker_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("allocated_at", UtcDateTime, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("state", JSON, nullable=False),
)
Index("ix_allocations_team_allocated", allocations.c.team_id, allocations.c.allocated_at)
Index("ix_allocations_worker_status", allocations.c.lead_worker_id, allocations.c.status)
# One family, one lead worker: at most one open allocation per family, whatever races.
Index(
    "uq_allocations_open_family",
    allocations.c.family_id,
    unique=True,
    sqlite_where=allocations.c.status == "open",
    postgresql_where=allocations.c.status == "open",
)
