"""Consensus refresh outside the write lock: a change counter on each project's quality state.

A refresh now reads and computes in a read-only transaction and writes its results in short batches, so a
review or gold change can land while it runs. ``mark_dirty`` bumps ``generation``; the refresh remembers the
value it read and leaves the project dirty when the counter moved meanwhile.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quality_states", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("generation", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("quality_states", schema=None) as batch_op:
        batch_op.drop_column("generation")
