"""Evaluation: reward models and private prompt sets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 13:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("private", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.create_table(
        "reward_models",
        sa.Column("id", ID, nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("encoder", sa.String(length=100), nullable=False),
        sa.Column("n_pairs", sa.Integer(), nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("artefact", JSON, nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reward_models", schema=None) as batch_op:
        batch_op.create_index("ix_reward_models_project", ["project_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reward_models", schema=None) as batch_op:
        batch_op.drop_index("ix_reward_models_project")
    op.drop_table("reward_models")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_column("private")
