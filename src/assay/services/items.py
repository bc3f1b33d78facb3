"""Items: bulk import (all or nothing, de-duplicated by content), listing and reading."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from assay.db.models import Annotation, Item, Project
from assay.errors import ImportRejected, NotFound
from assay.formats import Record
from assay.security.policies import Actor, ItemPolicy
from assay.services import audit
from assay.services.item_rows import parse_row
from assay.services.item_writers import writer_for
from assay.services.projects import schema_of

BATCH = 5000
MAX_REPORTED_ERRORS = 1000


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read, items created, rows that duplicated existing content."""

    rows: int
    created: int
    duplicates: int


def import_records(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    records: Iterable[Record],
    source: str = "import",
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate and insert every record in one transaction; any bad row rejects the whole import.

    Rows are streamed: valid rows are written in batches while later rows are still being checked, and the
    transaction is rolled back if any row turns out bad, so memory stays flat and nothing partial remains.
    """
    ItemPolicy.import_(actor)
    schema = schema_of(session=session, project=project)
    writer = writer_for(session, project, source)
    errors: list[dict[str, Any]] = []
    error_count = rows = 0
    golds: dict[str, dict[str, Any]] = {}  # content hash -> gold answer, for the (few) rows that carry one
    try:
        for record in records:
            rows += 1
            if record.error is not None:
                item, problems = None, [("row", record.error)]
            else:
                item, problems = parse_row(record.data or {}, schema)
            if problems:
                error_count += len(problems)
                errors.extend({"line": record.line, "field": f, "msg": m} for f, m in problems)
                del errors[MAX_REPORTED_ERRORS:]
                continue
            if error_count:
                continue  # already doomed: keep checking, stop writing
            writer.add(item)  # type: ignore[arg-type]
            if item.gold is not None:  # type: ignore[union-attr]
                golds[item.content_hash] = item.gold  # type: ignore[union-attr]
            if progress and rows % BATCH == 0:
                progress(rows)
        if error_count:
            raise ImportRejected(
                f"import rejected: {error_count} problem(s) in the file; nothing was imported",
                details={"error_count": error_count, "errors": errors},
            )
        if not rows:
            raise ImportRejected("the file holds no rows", details={"error_count": 1, "errors": []})
        created = writer.finish()
        if golds:
            from assay.services.gold import attach_imported

            attach_imported(session=session, actor=actor, project=project, golds=golds)
        audit.record(
            session,
            actor=actor,
            action="items.import",
            object_type="project",
            object_id=project.id,
            details={"rows": rows, "created": created, "source": source},
        )
        session.commit()
    except BaseException as error:
        writer.close(error)
        session.rollback()
        raise
    if created >= ANALYZE_AFTER:
        refresh_statistics(session)
    if progress:
        progress(rows)
    return ImportReport(rows=rows, created=created, duplicates=rows - created)


# Below this many new rows the planner's statistics are close enough; above it, a stale estimate (say, "the
# project has 3 items") makes the queue sort every open item on each lease instead of walking its index.
ANALYZE_AFTER = 1000


def refresh_statistics(session: Session) -> None:
    """Refresh the query planner's statistics on the items table (SQLite and PostgreSQL alike)."""
    session.execute(text("ANALYZE items"))
    session.commit()


def list_items(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    limit: int,
    after: int | None = None,
    status: str | None = None,
) -> list[Item]:
    """Items of a project in id order, ``limit`` at a time (keyset pagination on id)."""
    ItemPolicy.browse(actor, private=project.private)
    query = select(Item).where(Item.project_id == project.id)
    if after is not None:
        query = query.where(Item.id > after)
    query = _status_filter(query, status)
    return list(session.scalars(query.order_by(Item.id).limit(limit)))


def _status_filter(query: Any, status: str | None) -> Any:
    if status == "complete":
        return query.where(Item.complete.is_(True))
    if status == "incomplete":
        return query.where(Item.complete.is_(False))
    if status == "annotated":
        return query.where(Item.n_done > 0)
    if status == "unannotated":
        return query.where(Item.n_done == 0)
    return query


def get_item(
    *, session: Session, actor: Actor, project: Project, item_id: int
) -> tuple[Item, list[Annotation]]:
    """One item with its annotations (reviewers and up)."""
    ItemPolicy.browse(actor, private=project.private)
    item = session.scalar(select(Item).where(Item.id == item_id, Item.project_id == project.id))
    if item is None:
        raise NotFound(f"item {item_id} not found")
    annotations = list(
        session.scalars(select(Annotation).where(Annotation.item_id == item.id).order_by(Annotation.id))
    )
    return item, annotations


def count_items(*, session: Session, project: Project) -> int:
    """How many items a project holds."""
    return session.scalar(select(func.count()).where(Item.project_id == project.id)) or 0
