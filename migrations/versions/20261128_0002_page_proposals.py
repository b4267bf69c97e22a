"""pages.proposals: the model's edge cases per page and what executing them showed

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing pages get an empty list, so the column can be NOT NULL like `behaviours`.
    with op.batch_alter_table("pages") as batch:
        batch.add_column(sa.Column("proposals", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("proposals")
