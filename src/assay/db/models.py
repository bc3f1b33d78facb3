"""SQLAlchemy 2 table models. Column comments say why a column exists where the name does not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Id = BigInteger().with_variant(Integer, "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so a user can tell tokens apart
    token_hash: Mapped[str] = mapped_column(
        String(64), unique=True
    )  # HMAC-SHA256; the token itself is never stored
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    guidelines: Mapped[str] = mapped_column(Text, default="")
    guidelines_version: Mapped[int] = mapped_column(Integer, default=1)
    schema_version: Mapped[int] = mapped_column(Integer, default=1)
    overlap: Mapped[int] = mapped_column(Integer, default=1)  # annotations wanted per item
    lease_seconds: Mapped[int] = mapped_column(Integer, default=600)
    required_skills: Mapped[list[str]] = mapped_column(Json, default=list)
    priority_order: Mapped[str] = mapped_column(String(20), default="priority")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A private prompt set (an evaluation project): only managers may export or browse its items.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Quality settings (migration 0003): gold mixing, qualification, auto-pause, aggregation, overlap, review.
    gold_rate: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))
    qualification_size: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    qualification_pass: Mapped[float] = mapped_column(Float, default=0.8, server_default=text("0.8"))
    pause_below: Mapped[float | None] = mapped_column(Float)  # running gold accuracy that pauses; None = off
    pause_min_gold: Mapped[int] = mapped_column(Integer, default=10, server_default=text("10"))
    aggregation: Mapped[str] = mapped_column(String(40), default="majority_vote", server_default="majority_vote")
    confidence_threshold: Mapped[float | None] = mapped_column(Float)  # dynamic overlap below it; None = off
    max_overlap: Mapped[int | None] = mapped_column(Integer)  # the most labels dynamic overlap asks for
    review_rate: Mapped[float] = mapped_column(Float, default=0.0, server_default=text("0"))


class ProjectSchema(Base):
    """One version of a project's label schema; versions are immutable once written."""

    __tablename__ = "project_schemas"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("project_id", "content_hash"),
        # The queue scans open items in priority order; finished items leave the index.
        Index(
            "ix_items_queue",
            "project_id",
            text("priority DESC"),
            "id",
            postgresql_where=text("NOT complete"),
            sqlite_where=text("complete = 0"),
        ),
        Index(
            "ix_items_queue_random",
            "project_id",
            "sort_key",
            postgresql_where=text("NOT complete"),
            sqlite_where=text("complete = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    meta: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    sort_key: Mapped[float] = mapped_column(Float, default=0.0)  # random, for the "random" queue order
    source: Mapped[str] = mapped_column(String(20), default="import")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Counters kept by the queue in the same transaction as the lease/annotation rows they count.
    n_done: Mapped[int] = mapped_column(Integer, default=0)
    n_leased: Mapped[int] = mapped_column(Integer, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    # Labels asked for beyond the project's overlap by dynamic overlap (low consensus confidence; 0003).
    extra_overlap: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class Assignment(Base):
    """A lease of an item to one annotator. Times are Unix seconds (float) to keep the hot path simple."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("item_id", "user_id"),
        Index(
            "ix_assignments_expiry",
            "project_id",
            "expires_at",
            postgresql_where=text("status = 'leased'"),
            sqlite_where=text("status = 'leased'"),
        ),
        Index(
            "ix_assignments_active",
            "project_id",
            "user_id",
            postgresql_where=text("status = 'leased'"),
            sqlite_where=text("status = 'leased'"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # leased | submitted | skipped | expired
    leased_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)


class Annotation(Base):
    __tablename__ = "annotations"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_annotations_project_created", "project_id", "created_at"),
        Index("ix_annotations_project_user", "project_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), unique=True
    )
    value: Mapped[dict[str, Any]] = mapped_column(Json)
    schema_version: Mapped[int] = mapped_column(Integer)
    lead_seconds: Mapped[float | None] = mapped_column(Float)  # lease to submit, measured by the server
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Append-only (triggers refuse UPDATE and DELETE): who did what to which object, when, from where."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_org_created", "org_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int | None] = mapped_column(Id)  # no FK: the log outlives what it describes
    actor_id: Mapped[int | None] = mapped_column(Id)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)



# -- Quality (migration 0003) ---------------------------------------------------------------------------


class ItemGold(Base):
    """An item's known answer. Its own table, so nothing that serialises items can leak it by accident."""

    __tablename__ = "item_gold"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    value: Mapped[dict[str, Any]] = mapped_column(Json)  # answers by question name, schema-validated
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnnotatorState(Base):
    """An annotator's standing in a project: qualification, pause and reinstatement, running gold score."""

    __tablename__ = "annotator_states"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), default="active")  # qualifying|active|failed|paused
    # Gold answers since qualification started or the last reinstatement; they decide pass and pause.
    run_count: Mapped[int] = mapped_column(Integer, default=0)
    run_correct: Mapped[int] = mapped_column(Integer, default=0)
    qualified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(String(300))
    reinstated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reinstated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Consensus(Base):
    """The label inferred for one question of one item, how sure the method is, and from how many labels."""

    __tablename__ = "consensus"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    value: Mapped[Any] = mapped_column(Json)
    confidence: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(40))
    n_labels: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnnotatorReliability(Base):
    """Per annotator and question ("" = all questions): agreement with consensus, confusions, gold, reviews."""

    __tablename__ = "annotator_reliability"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(String(64), primary_key=True)
    n_labels: Mapped[int] = mapped_column(Integer, default=0)
    agreed: Mapped[int] = mapped_column(Integer, default=0)  # labels equal to the consensus
    skill: Mapped[float | None] = mapped_column(Float)  # the aggregator's own estimate, where it has one
    confusion: Mapped[dict[str, Any] | None] = mapped_column(Json)  # {"classes": [...], "matrix": [[...]]}
    gold_count: Mapped[int] = mapped_column(Integer, default=0)
    gold_correct: Mapped[int] = mapped_column(Integer, default=0)
    reviews_accepted: Mapped[int] = mapped_column(Integer, default=0)
    reviews_rejected: Mapped[int] = mapped_column(Integer, default=0)
    reviews_corrected: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QualityState(Base):
    """When a project's consensus was last computed, and what it had seen (to tell whether it is stale)."""

    __tablename__ = "quality_states"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Newest annotation time the last run saw: a newer annotation makes it stale, with no write per submit.
    watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)  # set by reviews, gold and setting changes
    summary: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # agreement per question, counts
    # Bumped with every ``dirty`` mark (migration 0007): a refresh that ran beside a change leaves it dirty.
    generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class Review(Base):
    """A reviewer's verdict on one annotation: accept, reject (the item goes back to the pool) or correct."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_project_created", "project_id", "created_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verdict: Mapped[str] = mapped_column(String(10))  # accept | reject | correct
    corrected_value: Mapped[dict[str, Any] | None] = mapped_column(Json)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

# -- LLM data (migration 0004) -------------------------------------------------------------------------


class Job(Base):
    """A durable background job (generate, ...); workers claim queued ones atomically from this table."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_claim", "status", "id"),
        Index("ix_jobs_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued|running|done|failed|cancelled
    params: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # never secrets: keys come from env
    result: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int | None] = mapped_column(Integer)
    progress_failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(100))  # host:pid:thread of the claimant
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # claims so far (a stale job is re-claimed)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ModelResponse(Base):
    """One model's answer to an item's conversation; failed calls are kept with their error."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("item_id", "model", "model_version"),
        Index("ix_responses_project", "project_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(100), default="")  # "" not NULL: part of the unique key
    content: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="ok")  # ok | failed
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RewardModel(Base):
    """A reward model trained on a project's preferences: its head weights, held-out metrics and provenance."""

    __tablename__ = "reward_models"
    __table_args__ = (Index("ix_reward_models_project", "project_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(40))  # e.g. "embedding-bt" (frozen encoder + linear head)
    encoder: Mapped[str] = mapped_column(String(100))
    n_pairs: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # held-out accuracy, ECE, Brier
    artefact: Mapped[dict[str, Any]] = mapped_column(Json)  # the trained head; small enough to live in a row
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
