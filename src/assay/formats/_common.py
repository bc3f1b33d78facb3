"""What every reader yields, and the JSON-in-a-cell rules the readers and writers share (private)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import orjson

# Columns whose cells hold nested JSON in flat formats (CSV, and Parquet as written by ``parquet_chunks``).
DEFAULT_JSON_COLUMNS: tuple[str, ...] = ("data", "meta", "payload", "value")

# Field metadata ``parquet_chunks`` puts on columns whose every cell it stored as JSON text.
JSON_FIELD_METADATA = {b"assay:encoding": b"json"}

_JSON_TYPE_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
}


@dataclass(frozen=True, slots=True)
class Record:
    """One row of an import file: its 1-based ``line``, then its ``data`` or why it is bad (``error``)."""

    line: int
    data: dict[str, Any] | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the row parsed into an object."""
        return self.error is None


def json_type_name(value: Any) -> str:
    """The JSON name of a parsed value's type: ``object``, ``array``, ``string``, ``number``…"""
    if value is None:
        return "null"
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def json_error(exc: orjson.JSONDecodeError) -> str:
    """A short, user-facing description of a JSON syntax error."""
    return f"invalid JSON: {exc.msg} at column {exc.colno}"


def is_json_column(name: str, json_columns: Collection[str]) -> bool:
    """Whether a (possibly dotted) column name falls under one of ``json_columns``."""
    return name in json_columns or name.split(".", 1)[0] in json_columns


def looks_like_json(text: str) -> bool:
    """Whether a cell's text is a JSON object or array rather than plain text."""
    return text.lstrip()[:1] in ("{", "[")
