"""Items, imports, annotations and the labeling queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from assay.api.schemas.common import Public, Strict


class ItemPublic(Public):
    id: int
    external_id: str | None
    payload: dict[str, Any]
    meta: dict[str, Any]
    priority: int
    source: str
    created_at: datetime
    n_done: int
    complete: bool


class AnnotationPublic(Public):
    id: int
    item_id: int
    user_id: int
    value: dict[str, Any]
    schema_version: int
    lead_seconds: float | None
    created_at: datetime


class ItemDetail(ItemPublic):
    annotations: list[AnnotationPublic]


class ImportReportPublic(Public):
    rows: int
    created: int
    duplicates: int


class ItemsCreate(Strict):
    items: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=10_000,
        description="Rows as in a JSONL import: item fields, or data/meta/priority.",
    )


class TaskItem(Public):
    id: int
    payload: dict[str, Any]


class TaskPublic(Public):
    """A leased item to label. Metadata is not shown to annotators."""

    lease_id: int
    project_id: int
    expires_at: datetime
    item: TaskItem


class NextResponse(Public):
    task: TaskPublic | None = Field(description="The task to label; null when nothing is left for you.")


class SubmitRequest(Strict):
    value: dict[str, Any] = Field(description="Answers by question name, validated by the project's schema.")
    next: bool = Field(False, description="Also lease the next task and return it (one round trip per item).")


class SubmitResponse(Public):
    annotation: AnnotationPublic
    replayed: bool = Field(description="True when this was a retry and the first annotation is returned.")
    task: TaskPublic | None = None


class SkipRequest(Strict):
    next: bool = False
