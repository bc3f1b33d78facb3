"""Quality: gold answers, qualification, consensus, annotator reliability, review.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 13:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)
QUALITY_COLUMNS = (
    "gold_rate",
    "qualification_size",
    "qualification_pass",
    "pause_below",
    "pause_min_gold",
    "aggregation",
    "confidence_threshold",
    "max_overlap",
    "review_rate",
)


def _fk(column: str, target: str, ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [target], ondelete=ondelete)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite supports it, and a batch copy would rebuild the queue's indexes.
    op.add_column("projects", sa.Column("gold_rate", sa.Float(), server_default=sa.text("0"), nullable=False))
    op.add_column(
        "projects", sa.Column("qualification_size", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column(
        "projects", sa.Column("qualification_pass", sa.Float(), server_default=sa.text("0.8"), nullable=False)
    )
    op.add_column("projects", sa.Column("pause_below", sa.Float(), nullable=True))
    op.add_column(
        "projects", sa.Column("pause_min_gold", sa.Integer(), server_default=sa.text("10"), nullable=False)
    )
    op.add_column(
        "projects",
        sa.Column("aggregation", sa.String(length=40), server_default="majority_vote", nullable=False),
    )
    op.add_column("projects", sa.Column("confidence_threshold", sa.Float(), nullable=True))
    op.add_column("projects", sa.Column("max_overlap", sa.Integer(), nullable=True))
    op.add_column(
        "projects", sa.Column("review_rate", sa.Float(), server_default=sa.text("0"), nullable=False)
    )
    op.add_column(
        "items", sa.Column("extra_overlap", sa.Integer(), server_default=sa.text("0"), nullable=False)
    )

    op.create_table(
        "item_gold",
        sa.Column("item_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _fk("item_id", "items.id"),
        _fk("project_id", "projects.id"),
        _fk("created_by", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("item_id"),
    )
    op.create_index("ix_item_gold_project_id", "item_gold", ["project_id"])

    op.create_table(
        "annotator_states",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("run_count", sa.Integer(), nullable=False),
        sa.Column("run_correct", sa.Integer(), nullable=False),
        sa.Column("qualified_at", TS, nullable=True),
        sa.Column("paused_at", TS, nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("reinstated_by", ID, nullable=True),
        sa.Column("reinstated_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        _fk("project_id", "projects.id"),
        _fk("user_id", "users.id"),
        _fk("reinstated_by", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("project_id", "user_id"),
    )

    op.create_table(
        "consensus",
        sa.Column("item_id", ID, nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("n_labels", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _fk("item_id", "items.id"),
        _fk("project_id", "projects.id"),
        sa.PrimaryKeyConstraint("item_id", "question"),
    )
    op.create_index("ix_consensus_project_id", "consensus", ["project_id"])

    op.create_table(
        "annotator_reliability",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("question", sa.String(length=64), nullable=False),
        sa.Column("n_labels", sa.Integer(), nullable=False),
        sa.Column("agreed", sa.Integer(), nullable=False),
        sa.Column("skill", sa.Float(), nullable=True),
        sa.Column("confusion", JSON, nullable=True),
        sa.Column("gold_count", sa.Integer(), nullable=False),
        sa.Column("gold_correct", sa.Integer(), nullable=False),
        sa.Column("reviews_accepted", sa.Integer(), nullable=False),
        sa.Column("reviews_rejected", sa.Integer(), nullable=False),
        sa.Column("reviews_corrected", sa.Integer(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        _fk("project_id", "projects.id"),
        _fk("user_id", "users.id"),
        sa.PrimaryKeyConstraint("project_id", "user_id", "question"),
    )

    op.create_table(
        "quality_states",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("refreshed_at", TS, nullable=True),
        sa.Column("watermark", TS, nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        _fk("project_id", "projects.id"),
        sa.PrimaryKeyConstraint("project_id"),
    )

    op.create_table(
        "reviews",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("annotation_id", ID, nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("annotator_id", ID, nullable=False),
        sa.Column("reviewer_id", ID, nullable=True),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("corrected_value", JSON, nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _fk("project_id", "projects.id"),
        _fk("annotation_id", "annotations.id"),
        _fk("item_id", "items.id"),
        _fk("annotator_id", "users.id"),
        _fk("reviewer_id", "users.id", "SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("annotation_id"),
    )
    op.create_index("ix_reviews_project_created", "reviews", ["project_id", "created_at"])
    op.create_index("ix_reviews_item_id", "reviews", ["item_id"])
    op.create_index("ix_reviews_annotator_id", "reviews", ["annotator_id"])


def downgrade() -> None:
    for table in (
        "reviews",
        "quality_states",
        "annotator_reliability",
        "consensus",
        "annotator_states",
        "item_gold",
    ):
        op.drop_table(table)
    # SQLite >= 3.35 drops columns in place; a batch copy would rebuild the queue's indexes.
    for column in QUALITY_COLUMNS:
        op.execute(f"ALTER TABLE projects DROP COLUMN {column}")
    op.execute("ALTER TABLE items DROP COLUMN extra_overlap")
