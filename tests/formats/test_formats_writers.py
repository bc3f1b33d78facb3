"""jsonl_chunks, parquet_chunks and csv_chunks: round trips, row groups, and bounded streaming."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.formats import Record, csv_chunks, iter_records, jsonl_chunks, parquet_chunks

ITEMS: list[dict[str, Any]] = [
    {"id": 1, "payload": {"text": "hello", "tags": ["a"]}, "meta": {"source": "web"}, "value": "pos"},
    {"id": 2, "payload": {"image": "x.png", "size": [3, 4]}, "meta": None, "value": 3},
    {"id": 3, "payload": {"text": "bye"}, "value": {"spans": [[0, 3]]}},
]


def read_back(data: bytes, fmt: str) -> list[dict[str, Any] | None]:
    records = list(iter_records(io.BytesIO(data), fmt))
    assert all(record.ok for record in records)
    return [record.data for record in records]


def without_nulls(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if value is not None}


class Counted:
    """An iterable that counts how far its consumer has pulled it."""

    def __init__(self, items: Iterator[Any]) -> None:
        self._items = items
        self.pulled = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self._items:
            self.pulled += 1
            yield item


# -- JSON lines ----------------------------------------------------------------------------------------------


def test_jsonl_round_trip_with_datetimes_and_decimals() -> None:
    when = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.UTC)
    rows = [*ITEMS, {"id": 4, "at": when, "score": Decimal("0.10"), "labels": {"b"}}]
    data = b"".join(jsonl_chunks(rows, batch_rows=2))
    assert data.count(b"\n") == 4
    assert read_back(data, "jsonl")[:3] == ITEMS
    assert orjson.loads(data.splitlines()[3]) == {
        "id": 4,
        "at": "2024-05-01T12:30:00+00:00",
        "score": "0.10",
        "labels": ["b"],
    }


def test_jsonl_chunks_hold_batch_rows_each() -> None:
    chunks = list(jsonl_chunks(({"n": n} for n in range(25)), batch_rows=10))
    assert [chunk.count(b"\n") for chunk in chunks] == [10, 10, 5]
    assert list(jsonl_chunks([])) == []


def test_jsonl_streams_200k_rows_without_running_ahead() -> None:
    rows = Counted({"id": n, "payload": {"text": "x" * 20}} for n in range(200_000))
    chunks = 0
    for chunk in jsonl_chunks(rows, batch_rows=1000):
        chunks += 1
        assert len(chunk) < 100_000
        assert rows.pulled <= chunks * 1000  # never more than one batch ahead of what was yielded
    assert chunks == 200 and rows.pulled == 200_000


# -- Parquet -------------------------------------------------------------------------------------------------


def test_parquet_round_trip_with_heterogeneous_payloads() -> None:
    data = b"".join(parquet_chunks([ITEMS[:2], ITEMS[2:]]))
    assert read_back(data, "parquet") == [without_nulls(item) for item in ITEMS]
    schema = pq.read_schema(io.BytesIO(data))
    assert schema.field("payload").type == pa.string()
    assert schema.field("id").type == pa.int64()
    assert pq.read_table(io.BytesIO(data)).column("payload")[0].as_py() == '{"text":"hello","tags":["a"]}'


def test_parquet_many_row_groups_read_back_with_pyarrow() -> None:
    batches = ([{"id": b * 100 + i, "payload": {"n": i}} for i in range(100)] for b in range(50))
    chunks = list(parquet_chunks(batches))
    assert len(chunks) == 51  # one per row group, then the footer
    parquet = pq.ParquetFile(io.BytesIO(b"".join(chunks)))
    assert parquet.metadata.num_row_groups == 50
    table = parquet.read()
    assert table.column("id").to_pylist() == list(range(5000))
    assert orjson.loads(table.column("payload")[4999].as_py()) == {"n": 99}


def test_parquet_streams_200k_rows_with_the_sink_drained_every_row_group() -> None:
    rows = Counted({"id": n, "payload": {"text": f"item {n}"}, "gold": n % 2 == 0} for n in range(200_000))

    def batches() -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 2000:
                yield batch
                batch = []
        if batch:
            yield batch

    chunks = []
    for chunk in parquet_chunks(batches()):
        chunks.append(chunk)
        assert rows.pulled <= len(chunks) * 2000  # the writer is never more than a batch ahead
    assert len(chunks) == 101
    assert max(map(len, chunks)) < 200_000  # one compressed row group at a time, not the whole file
    metadata = pq.ParquetFile(io.BytesIO(b"".join(chunks))).metadata
    assert (metadata.num_rows, metadata.num_row_groups) == (200_000, 100)


def test_parquet_explicit_schema_fills_missing_keys_and_marks_json_columns() -> None:
    schema = pa.schema([("id", pa.int32()), ("payload", pa.string()), ("gold", pa.bool_())])
    data = b"".join(
        parquet_chunks([[{"id": 1, "payload": {"a": 1}}], [{"id": 2, "gold": True}]], schema=schema)
    )
    table = pq.read_table(io.BytesIO(data))
    assert table.schema.field("id").type == pa.int32()
    assert table.column("gold").to_pylist() == [None, True]
    assert read_back(data, "parquet") == [{"id": 1, "payload": {"a": 1}}, {"id": 2, "gold": True}]


def test_parquet_scalar_values_in_json_columns_come_back_as_themselves() -> None:
    rows = [{"value": "7"}, {"value": 7}, {"value": [7]}, {"value": None}]
    assert read_back(b"".join(parquet_chunks([rows])), "parquet") == [
        {"value": "7"},
        {"value": 7},
        {"value": [7]},
        {},
    ]


def test_parquet_with_no_rows_is_still_a_valid_file() -> None:
    schema = pa.schema([("id", pa.int64())])
    assert pq.read_table(io.BytesIO(b"".join(parquet_chunks([[]], schema=schema)))).schema.names == ["id"]
    assert pq.read_table(io.BytesIO(b"".join(parquet_chunks([])))).num_rows == 0


@pytest.mark.parametrize(
    ("batches", "message"),
    [
        ([[{"id": 1}], [{"id": 2, "late": 1}]], "not in the Parquet schema"),
        ([[{"id": 1}], [{"id": "two"}]], "column 'id' does not fit int64"),
        ([[{"id": 1, "note": None}], [{"id": 2, "note": "x"}]], "column 'note'"),
    ],
)
def test_parquet_schema_drift_without_a_schema_is_a_clear_error(batches: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        b"".join(parquet_chunks(batches))


# -- CSV -----------------------------------------------------------------------------------------------------


def test_csv_round_trip_through_the_reader() -> None:
    rows = [
        {"text": 'a, "quoted"\nline', "meta": {"source": "web"}, "payload": {"x": [1]}, "gold": True},
        {"text": "b", "meta": {}, "payload": None, "gold": None},
    ]
    data = b"".join(csv_chunks(rows, columns=["text", "meta.source", "payload", "gold"], batch_rows=1))
    assert data.splitlines()[0] == b"text,meta.source,payload,gold"
    assert list(iter_records(io.BytesIO(data), "csv")) == [
        Record(
            2, {"text": 'a, "quoted"\nline', "meta": {"source": "web"}, "payload": {"x": [1]}, "gold": "true"}
        ),
        Record(4, {"text": "b"}),
    ]


def test_csv_chunks_header_from_the_first_row_and_refuses_unknown_keys() -> None:
    chunks = list(csv_chunks(({"id": n, "at": dt.date(2024, 1, n + 1)} for n in range(5)), batch_rows=2))
    assert (
        b"".join(chunks) == b"id,at\n0,2024-01-01\n1,2024-01-02\n2,2024-01-03\n3,2024-01-04\n4,2024-01-05\n"
    )
    assert len(chunks) == 3
    with pytest.raises(ValueError, match="late"):
        list(csv_chunks([{"id": 1}, {"id": 2, "late": 3}]))


def test_csv_chunks_with_no_rows() -> None:
    assert b"".join(csv_chunks([], columns=["id", "text"])) == b"id,text\n"
    assert list(csv_chunks([])) == []
