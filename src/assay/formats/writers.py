"""Stream export files (JSON lines, Parquet, CSV) as byte chunks, never holding every row in memory.

Each function takes rows lazily and yields ``bytes`` as soon as a batch is encoded, so it can feed an HTTP
streaming response or a file directly; memory is bounded by one batch (``batch_rows`` rows, or one Parquet
row group), whatever the number of rows.

Parquet and CSV are flat, so nested values go in as JSON text: every cell of a ``json_columns`` column
(``data``, ``meta``, ``payload`` and ``value`` by default) is stored as a JSON string. Items with different
payload shapes then share one Arrow schema, and :func:`assay.formats.iter_records` parses them back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from assay.formats._common import DEFAULT_JSON_COLUMNS, JSON_FIELD_METADATA

Row = Mapping[str, Any]
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


def _json_default(value: Any) -> Any:
    """What orjson cannot encode natively: decimals as exact strings, sets as lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _dumps(value: Any, option: int = _JSON_OPTIONS) -> bytes:
    return orjson.dumps(value, default=_json_default, option=option)


def jsonl_chunks(rows: Iterable[Row], *, batch_rows: int = 1000) -> Iterator[bytes]:
    """Encode rows as JSON lines (datetimes as RFC 3339), yielding one chunk per ``batch_rows`` rows."""
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    lines: list[bytes] = []
    for row in rows:
        lines.append(_dumps(row, _JSON_OPTIONS | orjson.OPT_APPEND_NEWLINE))
        if len(lines) >= batch_rows:
            yield b"".join(lines)
            lines.clear()
    if lines:
        yield b"".join(lines)


class _DrainedSink:
    """A write-only file that ``ParquetWriter`` fills and we empty after every row group."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []
        self._written = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._pending.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        chunk = b"".join(self._pending)
        self._pending.clear()
        return chunk


def _columns(batch: Sequence[Row], json_columns: Collection[str]) -> dict[str, list[Any]]:
    """The batch as columns (keys in first-seen order), JSON-encoding ``json_columns`` cells."""
    names: dict[str, None] = {}
    for row in batch:
        names.update(dict.fromkeys(row))
    columns: dict[str, list[Any]] = {}
    for name in names:
        values = [row.get(name) for row in batch]
        if name in json_columns:
            values = [None if value is None else _dumps(value).decode() for value in values]
        columns[name] = values
    return columns


def _json_schema(schema: pa.Schema, json_columns: Collection[str]) -> pa.Schema:
    """``schema`` with its JSON columns as strings marked for the reader."""
    for index, field in enumerate(schema):
        if field.name in json_columns:
            schema = schema.set(index, pa.field(field.name, pa.string(), metadata=JSON_FIELD_METADATA))
    return schema


def _table(columns: dict[str, list[Any]], schema: pa.Schema, rows: int) -> pa.Table:
    extra = [name for name in columns if schema.get_field_index(name) < 0]
    if extra:
        raise ValueError(f"columns {extra} are not in the Parquet schema; pass schema= listing every column")
    arrays = []
    for field in schema:
        try:
            arrays.append(pa.array(columns.get(field.name, [None] * rows), type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            message = f"column {field.name!r} does not fit {field.type}: {exc}; pass schema= to fix types"
            raise ValueError(message) from exc
    return pa.Table.from_arrays(arrays, schema=schema)


def parquet_chunks(
    batches: Iterable[Sequence[Row]],
    *,
    schema: pa.Schema | None = None,
    json_columns: Collection[str] = DEFAULT_JSON_COLUMNS,
    compression: str = "zstd",
) -> Iterator[bytes]:
    """Encode batches of rows as one Parquet file, one row group per batch, yielding bytes per row group.

    Without ``schema`` the column types come from the first non-empty batch; a column that is all null
    there, or a key first seen later, raises ``ValueError``, so pass ``schema`` when that can happen.
    Columns in ``json_columns`` are always JSON text (see the module docstring).
    """
    if schema is not None:
        schema = _json_schema(schema, json_columns)

    def tables() -> Iterator[pa.Table]:
        nonlocal schema
        for batch in batches:
            if not batch:
                continue
            columns = _columns(batch, json_columns)
            if schema is None:
                inferred = pa.table({name: pa.array(values) for name, values in columns.items()}).schema
                schema = _json_schema(inferred, json_columns)
            yield _table(columns, schema, len(batch))

    yield from _parquet_file(tables(), lambda: schema, compression)


def parquet_tables(
    tables: Iterable[pa.Table],
    *,
    schema: pa.Schema,
    json_columns: Collection[str] = (),
    compression: str = "zstd",
) -> Iterator[bytes]:
    """Encode Arrow tables of ``schema`` as one Parquet file, one row group per table, yielding bytes.

    For columns already built (say, by a database): ``json_columns`` must hold JSON text already; they are
    only marked so that :func:`assay.formats.iter_records` parses them back.
    """
    marked = _json_schema(schema, json_columns)
    yield from _parquet_file((table.cast(marked) for table in tables), lambda: marked, compression)


def _parquet_file(
    tables: Iterable[pa.Table], schema: Callable[[], pa.Schema | None], compression: str
) -> Iterator[bytes]:
    """Write ``tables`` as row groups of one Parquet file, handing the bytes out after each row group."""
    sink = _DrainedSink()
    writer: pq.ParquetWriter | None = None
    try:
        for table in tables:
            if writer is None:
                writer = pq.ParquetWriter(sink, table.schema, compression=compression)
            writer.write_table(table)
            if chunk := sink.drain():
                yield chunk
        if writer is None:
            writer = pq.ParquetWriter(sink, schema() or pa.schema([]), compression=compression)
    finally:
        if writer is not None:
            writer.close()
    yield sink.drain()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    return _dumps(value).decode()


def _lookup(row: Row, column: str) -> Any:
    """The value at a column name, following dots into nested dicts when the name is not a key itself."""
    if column in row:
        return row[column]
    value: Any = row
    for key in column.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def csv_chunks(
    rows: Iterable[Row],
    *,
    columns: Sequence[str] | None = None,
    delimiter: str = ",",
    batch_rows: int = 1000,
) -> Iterator[bytes]:
    """Encode rows as UTF-8 CSV with a header, yielding one chunk per ``batch_rows`` rows.

    ``columns`` may name nested values with dots (``meta.source``), as the reader does; left out, they are
    the first row's keys, and a later row with another key raises ``ValueError`` rather than lose it.
    Nulls are empty cells, booleans ``true``/``false``, and dicts and lists JSON text.
    """
    if batch_rows < 1:
        raise ValueError("batch_rows must be at least 1")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    header: list[str] | None = list(columns) if columns is not None else None
    known = frozenset(header or ())
    if header is not None:
        writer.writerow(header)
    pending = 0
    for row in rows:
        if header is None:
            header, known = list(row), frozenset(row)
            writer.writerow(header)
        elif columns is None and not known.issuperset(row):
            raise ValueError(f"row has columns {sorted(set(row) - known)} missing from the CSV header")
        writer.writerow([_cell(_lookup(row, column)) for column in header])
        pending += 1
        if pending >= batch_rows:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if buffer.tell():
        yield buffer.getvalue().encode()
