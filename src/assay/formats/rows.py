"""Read import files (JSON lines, CSV/TSV, Parquet; JSONL and CSV may be gzipped) as a stream of records.

Every reader yields :class:`Record` objects in file order and holds at most one line, CSV row or Parquet
batch in memory, so a file of millions of items imports in constant memory. A bad *row* becomes a record with
an ``error`` (so the caller can report every bad row at once); a bad *file* (unknown format, not UTF-8, not
Parquet, broken gzip) raises :class:`assay.errors.InvalidInput`.

>>> import io
>>> [r.data for r in iter_records(io.BytesIO(b'{"text": "hi"}\\n'), "jsonl")]
[{'text': 'hi'}]
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Collection, Iterator
from typing import BinaryIO, Literal, get_args

import orjson

from assay.errors import InvalidInput
from assay.formats._common import DEFAULT_JSON_COLUMNS, Record, json_error, json_type_name
from assay.formats._csv_reader import read_csv
from assay.formats._parquet_reader import read_parquet
from assay.formats._source import GZIP_ERRORS, Source, open_binary, text_bytes

Format = Literal["jsonl", "csv", "tsv", "parquet"]
FORMATS: tuple[str, ...] = get_args(Format)

# ``.json`` is accepted as JSON lines only; a single JSON document is refused by the reader with a hint.
_EXTENSIONS: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_GZIPPABLE: frozenset[Format] = frozenset({"jsonl", "csv", "tsv"})
SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    *_EXTENSIONS,
    *(ext + ".gz" for ext, fmt in _EXTENSIONS.items() if fmt in _GZIPPABLE),
)


def detect_format(filename: str) -> Format:
    """The format of an import file, from its extension (``.gz`` allowed on text formats).

    Raises ``InvalidInput`` naming the supported extensions when the extension is unknown.
    """
    name = os.path.basename(filename).lower()
    gzipped = name.endswith(".gz")
    fmt = _EXTENSIONS.get(os.path.splitext(name.removesuffix(".gz"))[1])
    if fmt is None or (gzipped and fmt not in _GZIPPABLE):
        supported = ", ".join(SUPPORTED_EXTENSIONS)
        message = f"cannot tell the format of {filename!r}; supported extensions: {supported}"
        raise InvalidInput(message, details=[{"loc": ["filename"], "msg": message}])
    return fmt


def _read_jsonl(stream: BinaryIO) -> Iterator[Record]:
    first = True
    for line, raw in enumerate(stream, start=1):
        if line == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        text = raw.rstrip()  # keep leading blanks so error columns match the file
        if not text.strip():
            continue
        try:
            value = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            if "UTF-8" in exc.msg:
                raise InvalidInput(f"file is not valid UTF-8 (line {line})") from exc
            if first and text.strip() in (b"[", b"{"):
                message = "file holds one JSON document, not JSON lines (one object per line)"
                raise InvalidInput(message) from exc
            yield Record(line, None, json_error(exc))
        else:
            if isinstance(value, dict):
                yield Record(line, value)
            else:
                yield Record(line, None, f"expected a JSON object, got {json_type_name(value)}")
        first = False


def _records(source: Source, fmt: Format, json_columns: Collection[str], batch_size: int) -> Iterator[Record]:
    with open_binary(source) as stream:
        if fmt == "parquet":
            yield from read_parquet(stream, batch_size=batch_size, json_columns=json_columns)
            return
        try:
            text = text_bytes(stream)
            if fmt == "jsonl":
                yield from _read_jsonl(text)
            else:
                yield from read_csv(text, delimiter="\t" if fmt == "tsv" else ",", json_columns=json_columns)
        except GZIP_ERRORS as exc:
            raise InvalidInput(f"file is not a valid gzip stream: {exc}") from exc


def iter_records(
    source: str | os.PathLike[str] | BinaryIO,
    fmt: str,
    *,
    json_columns: Collection[str] = DEFAULT_JSON_COLUMNS,
    batch_size: int = 1024,
) -> Iterator[Record]:
    """Stream the records of an import file, in order, with their 1-based line (or row) numbers.

    ``source`` is a path (opened and closed here) or a binary stream (read, never closed). ``fmt`` is one of
    :data:`FORMATS`, e.g. from :func:`detect_format`. Per format:

    * ``jsonl``: one JSON object per line; blank lines are skipped but still counted.
    * ``csv``/``tsv``: the header is line 1; each record's line is where its row starts. Empty cells are left
      out, ``meta.source`` columns nest as ``{"meta": {"source": ...}}``, and cells under ``json_columns``
      that start with ``{`` or ``[`` are parsed as JSON. Every other value stays a string.
    * ``parquet``: ``batch_size`` rows are decoded at a time; nested columns arrive as dicts and lists, null
      cells are left out, and JSON text in ``json_columns`` (or written by ``parquet_chunks``) is parsed.

    The format is checked now; file problems raise ``InvalidInput`` while iterating.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    return _records(source, fmt, json_columns, batch_size)  # type: ignore[arg-type]
