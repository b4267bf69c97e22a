"""deny-list additions: targets.deny_names (what a target's runs never activate, beyond the crawler's
default deny-list) and plans.deny_names (a run's copy, read by the crawl stage)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("targets") as batch:
        batch.add_column(sa.Column("deny_names", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("deny_names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("deny_names")
    with op.batch_alter_table("targets") as batch:
        batch.drop_column("deny_names")
