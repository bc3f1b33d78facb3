"""Items: bulk import (all or nothing, de-duplicated by content), listing and reading."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from assay.db.models import Annotation, Item, Project, utcnow
from assay.errors import ImportRejected, NotFound
from assay.formats import Record
from assay.security.policies import Actor, ItemPolicy
from assay.services import audit
from assay.services.item_rows import ItemRow, parse_row
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
    writer = _writer_for(session, project, source)
    errors: list[dict[str, Any]] = []
    error_count = rows = 0
    batch: list[ItemRow] = []
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
            batch.append(item)  # type: ignore[arg-type]
            if item.gold is not None:  # type: ignore[union-attr]
                golds[item.content_hash] = item.gold  # type: ignore[union-attr]
            if len(batch) >= BATCH:
                writer.write(batch)
                batch = []
                if progress:
                    progress(rows)
        if error_count:
            raise ImportRejected(
                f"import rejected: {error_count} problem(s) in the file; nothing was imported",
                details={"error_count": error_count, "errors": errors},
            )
        if not rows:
            raise ImportRejected("the file holds no rows", details={"error_count": 1, "errors": []})
        if batch:
            writer.write(batch)
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
    except BaseException:
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


class _SqliteWriter:
    """Batched INSERT OR IGNORE; the unique (project, content_hash) index drops duplicates."""

    def __init__(self, session: Session, project: Project, source: str) -> None:
        self.conn = session.connection()
        self.project_id, self.source, self.created = project.id, source, 0
        self.now = utcnow()

    def write(self, rows: list[ItemRow]) -> None:
        stmt = insert(Item).prefix_with("OR IGNORE")
        result = self.conn.execute(stmt, [self._values(r) for r in rows])
        self.created += result.rowcount

    def _values(self, row: ItemRow) -> dict[str, Any]:
        return dict(
            project_id=self.project_id,
            external_id=row.external_id,
            payload=row.payload,
            meta=row.meta,
            content_hash=row.content_hash,
            priority=row.priority,
            sort_key=random.random(),
            source=self.source,
            created_at=self.now,
            n_done=0,
            n_leased=0,
            complete=False,
        )

    def finish(self) -> int:
        return self.created


class _PostgresWriter:
    """COPY straight into ``items`` when the project has none yet; else via a staging table.

    Into an empty project (the usual first, large import) rows go in once, and in-file duplicates are
    dropped here by hash. Otherwise rows are COPYed to a temporary table and moved with one
    ``INSERT … ON CONFLICT DO NOTHING``. A per-project lock keeps two imports from racing on "empty".
    """

    COLUMNS = "external_id, payload, meta, content_hash, priority, sort_key"
    DIRECT = "project_id, source, created_at, n_done, n_leased, complete, " + COLUMNS

    def __init__(self, session: Session, project: Project, source: str) -> None:
        self.conn = session.connection()
        self.project_id, self.source = project.id, source
        self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(f"import:{project.id}".encode())})
        self.direct = not self.conn.scalar(
            text("SELECT EXISTS (SELECT 1 FROM items WHERE project_id = :p)"), {"p": project.id}
        )
        self.seen: set[str] = set()
        self.created = 0
        self.now = utcnow()
        if not self.direct:
            self.conn.execute(
                text(
                    "CREATE TEMP TABLE IF NOT EXISTS assay_import_stage (n bigserial, external_id text, "
                    "payload jsonb, meta jsonb, content_hash text, priority int, sort_key float8) ON COMMIT DROP"
                )
            )
            self.conn.execute(text("TRUNCATE assay_import_stage"))
        self.cursor = self.conn.connection.driver_connection.cursor()

    def write(self, rows: list[ItemRow]) -> None:
        if not self.direct:
            self._stage(rows)
            return
        head = (self.project_id, self.source, self.now, 0, 0, False)
        with self.cursor.copy(f"COPY items ({self.DIRECT}) FROM STDIN") as copy:
            for row in rows:
                if row.content_hash in self.seen:
                    continue
                self.seen.add(row.content_hash)
                copy.write_row(head + self._values(row))
                self.created += 1

    def _stage(self, rows: list[ItemRow]) -> None:
        with self.cursor.copy(f"COPY assay_import_stage ({self.COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(self._values(row))

    @staticmethod
    def _values(row: ItemRow) -> tuple[Any, ...]:
        return (
            row.external_id,
            orjson.dumps(row.payload).decode(),
            orjson.dumps(row.meta).decode(),
            row.content_hash,
            row.priority,
            random.random(),
        )

    def finish(self) -> int:
        if self.direct:
            return self.created
        # DISTINCT ON keeps the first of in-file duplicates; ON CONFLICT skips content already imported.
        result = self.conn.execute(
            text(
                f"INSERT INTO items (project_id, {self.COLUMNS}, source, created_at, n_done, n_leased, complete) "
                f"SELECT :p, {self.COLUMNS}, :source, now(), 0, 0, false FROM ("
                "  SELECT DISTINCT ON (content_hash) * FROM assay_import_stage ORDER BY content_hash, n) s "
                "ORDER BY n ON CONFLICT (project_id, content_hash) DO NOTHING"
            ),
            {"p": self.project_id, "source": self.source},
        )
        return result.rowcount


def _writer_for(session: Session, project: Project, source: str) -> _SqliteWriter | _PostgresWriter:
    if session.get_bind().dialect.name == "postgresql":
        return _PostgresWriter(session, project, source)
    return _SqliteWriter(session, project, source)


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
