"""Exports: items with their annotations, streamed in batches so memory stays flat at any size."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

import pyarrow as pa
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from assay.db import read_only
from assay.db.models import Annotation, Item, Project, User
from assay.formats import parquet_tables
from assay.security.policies import Actor, ItemPolicy
from assay.services import audit
from assay.services.items import _status_filter
from assay.services.quality import consensus_for_items

BATCH = 2000
FILE_BATCH = 10_000  # items per statement when the database builds the file's rows
READ_AHEAD = 2  # batches built at once, each on its own connection, while the previous one is written
STATUSES = ("all", "complete", "incomplete", "annotated", "unannotated")
STATUS_SQL = {
    "all": "",
    "complete": " AND i.complete",
    "incomplete": " AND NOT i.complete",
    "annotated": " AND i.n_done > 0",
    "unannotated": " AND i.n_done = 0",
}
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
            # The batch is an id range: one range predicate on the item-id index. Annotations of another
            # project's items that fall in the range are fetched but never looked up below.
            query = select(*ANNOTATION_COLUMNS).where(
                Annotation.item_id >= items[0].id, Annotation.item_id <= after
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


def export_chunks(
    *,
    engine: Engine,
    project_id: int,
    fmt: str,
    status: str = "all",
    since: datetime | None = None,
    until: datetime | None = None,
    batch_size: int = FILE_BATCH,
) -> Iterator[bytes]:
    """The project's export file (``jsonl`` or ``parquet``) as byte chunks, one or more per batch of items.

    The same rows as ``iter_export_batches`` (see it for the filters), but built by the database as text:
    whole JSON lines on PostgreSQL, the item part of each line on SQLite, and the Parquet columns as
    Arrow arrays. Batches are id ranges read in their own short transactions; ``READ_AHEAD`` of them are
    built at once on separate connections while the one before is written out.
    """
    if engine.dialect.name == "postgresql":
        from assay.services.export_postgres import fetch
    else:
        from assay.services.export_sqlite import fetch  # type: ignore[assignment]
    lines, columns = fetch(engine, project_id, STATUS_SQL[status], since, until)
    ranges = _id_ranges(engine, project_id, STATUS_SQL[status], batch_size)
    if fmt == "parquet":
        tables = (
            pa.Table.from_arrays(arrays, schema=PARQUET_SCHEMA)
            for arrays in _read_ahead(ranges, columns)
            if arrays
        )
        yield from parquet_tables(tables, schema=PARQUET_SCHEMA, json_columns=JSON_COLUMNS)
        return
    for chunk in _read_ahead(ranges, lines):
        if chunk:
            yield chunk


def _id_ranges(engine: Engine, project_id: int, status_sql: str, batch_size: int) -> Iterator[tuple[int, int]]:
    """``(lo, hi]`` id ranges of ``batch_size`` of the project's items (those ``status_sql`` keeps)."""
    query = text(
        "SELECT max(id) FROM (SELECT i.id FROM items i WHERE i.project_id = :p AND i.id > :lo"
        f"{status_sql} ORDER BY i.id LIMIT :n) s"
    )
    lo = 0
    while True:
        with read_only(engine) as session:
            hi = session.scalar(query, {"p": project_id, "lo": lo, "n": batch_size})
        if hi is None:
            return
        yield lo, hi
        lo = hi


_T = TypeVar("_T")


def _read_ahead(ranges: Iterator[tuple[int, int]], build: Callable[[int, int], _T]) -> Iterator[_T]:
    """``build(lo, hi)`` of each range, in order, with up to ``READ_AHEAD`` of them under way at once."""
    with ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="assay-export") as pool:
        pending: list[Future[_T]] = []
        try:
            for lo, hi in ranges:
                pending.append(pool.submit(build, lo, hi))
                if len(pending) > READ_AHEAD:
                    yield pending.pop(0).result()
            while pending:
                yield pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()


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
