"""formulations: the day each completed formulation was held, which a plan may not precede

Revision ID: a4c9e2f17d03
Revises: bdff0c7267ef
Create Date: 2026-12-03 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4c9e2f17d03"
down_revision: str | None = "bdff0c7267ef"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Formulations learnt of before this column have no date here: no plan is refused for them.
    with op.batch_alter_table("formulations") as batch:
        batch.add_column(sa.Column("held_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("formulations") as batch:
        batch.drop_column("held_on")
