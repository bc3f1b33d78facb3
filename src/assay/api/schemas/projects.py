"""Projects and their progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from assay.api.schemas.common import Public, Strict
from assay.api.schemas.quality_settings import (
    QualitySettingsCreate,
    QualitySettingsPublic,
    QualitySettingsUpdate,
)

Order = Literal["priority", "random"]


class ProjectCreate(Strict, QualitySettingsCreate):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=10_000)
    guidelines: str = Field("", max_length=200_000, description="Markdown shown to annotators.")
    label_schema: dict[str, Any] | str = Field(
        description="The label schema as an object, JSON or YAML text."
    )
    overlap: int = Field(1, ge=1, le=100, description="Annotations wanted per item.")
    lease_seconds: int = Field(
        600, ge=10, le=7 * 24 * 3600, description="How long an annotator holds an item."
    )
    required_skills: list[str] = Field(default_factory=list, max_length=50)
    priority_order: Order = "priority"
    private: bool = Field(
        False, description="A private prompt set: only managers browse or export its items."
    )


class ProjectUpdate(Strict, QualitySettingsUpdate):
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=10_000)
    guidelines: str | None = Field(None, max_length=200_000)
    label_schema: dict[str, Any] | str | None = None
    overlap: int | None = Field(None, ge=1, le=100)
    lease_seconds: int | None = Field(None, ge=10, le=7 * 24 * 3600)
    required_skills: list[str] | None = Field(None, max_length=50)
    priority_order: Order | None = None
    private: bool | None = None


class ProjectPublic(Public, QualitySettingsPublic):
    id: int
    name: str
    description: str
    guidelines: str
    guidelines_version: int
    schema_version: int
    label_schema: dict[str, Any]
    overlap: int
    lease_seconds: int
    required_skills: list[str]
    priority_order: str
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    private: bool = False


class SchemaVersionPublic(Public):
    version: int
    definition: dict[str, Any]
    created_at: datetime


class ProgressPublic(Public):
    items: int
    done: int
    in_progress: int
    not_started: int
    remaining: int
    annotations: int
    annotations_wanted: int
    active_leases: int


class AnnotatorStatsPublic(Public):
    user_id: int
    email: str
    name: str
    annotations: int
    median_seconds: float | None
    last_active: datetime | None
