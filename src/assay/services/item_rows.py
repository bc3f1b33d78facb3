"""Turning one import row into an item: payload, metadata, priority, content hash (pure functions)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from assay.schema import LabelSchema

RESERVED = ("external_id", "priority", "meta", "data", "gold")
_RESERVED = frozenset(RESERVED)
_MAX_PRIORITY = 2**31 - 1


@dataclass(slots=True)  # not frozen: a frozen dataclass costs ~1 µs more to build, once per imported row
class ItemRow:
    """A validated import row, ready to insert."""

    payload: dict[str, Any]
    meta: dict[str, Any]
    external_id: str | None
    priority: int
    content_hash: str
    gold: dict[str, Any] | None = None  # a known answer, checked against the schema (never shown to annotators)
    canonical: bytes = b""  # the payload as canonical JSON (sorted keys): what ``content_hash`` digests


def content_hash(payload: dict[str, Any]) -> str:
    """SHA-256 of the payload's canonical JSON: equal content, equal hash, whatever the key order."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def parse_row(data: dict[str, Any], schema: LabelSchema) -> tuple[ItemRow | None, list[tuple[str, str]]]:
    """An ItemRow, or the list of (field, problem) that prevent one.

    A row is either ``{"data": {...payload...}, "meta": {...}, "priority": 3, "external_id": "x"}`` or a flat
    object whose non-reserved keys form the payload (``{"text": "...", "meta": {...}}``).
    """
    # Runs once per imported row: the checks are written out flat, and the problem list is built only when
    # something is wrong.
    payload = data.get("data")
    if payload is None and "data" not in data:
        payload = {k: v for k, v in data.items() if k not in _RESERVED}
    elif not isinstance(payload, dict):
        return None, [("data", "must be an object holding the item's fields")]
    problems: list[tuple[str, str]] = []
    if not payload:
        problems.append(("data", "the row has no item fields"))
    else:
        for problem in schema.validate_payload(payload):
            problems.append((_field_of(problem), problem))
    meta = data.get("meta")
    if meta is None:
        meta = {} if "meta" not in data else meta
    if not isinstance(meta, dict):
        problems.append(("meta", "must be an object"))
    priority = data.get("priority", 0)
    if type(priority) is not int:
        if isinstance(priority, str) and priority.strip().lstrip("-").isdigit():
            priority = int(priority)
        if isinstance(priority, bool) or not isinstance(priority, int):
            problems.append(("priority", f"must be an integer, got {priority!r}"))
    if type(priority) is int and not -_MAX_PRIORITY <= priority <= _MAX_PRIORITY:
        problems.append(("priority", f"must be an integer, got {priority!r}"))
    external_id = data.get("external_id")
    if external_id is not None:
        if not isinstance(external_id, str | int) or isinstance(external_id, bool):
            problems.append(("external_id", "must be a string or an integer"))
        else:
            external_id = str(external_id)
            if len(external_id) > 200:
                problems.append(("external_id", "must be at most 200 characters"))
    gold = None
    if data.get("gold") is not None and not problems:
        from assay.services.gold import check_gold

        gold, gold_problems = check_gold(schema, data["gold"], payload)
        problems.extend((".".join(str(part) for part in p["loc"]), p["msg"]) for p in gold_problems)
    if problems:
        return None, problems
    canonical = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(canonical).hexdigest()
    return ItemRow(payload, meta, external_id, priority, digest, gold, canonical), []


def _field_of(problem: str) -> str:
    # Schema messages quote the field they are about: "missing field 'text'".
    if "'" in problem:
        name = problem.split("'")[1]
        # Conversation problems name the turn: "field 'messages' [2].role: unknown role" -> messages[2].role
        rest = problem.split("'", 2)[2]
        if rest.startswith(" [") and ":" in rest:
            return name + rest[1:].split(":", 1)[0]
        return name
    return "data"
