"""``load_schema``: a label schema from a dict, JSON or YAML, with every problem as a located SchemaError."""

from __future__ import annotations

import json
from typing import Any

import yaml
from pydantic import ValidationError

from assay.errors import SchemaError
from assay.schema.model import QUESTION_KINDS, LabelSchema, summarise

_KINDS = ", ".join(QUESTION_KINDS)

# Pydantic error type -> message in plain words; types not listed keep pydantic's own message.
_PLAIN = {
    "missing": "this field is required",
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "string_too_short": "must not be empty",
}


def _parse(source: str | bytes) -> Any:
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _fail([{"loc": [], "msg": f"the schema is not UTF-8 text ({error.reason})"}]) from None
    if source.lstrip().startswith("{"):
        try:
            return json.loads(source)
        except json.JSONDecodeError as error:
            msg = f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
            raise _fail([{"loc": [], "msg": msg}]) from None
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise _fail([{"loc": [], "msg": f"invalid YAML{where}: {problem}"}]) from None


def _fail(details: list[dict[str, Any]]) -> SchemaError:
    return SchemaError(summarise("invalid label schema", details), details=details)


def _entry_name(data: Any, loc: list[Any]) -> str | None:
    """The name of the input or question ``loc`` points into, if the raw data has one."""
    if len(loc) < 2 or loc[0] not in ("inputs", "questions") or not isinstance(loc[1], int):
        return None
    entries = data.get(loc[0]) if isinstance(data, dict) else None
    if not isinstance(entries, list) or loc[1] >= len(entries) or not isinstance(entries[loc[1]], dict):
        return None
    name = entries[loc[1]].get("name")
    return name if isinstance(name, str) else None


def _translate(error: dict[str, Any], data: Any) -> dict[str, Any]:
    """One pydantic error as ``{"loc", "msg"}`` in plain words, without the union tag in the location."""
    loc = list(error["loc"])
    if len(loc) >= 3 and loc[0] == "questions" and loc[2] in QUESTION_KINDS:
        del loc[2]  # pydantic puts the discriminator's tag in the path; users never wrote it
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "union_tag_invalid":
        loc, msg = [*loc, "kind"], f"unknown question kind '{ctx.get('tag')}'; supported kinds: {_KINDS}"
    elif kind == "union_tag_not_found":
        loc, msg = [*loc, "kind"], f"no kind given; supported kinds: {_KINDS}"
    elif kind == "extra_forbidden":
        msg = f"unknown field '{loc[-1]}'"
    elif kind == "literal_error":
        msg = f"must be {ctx.get('expected')}"
    elif kind in _PLAIN:
        msg = _PLAIN[kind]
    else:
        msg = error["msg"].removeprefix("Value error, ")
        msg = msg[:1].lower() + msg[1:]
    name = _entry_name(data, loc)
    if name is not None:
        msg = f"{loc[0][:-1]} '{name}': {msg}"
    return {"loc": loc, "msg": msg}


def load_schema(source: str | bytes | dict[str, Any] | LabelSchema) -> LabelSchema:
    """Build a LabelSchema from a dict, JSON text or YAML text; any problem raises a located SchemaError."""
    if isinstance(source, LabelSchema):
        return source
    data = _parse(source) if isinstance(source, str | bytes) else source
    if not isinstance(data, dict):
        raise _fail([{"loc": [], "msg": "a schema must be a mapping with 'inputs' and 'questions'"}])
    try:
        return LabelSchema.model_validate(data)
    except ValidationError as error:
        raise _fail([_translate(item, data) for item in error.errors(include_url=False)]) from None
