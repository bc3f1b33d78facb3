"""Writing validated import rows into ``items``: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Both writers take :class:`ItemRow` objects one at a time (``add``) inside the caller's transaction, encode
them into chunks, and hand the chunks to a background thread that sends them to the database, so the
database inserts one chunk while Python reads and checks the next rows. ``finish`` waits for the last chunk
and says how many items were created: rows whose content the project already holds, or that repeat an
earlier row of the same import, are skipped. ``close(error)`` stops early when the import fails.
"""

from __future__ import annotations

import random
import re
import threading
import zlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from queue import Empty, Queue
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from assay.db.models import Item, Project, utcnow
from assay.services.item_rows import ItemRow

# COPY's text format needs these escaped inside a value; JSON from orjson never holds the last three raw.
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
# Rows per chunk: ~128 KiB of COPY data (what psycopg sends at once), or one executemany. Small enough
# that the rows' objects die young, so the garbage collector never has to walk them.
_COPY_CHUNK_ROWS = 500
_INSERT_CHUNK_ROWS = 1000
_QUEUED_CHUNKS = 16
# SQLite page cache for the import (KiB; the default is 2 MiB): with a small cache, a large transaction
# spills index pages to the WAL and reads them back again and again.
_SQLITE_IMPORT_CACHE_KIB = 128 * 1024


def _copy_text(value: str | None) -> bytes:
    """One value in COPY's text format (``\\N`` for NULL)."""
    if value is None:
        return b"\\N"
    if _COPY_SPECIAL.search(value):
        value = _COPY_SPECIAL.sub(lambda m: _COPY_ESCAPES[m.group()], value)
    return value.encode()


class _Pump:
    """A thread that sends queued chunks to the database while the caller prepares the next ones.

    ``idle`` runs whenever the queue runs dry: the PostgreSQL writer ends its COPY there, which frees the
    connection for anything else the importing thread needs from it meanwhile (records may come from a
    generator that queries through the same session; it waits for the COPY to end, the queue drains, and
    the COPY ends). The first error stops the sending; the importing thread sees it on its next ``put``.
    """

    def __init__(self, send: Callable[[Any], None], idle: Callable[[], None] = lambda: None) -> None:
        self.send, self.idle = send, idle
        self.queue: Queue[Any] = Queue(maxsize=_QUEUED_CHUNKS)
        self.error: BaseException | None = None
        self.cancelled = False
        self.thread = threading.Thread(target=self._run, name="assay-import-writer", daemon=True)
        self.thread.start()

    def put(self, chunk: Any) -> None:
        """Queue a chunk (waits while the queue is full); raises the sending thread's error, if any."""
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def _run(self) -> None:
        while True:
            try:
                chunk = self.queue.get_nowait()
            except Empty:
                self._call(self.idle)
                chunk = self.queue.get()
            if chunk is None:
                self._call(self.idle)
                return
            if not self.cancelled:
                self._call(self.send, chunk)

    def _call(self, step: Callable[..., None], *args: Any) -> None:
        if self.error is not None:
            return
        try:
            step(*args)
        except BaseException as error:  # handed to the importing thread
            self.error = error

    def join(self, cancel: bool = False) -> None:
        """Wait for every queued chunk to be sent (or dropped, with ``cancel``); re-raise a sending error."""
        if self.thread.is_alive():
            self.cancelled = self.cancelled or cancel
            self.queue.put(None)
            self.thread.join()
        if self.error is not None and not cancel:
            raise self.error


class SqliteItemWriter:
    """``INSERT OR IGNORE`` through the driver's ``executemany``; the unique (project, content_hash) index
    drops duplicates, in the file and against the project alike."""

    SQL = (
        "INSERT OR IGNORE INTO items (project_id, external_id, payload, meta, content_hash, priority, sort_key, "
        "source, created_at, n_done, n_leased, complete) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)"
    )

    def __init__(self, session: Session, project: Project, source: str) -> None:
        connection = session.connection()
        # The raw driver connection, inside the session's transaction: SQLAlchemy's per-row parameter
        # processing cost more than the insert itself. Timestamps are stored as SQLAlchemy stores them.
        self.cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        dialect = connection.dialect
        stamp = Item.__table__.c.created_at.type.dialect_impl(dialect).bind_processor(dialect)
        now = utcnow()
        self.project_id, self.source, self.created_at = project.id, source, stamp(now) if stamp else now
        self.pending: list[tuple[Any, ...]] = []
        self.created = 0
        self.cache_kib: int | None = self.cursor.execute("PRAGMA cache_size").fetchone()[0]
        self.cursor.execute(f"PRAGMA cache_size = -{_SQLITE_IMPORT_CACHE_KIB}")
        # sqlite3 releases the GIL while SQLite works on a statement, so parsing goes on meanwhile.
        self.pump = _Pump(self._insert)

    def add(self, row: ItemRow) -> None:
        """Queue one row; rows are inserted a chunk at a time."""
        dumps = orjson.dumps
        self.pending.append(
            (
                self.project_id,
                row.external_id,
                dumps(row.payload).decode(),
                dumps(row.meta).decode(),
                row.content_hash,
                row.priority,
                random.random(),
                self.source,
                self.created_at,
            )
        )
        if len(self.pending) >= _INSERT_CHUNK_ROWS:
            self.pump.put(self.pending)
            self.pending = []

    def _insert(self, rows: list[tuple[Any, ...]]) -> None:
        self.cursor.executemany(self.SQL, rows)
        self.created += max(self.cursor.rowcount, 0)

    def finish(self) -> int:
        """Insert what is queued; how many items the import created."""
        if self.pending:
            self.pump.put(self.pending)
            self.pending = []
        self.pump.join()
        self.close()
        return self.created

    def close(self, error: BaseException | None = None) -> None:
        """Stop sending (dropping queued rows after an error) and give the connection its usual page cache."""
        self.pump.join(cancel=error is not None)
        if self.cache_kib is not None:
            self.cursor.execute(f"PRAGMA cache_size = {int(self.cache_kib)}")
            self.cache_kib = None


