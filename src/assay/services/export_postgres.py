"""Export batches built by PostgreSQL: whole JSON lines, or the Parquet columns as text and numbers.

Python only moves the result along, so an export runs at the speed PostgreSQL builds lines (one batch per
statement, in id order). The lines hold what ``exports.iter_export_batches`` yields, field for field; only
the spacing inside ``payload``, ``meta`` and ``value`` differs (PostgreSQL writes ``{"a": 1}``), and times
are always in UTC (``+00:00``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from assay.db import read_only

# Python's isoformat: six fraction digits, none when they are all zero.
_TIME = "replace(to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '') || '+00:00'"
# A float8 as Python writes it: "3.0", not PostgreSQL's "3"; null for NaN and infinities (as orjson does).
_FLOAT = (
    "CASE WHEN {0} IS NULL OR {0} IN ('NaN', 'Infinity', '-Infinity') THEN 'null' "
    "WHEN {0}::text ~ '[.e]' THEN {0}::text ELSE {0}::text || '.0' END"
)
# Stored consensus values are wrapped ({"v": value}); see services.consensus.unwrap.
_UNWRAPPED = "CASE WHEN jsonb_typeof(c.value) = 'object' THEN c.value -> 'v' ELSE c.value END"

_ANNOTATION_JSON = (
    "'{\"id\":' || a.id || ',\"annotator\":' || COALESCE(to_json(u.email)::text, '\"\"') "
    "|| ',\"annotator_id\":' || a.user_id || ',\"value\":' || a.value::text "
    "|| ',\"schema_version\":' || a.schema_version || ',\"lead_seconds\":' || (" + _FLOAT.format("a.lead_seconds")
    + ") || ',\"created_at\":\"' || " + _TIME.format("a.created_at") + " || '\"}'"
)
_CONSENSUS_JSON = (
    "to_json(c.question)::text || ':{\"value\":' || COALESCE((" + _UNWRAPPED + ")::text, 'null') "
    "|| ',\"confidence\":' || (" + _FLOAT.format("c.confidence") + ") "
    "|| ',\"method\":' || to_json(c.method)::text || ',\"n_labels\":' || c.n_labels || '}'"
)


def _batch_sql(columns: str, status_sql: str, since: datetime | None, until: datetime | None) -> str:
    """Items of one id range, with their annotations and consensus aggregated as JSON text.

    Annotations and consensus are selected by item id range alone (their item-id indexes); the join keeps
    those of this project's items. With a date filter, items without annotations in the window drop out.
    """
    dated = since is not None or until is not None
    window = (" AND a.created_at >= %(since)s" if since is not None else "") + (
        " AND a.created_at < %(until)s" if until is not None else ""
    )
    return (
        "WITH i AS (SELECT i.id, i.external_id, i.payload, i.meta, i.priority, i.complete, i.created_at "
        "FROM items i WHERE i.project_id = %(p)s AND i.id > %(lo)s AND i.id <= %(hi)s" + status_sql + "), "
        f"a AS (SELECT a.item_id, string_agg({_ANNOTATION_JSON}, ',' ORDER BY a.id) AS list "
        "FROM annotations a LEFT JOIN users u ON u.id = a.user_id "
        "WHERE a.item_id > %(lo)s AND a.item_id <= %(hi)s" + window + " GROUP BY a.item_id), "
        f"c AS (SELECT c.item_id, string_agg({_CONSENSUS_JSON}, ',' ORDER BY c.question) AS obj "
        "FROM consensus c WHERE c.item_id > %(lo)s AND c.item_id <= %(hi)s GROUP BY c.item_id) "
        f"SELECT {columns} FROM (SELECT i.*, a.list, c.obj FROM i {'' if dated else 'LEFT '}JOIN a "
        "ON a.item_id = i.id LEFT JOIN c ON c.item_id = i.id ORDER BY i.id) i"
    )


_LINE = (
    "'{\"id\":' || i.id || ',\"external_id\":' || COALESCE(to_json(i.external_id)::text, 'null') "
    "|| ',\"payload\":' || i.payload::text || ',\"meta\":' || i.meta::text || ',\"priority\":' || i.priority "
    "|| ',\"status\":' || CASE WHEN i.complete THEN '\"complete\"' ELSE '\"incomplete\"' END "
    "|| ',\"created_at\":\"' || " + _TIME.format("i.created_at") + " || '\",\"annotations\":[' "
    "|| COALESCE(i.list, '') || '],\"consensus\":{' || COALESCE(i.obj, '') || '}}'"
)
# One bytea per batch: every line, each ending in a newline, in the sorted subquery's order; the ids come
# along to check that order (an ORDER BY inside string_agg would sort the lines once more).
_JSONL_COLUMNS = f"convert_to(string_agg({_LINE}, E'\\n') || E'\\n', 'UTF8'), array_agg(i.id)"
_JSONL_SORTED = f"convert_to(string_agg({_LINE}, E'\\n' ORDER BY i.id) || E'\\n', 'UTF8'), NULL"
# One row per batch: each Parquet column as an array (a few Python lists, not a tuple per item). The
# arrays follow the sorted subquery's order (checked when they are read).
_PARQUET_COLUMNS = ", ".join(
    f"array_agg({column})"
    for column in (
        "i.id",
        "i.external_id",
        "i.payload::text",
        "i.meta::text",
        "i.priority",
        "CASE WHEN i.complete THEN 'complete' ELSE 'incomplete' END",
        "(extract(epoch FROM i.created_at) * 1000000)::int8",
        "'[' || COALESCE(i.list, '') || ']'",
        "'{' || COALESCE(i.obj, '') || '}'",
    )
)
_PARQUET_TYPES = (
    pa.int64(),
    pa.string(),
    pa.string(),
    pa.string(),
    pa.int32(),
    pa.string(),
    pa.int64(),
    pa.string(),
    pa.string(),
)


def fetch(
    engine: Engine, project_id: int, status_sql: str, since: datetime | None, until: datetime | None
) -> tuple[Callable[[int, int], bytes], Callable[[int, int], list[pa.Array]]]:
    """Two functions of an id range ``(lo, hi]``: its JSON lines as bytes, and its Parquet columns."""
    params = {"p": project_id, "since": since, "until": until}
    jsonl_sql = _batch_sql(_JSONL_COLUMNS, status_sql, since, until)
    sorted_sql = _batch_sql(_JSONL_SORTED, status_sql, since, until)
    parquet_sql = _batch_sql(_PARQUET_COLUMNS, status_sql, since, until)

    def run(sql: str, lo: int, hi: int) -> tuple[Any, ...] | None:
        with read_only(engine) as session:
            raw = session.connection().connection.driver_connection
            with raw.cursor(binary=True) as cursor:  # type: ignore[union-attr]
                return cursor.execute(sql, {**params, "lo": lo, "hi": hi}).fetchone()

    def lines(lo: int, hi: int) -> bytes:
        row = run(jsonl_sql, lo, hi)
        if row is None or row[0] is None:
            return b""
        ids = row[1]
        if any(ids[n] >= ids[n + 1] for n in range(len(ids) - 1)):
            row = run(sorted_sql, lo, hi)
        return bytes(row[0])  # type: ignore[index]

    def columns(lo: int, hi: int) -> list[pa.Array]:
        row = run(parquet_sql, lo, hi)
        if row is None or row[0] is None:
            return []
        arrays = [pa.array(values, type=kind) for values, kind in zip(row, _PARQUET_TYPES, strict=True)]
        arrays[6] = arrays[6].cast(pa.timestamp("us", tz="UTC"))
        ids = arrays[0]
        if len(ids) > 1 and not pc.all(pc.greater(ids[1:], ids[:-1])).as_py():
            order = pc.sort_indices(ids)
            arrays = [array.take(order) for array in arrays]
        return arrays

    return lines, columns
