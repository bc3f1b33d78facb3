"""Stream Parquet rows into records batch by batch, never loading the whole file (private)."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any, BinaryIO

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from assay.errors import InvalidInput
from assay.formats._common import JSON_FIELD_METADATA, Record, json_error, looks_like_json
from assay.formats._source import seekable


def _json_encoded(schema: pa.Schema) -> frozenset[str]:
    return frozenset(
        field.name
        for field in schema
        if field.metadata and JSON_FIELD_METADATA.items() <= field.metadata.items()
    )


def _decode(
    row: dict[str, Any], json_columns: Collection[str], encoded: frozenset[str]
) -> tuple[dict[str, Any] | None, str | None]:
    """Drop null cells (as CSV drops empty ones) and parse JSON text stored in JSON columns.

    Columns marked by ``parquet_chunks`` hold JSON in every cell (scalars too); other ``json_columns`` are
    parsed only where the text looks like an object or array, so plain strings survive.
    """
    data: dict[str, Any] = {}
    for name, value in row.items():
        if value is None:
            continue
        if isinstance(value, str) and (name in encoded or (name in json_columns and looks_like_json(value))):
            try:
                value = orjson.loads(value)
            except orjson.JSONDecodeError as exc:
                return None, f"column {name!r}: {json_error(exc)}"
        data[name] = value
    return data, None


def read_parquet(stream: BinaryIO, *, batch_size: int, json_columns: Collection[str]) -> Iterator[Record]:
    """Yield one record per row; ``line`` is the 1-based row number across all row groups."""
    with seekable(stream) as source:
        try:
            parquet = pq.ParquetFile(source)
        except (pa.ArrowException, OSError) as exc:
            raise InvalidInput(f"not a valid Parquet file: {exc}") from exc
        encoded = _json_encoded(parquet.schema_arrow)
        line = 0
        batches = parquet.iter_batches(batch_size=batch_size)
        while True:
            try:
                batch = next(batches, None)
            except (pa.ArrowException, OSError) as exc:
                raise InvalidInput(f"the Parquet file is corrupt after row {line}: {exc}") from exc
            if batch is None:
                return
            for row in batch.to_pylist():
                line += 1
                data, error = _decode(row, json_columns, encoded)
                yield Record(line, data, error)
