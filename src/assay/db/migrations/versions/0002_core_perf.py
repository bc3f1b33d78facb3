"""Core: hot-path indexes and column types for the queue, import and export.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:30:00
"""

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
