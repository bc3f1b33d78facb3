"""Stream CSV/TSV rows into records: dotted columns nest, empty cells drop out, JSON cells parse (private)."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator
from typing import Any, BinaryIO

import orjson

from assay.errors import InvalidInput
from assay.formats._common import Record, is_json_column, json_error, looks_like_json


def _column_paths(header: list[str]) -> list[tuple[str, ...]]:
    """Split header names on dots, refusing empty, duplicate or clashing (``meta`` and ``meta.x``) names."""
    names = [name.strip() for name in header]
    problems: list[dict[str, Any]] = []
    paths: list[tuple[str, ...]] = []
    for index, name in enumerate(names, start=1):
        path = tuple(name.split("."))
        if not name or "" in path:
            problems.append({"loc": ["header", index], "msg": f"column {index} has an invalid name {name!r}"})
        elif path in paths:
            problems.append({"loc": ["header", index], "msg": f"column {name!r} appears twice"})
        paths.append(path)
    known = set(paths)
    for index, path in enumerate(paths, start=1):
        for depth in range(1, len(path)):
            if path[:depth] in known:
                message = f"column {names[index - 1]!r} clashes with {'.'.join(path[:depth])!r}"
                problems.append({"loc": ["header", index], "msg": message})
                break
    if problems:
        summary = "; ".join(problem["msg"] for problem in problems)
        raise InvalidInput(f"the CSV header is not valid: {summary}", details=problems)
    return paths


def _row_data(
    paths: list[tuple[str, ...]], cells: list[str], json_columns: Collection[str]
) -> tuple[dict[str, Any] | None, str | None]:
    data: dict[str, Any] = {}
    for path, cell in zip(paths, cells, strict=True):
        if cell == "":
            continue
        value: Any = cell
        name = ".".join(path)
        if is_json_column(name, json_columns) and looks_like_json(cell):
            try:
                value = orjson.loads(cell)
            except orjson.JSONDecodeError as exc:
                return None, f"column {name!r}: {json_error(exc)}"
        target = data
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return data, None


def read_csv(stream: BinaryIO, *, delimiter: str, json_columns: Collection[str]) -> Iterator[Record]:
    """Yield one record per data row; ``line`` is where the row starts in the file (the header is line 1)."""
    # utf-8-sig drops a leading BOM (Excel writes one); newline="" lets csv handle quoted newlines itself.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return
        paths = _column_paths(header)
        last_line = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Record(last_line + 1, None, f"malformed CSV: {exc}")
                last_line = reader.line_num
                continue
            line, last_line = last_line + 1, reader.line_num
            if not any(cells):
                continue  # blank line, or a row of empty cells
            if len(cells) != len(paths):
                yield Record(line, None, f"expected {len(paths)} columns, got {len(cells)}")
                continue
            data, error = _row_data(paths, cells, json_columns)
            yield Record(line, data, error)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"file is not valid UTF-8 (near line {reader.line_num + 1})") from exc
    finally:
        # Detach so closing the wrapper (now or at garbage collection) leaves the caller's stream open.
        text.detach()
