"""Exports: items with their annotations, streamed in batches so memory stays flat at any size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from assay.db import read_only
from assay.db.models import Annotation, Item, Project, User
from assay.security.policies import Actor, ItemPolicy
from assay.services import audit
from assay.services.items import _status_filter

BATCH = 2000
STATUSES = ("all", "complete", "incomplete", "annotated", "unannotated")
JSON_COLUMNS = ("payload", "meta", "annotations")
# Fixed Parquet columns; nested values are JSON text so heterogeneous payloads fit one schema.
PARQUET_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("external_id", pa.string()),
        ("payload", pa.string()),
        ("meta", pa.string()),
        ("priority", pa.int32()),
        ("status", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("annotations", pa.string()),
    ]
)


def authorize_export(
    *, session: Session, actor: Actor, project: Project, fmt: str, filters: dict[str, Any]
) -> None:
    """Check the actor may export and record the export in the audit log."""
    ItemPolicy.export(actor)
    audit.record(
        session,
        actor=actor,
        action="project.export",
        object_type="project",
        object_id=project.id,
        details={"format": fmt, **{k: str(v) for k, v in filters.items() if v is not None}},
    )
    session.commit()


def iter_export_batches(
    *,
    engine: Engine,
    project_id: int,
    status: str = "all",
    since: datetime | None = None,
    until: datetime | None = None,
    batch_size: int = BATCH,
) -> Iterator[list[dict[str, Any]]]:
    """Batches of export rows (one per item, annotations nested), in item id order.

    ``since``/``until`` select annotations by time; with either, items without such annotations are left out.
    Reads run in their own short read-only transactions, one per batch, so a long export never blocks labeling.
    """
    dated = since is not None or until is not None
    after = 0
    names: dict[int, str] = {}
    while True:
        with read_only(engine) as session:
            items = list(
                session.scalars(
                    _status_filter(select(Item).where(Item.project_id == project_id, Item.id > after), status)
                    .order_by(Item.id)
                    .limit(batch_size)
                )
            )
            if not items:
                return
            after = items[-1].id
            query = select(Annotation).where(Annotation.item_id.in_([i.id for i in items]))
            if since is not None:
                query = query.where(Annotation.created_at >= since)
            if until is not None:
                query = query.where(Annotation.created_at < until)
            by_item: dict[int, list[Annotation]] = {}
            for annotation in session.scalars(query.order_by(Annotation.item_id, Annotation.id)):
                by_item.setdefault(annotation.item_id, []).append(annotation)
            missing = {a.user_id for found in by_item.values() for a in found} - names.keys()
            if missing:
                names.update(
                    (uid, email)
                    for uid, email in session.execute(select(User.id, User.email).where(User.id.in_(missing)))
                )
            rows = [
                _row(item, by_item.get(item.id, []), names)
                for item in items
                if not dated or item.id in by_item
            ]
        if rows:
            yield rows


def iter_export_rows(**kwargs: Any) -> Iterator[dict[str, Any]]:
    """Export rows one at a time (see ``iter_export_batches``)."""
    for batch in iter_export_batches(**kwargs):
        yield from batch


def _row(item: Item, annotations: list[Annotation], names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": item.id,
        "external_id": item.external_id,
        "payload": item.payload,
        "meta": item.meta,
        "priority": item.priority,
        "status": "complete" if item.complete else "incomplete",
        "created_at": item.created_at,
        "annotations": [
            {
                "id": a.id,
                "annotator": names.get(a.user_id, ""),
                "annotator_id": a.user_id,
                "value": a.value,
                "schema_version": a.schema_version,
                "lead_seconds": a.lead_seconds,
                "created_at": a.created_at.isoformat(),
            }
            for a in annotations
        ],
    }