class PostgresItemWriter:
    """``COPY`` fed chunk by chunk, formatted here in COPY's text format (a fraction of the driver's cost).

    Into an empty project (the usual first, large import) rows go straight into ``items``, in-file duplicates
    dropped here by hash. Otherwise they go to a temporary table first and move with one
    ``INSERT … ON CONFLICT DO NOTHING``. A per-project lock keeps two imports from racing on "empty".
    """

    COLUMNS = "external_id, payload, meta, content_hash, priority, sort_key"

    def __init__(self, session: Session, project: Project, source: str) -> None:
        self.conn = session.connection()
        self.project_id, self.source = project.id, source
        self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(f"import:{project.id}".encode())})
        self.direct = not self.conn.scalar(
            text("SELECT EXISTS (SELECT 1 FROM items WHERE project_id = :p)"), {"p": project.id}
        )
        self.seen: set[str] = set()
        self.pending: list[bytes] = []
        self.created = 0
        raw = self.conn.connection.driver_connection
        self.encoding = raw.info.encoding  # type: ignore[union-attr]
        if self.direct:
            columns = f"{self.COLUMNS}, project_id, source, created_at, n_done, n_leased, complete"
            constants = (str(project.id), source, utcnow().isoformat(), "0", "0", "f")
            self.tail = b"\t" + b"\t".join(_copy_text(value) for value in constants) + b"\n"
            self.statement = f"COPY items ({columns}) FROM STDIN"
        else:
            self.conn.execute(
                text(
                    "CREATE TEMP TABLE IF NOT EXISTS assay_import_stage (n bigserial, external_id text, "
                    "payload jsonb, meta jsonb, content_hash text, priority int, sort_key float8) ON COMMIT DROP"
                )
            )
            self.conn.execute(text("TRUNCATE assay_import_stage"))
            self.tail = b"\n"
            self.statement = f"COPY assay_import_stage ({self.COLUMNS}) FROM STDIN"
        self.cursor = raw.cursor()  # type: ignore[union-attr]
        self.copy_block: AbstractContextManager[Any] | None = None
        self.copy: Any = None
        self.pump = _Pump(self._send, self._end_copy)

    def add(self, row: ItemRow) -> None:
        """Queue one row for COPY, unless an earlier row of the file had the same content."""
        digest = row.content_hash
        if digest in self.seen:
            return
        self.seen.add(digest)
        dumps = orjson.dumps
        # jsonb keeps its keys in its own order, so the canonical (sorted) payload stores the same value.
        self.pending.append(
            b"%s\t%s\t%s\t%s\t%d\t%r%s"
            % (
                _copy_text(row.external_id),
                (row.canonical or dumps(row.payload)).replace(b"\\", b"\\\\"),
                dumps(row.meta).replace(b"\\", b"\\\\"),
                digest.encode(),
                row.priority,
                random.random(),
                self.tail,
            )
        )
        if len(self.pending) >= _COPY_CHUNK_ROWS:
            self._queue()

    def _queue(self) -> None:
        self.created += len(self.pending)
        self.pump.put(b"".join(self.pending))
        self.pending = []

    def _send(self, data: bytes) -> None:
        if self.copy is None:
            self.copy_block = self.cursor.copy(self.statement)
            self.copy = self.copy_block.__enter__()
        if self.encoding != "utf-8":
            data = data.decode().encode(self.encoding)
        try:
            self.copy.write(data)
        except BaseException as error:
            block, self.copy_block, self.copy = self.copy_block, None, None
            block.__exit__(type(error), error, error.__traceback__)  # type: ignore[union-attr]
            raise

    def _end_copy(self) -> None:
        block, self.copy_block, self.copy = self.copy_block, None, None
        if block is not None:
            block.__exit__(None, None, None)

    def finish(self) -> int:
        """Send what is queued, end the COPY (and move staged rows); how many items the import created."""
        if self.pending:
            self._queue()
        self.pump.join()
        if self.direct:
            return self.created
        # In-file duplicates are already gone; ON CONFLICT skips content the project holds.
        result = self.conn.execute(
            text(
                f"INSERT INTO items (project_id, {self.COLUMNS}, source, created_at, n_done, n_leased, complete) "
                f"SELECT :p, {self.COLUMNS}, :source, now(), 0, 0, false FROM assay_import_stage "
                "ORDER BY n ON CONFLICT (project_id, content_hash) DO NOTHING"
            ),
            {"p": self.project_id, "source": self.source},
        )
        return result.rowcount

    def close(self, error: BaseException | None = None) -> None:
        """Stop sending, dropping queued rows after an error (the transaction is rolled back anyway)."""
        self.pump.join(cancel=error is not None)


def writer_for(session: Session, project: Project, source: str) -> SqliteItemWriter | PostgresItemWriter:
    """The item writer for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return PostgresItemWriter(session, project, source)
    return SqliteItemWriter(session, project, source)
