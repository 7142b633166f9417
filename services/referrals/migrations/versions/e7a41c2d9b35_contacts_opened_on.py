"""contacts: the practice date a request for help was made, for the list's date filters

Revision ID: e7a41c2d9b35
Revises: c5deab5efde8
Create Date: 2026-12-03 20:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7a41c2d9b35"
down_revision: str | None = "c5deab5efde8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
    # Contacts kept before the practice date had a column: the snapshot's date, else the day
    # they were recorded (UTC), which is what the contact itself reports.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE contacts SET opened_on = COALESCE("
            "(state->>'opened_on')::date, (opened_at AT TIME ZONE 'UTC')::date)"
        )
    else:
        op.execute(
            "UPDATE contacts SET opened_on = COALESCE("
            "json_extract(state, '$.opened_on'), date(opened_at))"
        )
    op.create_index("ix_contacts_opened_on", "contacts", ["opened_on"])


def downgrade() -> None:
    op.drop_index("ix_contacts_opened_on", table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("opened_on")
