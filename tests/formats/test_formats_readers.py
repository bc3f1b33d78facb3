"""iter_records and detect_format: every format, line numbers, nesting, gzip, and whole-file errors."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assay.errors import InvalidInput
from assay.formats import Record, detect_format, iter_records


class OneWayStream(io.RawIOBase):
    """A readable stream that cannot seek, like a socket or a request body."""

    def __init__(self, data: bytes) -> None:
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def read(data: bytes, fmt: str, **options: Any) -> list[Record]:
    return list(iter_records(io.BytesIO(data), fmt, **options))


# -- detect_format -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [
        ("items.jsonl", "jsonl"),
        ("items.ndjson", "jsonl"),
        ("items.json", "jsonl"),
        ("dir.v2/ITEMS.JSONL.GZ", "jsonl"),
        ("items.csv", "csv"),
        ("items.csv.gz", "csv"),
        ("items.tsv", "tsv"),
        ("items.parquet", "parquet"),
        ("items.pq", "parquet"),
    ],
)
def test_detect_format(filename: str, fmt: str) -> None:
    assert detect_format(filename) == fmt


@pytest.mark.parametrize("filename", ["items.xlsx", "items", "items.gz", "items.parquet.gz", "jsonl"])
def test_detect_format_refuses_unknown_extensions_and_lists_supported_ones(filename: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        detect_format(filename)
    assert ".jsonl" in caught.value.message and ".parquet" in caught.value.message
    assert caught.value.details[0]["loc"] == ["filename"]


def test_unknown_format_is_refused_before_iterating() -> None:
    with pytest.raises(InvalidInput, match="unknown format"):
        iter_records(io.BytesIO(b""), "xml")


def test_missing_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cannot open"):
        list(iter_records(tmp_path / "nope.jsonl", "jsonl"))


# -- JSON lines ----------------------------------------------------------------------------------------------


def test_jsonl_keeps_real_line_numbers_across_blank_lines() -> None:
    data = b'{"text": "a"}\n\n   \n{"text": "b"}\r\n\n{"text": "c"}'
    assert read(data, "jsonl") == [
        Record(1, {"text": "a"}),
        Record(4, {"text": "b"}),
        Record(6, {"text": "c"}),
    ]


def test_jsonl_bad_lines_become_errors_with_their_line_numbers() -> None:
    data = b'{"ok": 1}\n\n{"a": x}\n[1, 2]\n"text"\n{"ok": 2}\n'
    records = read(data, "jsonl")
    assert [(r.line, r.ok) for r in records] == [(1, True), (3, False), (4, False), (5, False), (6, True)]
    assert records[1].error is not None
    assert records[1].error.startswith("invalid JSON: unexpected character")
    assert records[1].error.endswith("at column 7")
    assert records[2].error == "expected a JSON object, got array"
    assert records[3].error == "expected a JSON object, got string"
    assert records[1].data is None


def test_jsonl_tolerates_a_utf8_bom() -> None:
    assert read(b'\xef\xbb\xbf{"a": 1}\n', "jsonl") == [Record(1, {"a": 1})]


def test_jsonl_refuses_a_pretty_printed_json_document() -> None:
    with pytest.raises(InvalidInput, match="not JSON lines"):
        read(b'[\n  {"a": 1}\n]\n', "jsonl")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a": 1}\n{"a": "\xff\xfe"}\n', "not valid UTF-8 \\(line 2\\)"),
        ('{"a": 1}\n'.encode("utf-16"), "UTF-16"),
    ],
)
def test_jsonl_with_a_bad_encoding_is_invalid_input(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        read(data, "jsonl")


def test_jsonl_from_a_path_and_from_a_stream_left_open(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"a": 1}\n')
    assert list(iter_records(path, "jsonl")) == [Record(1, {"a": 1})]
    assert list(iter_records(str(path), "jsonl")) == [Record(1, {"a": 1})]
    stream = io.BytesIO(b'{"a": 1}\n')
    list(iter_records(stream, "jsonl"))
    assert not stream.closed


def test_jsonl_reads_a_stream_that_cannot_seek() -> None:
    data = gzip.compress(b'{"a": 1}\n{"a": 2}\n')
    records = list(iter_records(OneWayStream(data), "jsonl"))
    assert [r.data for r in records] == [{"a": 1}, {"a": 2}]


# -- gzip ----------------------------------------------------------------------------------------------------


def test_gzipped_files_are_decompressed(tmp_path: Path) -> None:
    jsonl = tmp_path / "items.jsonl.gz"
    jsonl.write_bytes(gzip.compress(b'{"a": 1}\n\nnope\n'))
    csv = tmp_path / "items.csv.gz"
    csv.write_bytes(gzip.compress(b"text,meta.lang\nhello,en\n"))
    assert [(r.line, r.ok) for r in iter_records(jsonl, detect_format(jsonl.name))] == [(1, True), (3, False)]
    assert list(iter_records(csv, detect_format(csv.name))) == [
        Record(2, {"text": "hello", "meta": {"lang": "en"}})
    ]


def test_truncated_gzip_is_invalid_input() -> None:
    data = gzip.compress(b'{"a": 1}\n' * 10_000)[:200]
    with pytest.raises(InvalidInput, match="gzip"):
        read(data, "jsonl")


# -- CSV -----------------------------------------------------------------------------------------------------


def test_csv_line_numbers_count_the_header_blank_lines_and_quoted_newlines() -> None:
    data = b'text,label\nfirst,a\n"two\nlines",b\n\nlast,c\n'
    assert read(data, "csv") == [
        Record(2, {"text": "first", "label": "a"}),
        Record(3, {"text": "two\nlines", "label": "b"}),
        Record(6, {"text": "last", "label": "c"}),
    ]


def test_csv_rows_with_the_wrong_number_of_columns_are_errors() -> None:
    records = read(b"a,b\n1,2\n1\n1,2,3\n4,5\n", "csv")
    assert [(r.line, r.error) for r in records] == [
        (2, None),
        (3, "expected 2 columns, got 1"),
        (4, "expected 2 columns, got 3"),
        (5, None),
    ]


def test_csv_empty_cells_are_absent_and_dotted_columns_nest() -> None:
    data = b"text,meta.source,meta.lang,meta.extra.score\nhi,web,,0.5\n,,,\nyo,,,\n"
    assert read(data, "csv") == [
        Record(2, {"text": "hi", "meta": {"source": "web", "extra": {"score": "0.5"}}}),
        Record(4, {"text": "yo"}),
    ]


def test_csv_json_columns_are_parsed_when_they_hold_objects_or_arrays() -> None:
    data = (
        b"text,payload,meta,tags\n"
        b'a,"{""x"": 1}","[1, 2]","[""kept as text""]"\n'
        b"b,plain,note,\n"
        b'c,"{broken",,\n'
    )
    records = read(data, "csv")
    assert records[0] == Record(
        2, {"text": "a", "payload": {"x": 1}, "meta": [1, 2], "tags": '["kept as text"]'}
    )
    assert records[1] == Record(3, {"text": "b", "payload": "plain", "meta": "note"})
    assert records[2].line == 4
    assert records[2].error is not None and records[2].error.startswith("column 'payload': invalid JSON")
    custom = read(data, "csv", json_columns=["tags"])
    assert custom[0].data == {"text": "a", "payload": '{"x": 1}', "meta": "[1, 2]", "tags": ["kept as text"]}


def test_csv_tolerates_a_bom_and_reads_tsv() -> None:
    assert read("\ufefftext,n\nhé,1\n".encode(), "csv") == [Record(2, {"text": "hé", "n": "1"})]
    assert read(b"text\tn\na,b\t1\n", "tsv") == [Record(2, {"text": "a,b", "n": "1"})]


def test_csv_empty_file_has_no_records() -> None:
    assert read(b"", "csv") == []
    assert read(b"text\n", "csv") == []


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"text,text\n", "appears twice"),
        (b"meta,meta.source\n", "clashes with 'meta'"),
        (b"text,,label\n", "invalid name"),
        (b"text,meta..x\n", "invalid name"),
    ],
)
def test_csv_bad_header_is_invalid_input(header: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        read(header + b"1,2\n", "csv")
    assert caught.value.details


def test_csv_not_utf8_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="not valid UTF-8"):
        read("text\ncafé\n".encode("latin-1"), "csv")


def test_csv_leaves_the_callers_stream_open() -> None:
    stream = io.BytesIO(b"a\n1\n")
    assert list(iter_records(stream, "csv")) == [Record(2, {"a": "1"})]
    assert not stream.closed


# -- Parquet -------------------------------------------------------------------------------------------------


def parquet_bytes(table: pa.Table, **options: Any) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, **options)
    return sink.getvalue()


def test_parquet_rows_number_across_batches_and_row_groups_with_nested_columns() -> None:
    rows = [{"id": i, "meta": {"source": "web", "tags": ["a", str(i)]}, "note": None} for i in range(25)]
    data = parquet_bytes(pa.Table.from_pylist(rows), row_group_size=10)
    records = read(data, "parquet", batch_size=4)
    assert [r.line for r in records] == list(range(1, 26))
    assert records[7] == Record(8, {"id": 7, "meta": {"source": "web", "tags": ["a", "7"]}})


def test_parquet_parses_json_text_in_json_columns_only() -> None:
    table = pa.table({"payload": ['{"x": 1}', "plain", "{bad"], "other": ['{"x": 1}', None, None]})
    records = read(parquet_bytes(table), "parquet")
    assert records[0].data == {"payload": {"x": 1}, "other": '{"x": 1}'}
    assert records[1].data == {"payload": "plain"}
    assert records[2].error is not None and records[2].error.startswith("column 'payload': invalid JSON")


def test_parquet_from_a_stream_that_cannot_seek() -> None:
    data = parquet_bytes(pa.table({"a": [1, 2]}))
    assert [r.data for r in iter_records(OneWayStream(data), "parquet")] == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize("data", [b"", b"id,text\n1,a\n", b"PAR1" + b"\x00" * 64 + b"PAR1"])
def test_not_parquet_is_invalid_input(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="not a valid Parquet file"):
        read(data, "parquet")


def test_jsonl_and_csv_are_read_lazily() -> None:
    for fmt, data in [("jsonl", b'{"n": 1}\n' * 200_000), ("csv", b"n\n" + b"1\n" * 200_000)]:
        stream = io.BytesIO(data)
        records = iter_records(stream, fmt)
        assert next(records).ok
        assert stream.tell() < len(data) // 10  # only a buffer's worth has been read
        assert sum(1 for _ in records) == 199_999
