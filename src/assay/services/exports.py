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
from assay.services.quality import consensus_for_items

BATCH = 2000
STATUSES = ("all", "complete", "incomplete", "annotated", "unannotated")
JSON_COLUMNS = ("payload", "meta", "annotations", "consensus")
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
        ("consensus", pa.string()),  # by question: value, confidence, method, n_labels (JSON text)
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


ITEM_COLUMNS = (Item.id, Item.external_id, Item.payload, Item.meta, Item.priority, Item.complete, Item.created_at)
ANNOTATION_COLUMNS = (
    Annotation.id,
    Annotation.item_id,
    Annotation.user_id,
    Annotation.value,
    Annotation.schema_version,
    Annotation.lead_seconds,
    Annotation.created_at,
)


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
            # Plain rows, not ORM objects: building objects cost more than the query on large exports.
            items = session.execute(
                _status_filter(
                    select(*ITEM_COLUMNS).where(Item.project_id == project_id, Item.id > after), status
                )
                .order_by(Item.id)
                .limit(batch_size)
            ).all()
            if not items:
                return
            after = items[-1].id
            # The batch is an id range of this project: one range predicate instead of a long IN list.
            query = select(*ANNOTATION_COLUMNS).where(
                Annotation.project_id == project_id,
                Annotation.item_id >= items[0].id,
                Annotation.item_id <= after,
            )
            if since is not None:
                query = query.where(Annotation.created_at >= since)
            if until is not None:
                query = query.where(Annotation.created_at < until)
            by_item: dict[int, list[Any]] = {}
            for annotation in session.execute(query.order_by(Annotation.item_id, Annotation.id)):
                by_item.setdefault(annotation.item_id, []).append(annotation)
            missing = {a.user_id for found in by_item.values() for a in found} - names.keys()
            if missing:
                names.update(
                    (uid, email)
                    for uid, email in session.execute(select(User.id, User.email).where(User.id.in_(missing)))
                )
            consensus = consensus_for_items(session, [i.id for i in items])
            rows = [
                {**_row(item, by_item.get(item.id, []), names), "consensus": consensus.get(item.id, {})}
                for item in items
                if not dated or item.id in by_item
            ]
        if rows:
            yield rows


def iter_export_rows(**kwargs: Any) -> Iterator[dict[str, Any]]:
    """Export rows one at a time (see ``iter_export_batches``)."""
    for batch in iter_export_batches(**kwargs):
        yield from batch


def _row(item: Any, annotations: list[Any], names: dict[int, str]) -> dict[str, Any]:
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


def training_question(*, session: Session, project: Project, kind: str, question: str | None = None) -> str:
    """The question a training export reads: ``question`` if given, else the schema's first of the right kind."""
    from assay.errors import InvalidInput
    from assay.formats.llm import QUESTION_KIND
    from assay.services.projects import schema_of

    wanted = QUESTION_KIND[kind]
    schema = schema_of(session=session, project=project)
    names = [q.name for q in schema.questions if q.kind == wanted]  # type: ignore[attr-defined]
    if question is not None and question in names:
        return question
    if question is None and names:
        return names[0]
    why = f"a {kind} export needs a {wanted} question" + (f"; '{question}' is not one" if question else "")
    raise InvalidInput(why, details=[{"loc": ["question"], "msg": why}])
