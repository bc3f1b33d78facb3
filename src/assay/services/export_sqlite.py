"""Export batches on SQLite: item lines built by SQLite, annotations and consensus encoded here.

SQLite writes the part of each line that needs no float formatting (payload and metadata go out as stored,
already JSON); annotations and consensus carry floats, which Python writes as the other export paths do.
The lines hold what ``exports.iter_export_batches`` yields, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
from sqlalchemy import Engine
from sqlalchemy.types import DateTime

from assay.db import read_only
from assay.services.consensus import unwrap

# Stored JSON is orjson's compact text; a stored document with a line break (written by hand) is minified.
_JSON = "CASE WHEN instr({0}, char(10)) THEN json({0}) ELSE {0} END"
# SQLAlchemy stores times as "2026-11-25 14:40:36.533022"; exports write "2026-11-25T14:40:36.533022".
_TIME = "replace(replace({0}, ' ', 'T'), '.000000', '')"
_HEAD = (
    "CAST('{\"id\":' || i.id || ',\"external_id\":' || json_quote(i.external_id) "
    "|| ',\"payload\":' || " + _JSON.format("i.payload") + " || ',\"meta\":' || " + _JSON.format("i.meta")
    + " || ',\"priority\":' || i.priority "
    "|| ',\"status\":' || CASE WHEN i.complete THEN '\"complete\"' ELSE '\"incomplete\"' END "
    "|| ',\"created_at\":\"' || " + _TIME.format("i.created_at") + " || '\",\"annotations\":[' AS BLOB)"
)
_PARQUET_COLUMNS = (
    "i.id, i.external_id, " + _JSON.format("i.payload") + ", " + _JSON.format("i.meta") + ", i.priority, "
    "CASE WHEN i.complete THEN 'complete' ELSE 'incomplete' END, i.created_at"
)
_PARQUET_TYPES = (
    pa.int64(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.int32(),
    pa.string(),
    pa.string(),  # the stored time, cast to a timestamp below
    pa.string(),
    pa.string(),
)
_ITEMS = "SELECT {columns} FROM items i WHERE i.project_id = ? AND i.id > ? AND i.id <= ?{status} ORDER BY i.id"
_ANNOTATIONS = (
    "SELECT a.item_id, a.id, u.email, a.user_id, a.value, a.schema_version, a.lead_seconds, "
    + _TIME.format("a.created_at")
    + " FROM annotations a LEFT JOIN users u ON u.id = a.user_id "
    "WHERE a.item_id > ? AND a.item_id <= ?{window} ORDER BY a.item_id, a.id"
)
_CONSENSUS = (
    "SELECT item_id, question, value, confidence, method, n_labels FROM consensus WHERE item_id > ? AND item_id <= ?"
)


def fetch(
    engine: Engine, project_id: int, status_sql: str, since: datetime | None, until: datetime | None
) -> tuple[Callable[[int, int], bytes], Callable[[int, int], list[pa.Array]]]:
    """Two functions of an id range ``(lo, hi]``: its JSON lines as bytes, and its Parquet columns."""
    dated = since is not None or until is not None
    stamp = DateTime().dialect_impl(engine.dialect).bind_processor(engine.dialect)
    window, window_args = "", []
    for bound, op in ((since, ">="), (until, "<")):
        if bound is not None:
            window += f" AND a.created_at {op} ?"
            window_args.append(stamp(bound) if stamp else bound)
    annotations_sql = _ANNOTATIONS.format(window=window)

    def read(columns: str, lo: int, hi: int) -> Iterator[tuple[Any, dict[int, list[bytes]], dict[int, bytes]]]:
        """Each item row of the range with the range's annotations and consensus by item, streamed: a batch
        of row tuples kept alive would be walked again and again by the garbage collector."""
        with read_only(engine) as session:
            cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                annotations: dict[int, list[bytes]] = {}
                for item_id, *values in cursor.execute(annotations_sql, (lo, hi, *window_args)):
                    annotations.setdefault(item_id, []).append(_annotation(*values))
                consensus = _consensus(cursor.execute(_CONSENSUS, (lo, hi)))
                items = _ITEMS.format(columns=columns, status=status_sql)
                for row in cursor.execute(items, (project_id, lo, hi)):
                    if not dated or row[0] in annotations:
                        yield row, annotations, consensus
            finally:
                cursor.close()

    def lines(lo: int, hi: int) -> bytes:
        out: list[bytes] = []
        for (item_id, head), by_item, consensus in read("i.id, " + _HEAD, lo, hi):
            out.append(head)
            if item_id in by_item:
                out.append(b",".join(by_item[item_id]))
            out.append(b'],"consensus":' + consensus.get(item_id, b"{}") + b"}\n")
        return b"".join(out)

    def columns(lo: int, hi: int) -> list[pa.Array]:
        values: list[list[Any]] = [[] for _ in range(9)]
        for row, by_item, consensus in read(_PARQUET_COLUMNS, lo, hi):
            for column, value in zip(values, row, strict=False):  # the first seven columns
                column.append(value)
            values[7].append(b"[" + b",".join(by_item.get(row[0], ())) + b"]")
            values[8].append(consensus.get(row[0], b"{}"))
        if not values[0]:
            return []
        arrays = [pa.array(column, type=kind) for column, kind in zip(values, _PARQUET_TYPES, strict=True)]
        arrays[6] = arrays[6].cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
        return arrays

    return lines, columns


def _consensus(rows: Iterable[tuple[Any, ...]]) -> dict[int, bytes]:
    """Stored consensus rows as one JSON object per item, by question (as ``consensus_for_items`` has it)."""
    found: dict[int, dict[str, Any]] = {}
    for item_id, question, value, confidence, method, n_labels in rows:
        found.setdefault(item_id, {})[question] = {
            "value": unwrap(orjson.loads(value) if isinstance(value, str) else value),
            "confidence": confidence,
            "method": method,
            "n_labels": n_labels,
        }
    return {item_id: orjson.dumps(by_question) for item_id, by_question in found.items()}


def _annotation(
    annotation_id: int,
    email: str | None,
    user_id: int,
    value: Any,
    schema_version: int,
    lead_seconds: float | None,
    created_at: str,
) -> bytes:
    return orjson.dumps(
        {
            "id": annotation_id,
            "annotator": email or "",
            "annotator_id": user_id,
            "value": orjson.loads(value) if isinstance(value, str) else value,
            "schema_version": schema_version,
            "lead_seconds": lead_seconds,
            "created_at": created_at,
        }
    )
