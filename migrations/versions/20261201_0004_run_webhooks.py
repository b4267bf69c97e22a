"""target_runs: the webhook's delivery state (attempts, next attempt, last error)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("target_runs") as batch:
        batch.add_column(sa.Column("webhook_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("webhook_next_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("webhook_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("target_runs") as batch:
        batch.drop_column("webhook_error")
        batch.drop_column("webhook_next_at")
        batch.drop_column("webhook_attempts")
