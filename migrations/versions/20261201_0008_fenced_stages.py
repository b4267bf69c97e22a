"""fenced, leased stages: plans.attempt_token (the holder's compare-and-set token), claimed_at (when
a worker took the job; NULL while it waits in a queue), lease_expires_at (renewed while the worker
lives), sent_at (when the message of its next stage was sent; NULL while fair dispatch holds it
back) and notes (what happened to the plan that a reader should know: re-queues, caps hit)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("attempt_token", sa.String(32), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("notes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_index("ix_plans_team_id_status", "plans", ["team_id", "status"])
    # Plans waiting when this runs were sent by the old code: the reconciler checks their jobs.
    op.execute("UPDATE plans SET sent_at = updated_at WHERE status NOT IN ('done', 'failed')")


def downgrade() -> None:
    op.drop_index("ix_plans_team_id_status", table_name="plans")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("notes")
        batch.drop_column("sent_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("claimed_at")
        batch.drop_column("attempt_token")
