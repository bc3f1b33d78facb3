"""Annotation answers in the forms consensus works with, one rule per question kind (pure, no I/O).

Three forms of one answer:

* the **read form** (``read_answer``): what aggregation votes on, checked against the *current* schema.
  Answers that no longer fit (an option, label or criterion since removed, a rating outside the range) are
  left out, or trimmed to the part that still fits; ``None`` means "nothing to count".
* the **stored form** (``stored_form``): the JSON kept in the consensus table and exported, shaped like an
  annotation value of the kind (spans as ``{start, end, label, text}``, a rubric as ``{criterion: score}``).
* a **key** (``stored_key``): a hashable form of a stored value in which equal answers compare equal, used
  to tell whether an annotation agrees with its item's consensus. Text kinds have none: no two people write
  the same sentence, so "disagreeing" with a medoid answer means nothing.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from assay.schema.llm import SEVERITIES

TEXT_KINDS = ("free_text", "demonstration")
Span = tuple[int, int, str]


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else float(number)


def read_answer(question: Any, value: dict[str, Any]) -> Any:
    """One question's answer in an annotation value, in read form; None when absent or unusable."""
    if not isinstance(value, dict):
        return None
    raw = value.get(question.name)
    if raw is None:
        return None
    reader = _READERS.get(question.kind)
    return reader(question, raw, value) if reader is not None else None


def _options(question: Any) -> list[str]:
    return [option.value for option in getattr(question, "options", [])]


def _single(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    return raw if isinstance(raw, str) and raw in _options(question) else None


def _multi(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    if not isinstance(raw, list):
        return None
    allowed = set(_options(question))
    return frozenset(v for v in raw if isinstance(v, str) and v in allowed)


def _rating(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    if not _number(raw) or not question.min - 1e-9 <= raw <= question.max + 1e-9:
        return None
    return _plain(raw)


def _pairwise_choices(question: Any) -> tuple[str, ...]:
    return (
        ("A", "B")
        + (("tie",) if question.allow_tie else ())
        + (("both_bad",) if question.allow_both_bad else ())
    )


def _pairwise(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    choice = raw.get("choice") if isinstance(raw, dict) else raw
    return choice if isinstance(choice, str) and choice in _pairwise_choices(question) else None


def _span_list(question: Any, raw: Any) -> list[tuple[int, int, str, str | None]] | None:
    """Valid spans in annotation order (relations refer to positions); bad ones become None entries."""
    if not isinstance(raw, list):
        return None
    labels = {label.value for label in question.labels}
    out: list[Any] = []
    for span in raw:
        ok = (
            isinstance(span, dict)
            and _int(span.get("start"))
            and _int(span.get("end"))
            and 0 <= span["start"] < span["end"]
            and span.get("label") in labels
        )
        text = span.get("text") if ok and isinstance(span.get("text"), str) else None
        out.append((span["start"], span["end"], span["label"], text) if ok else None)
    return out


def _spans(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    found = _span_list(question, raw)
    if found is None:
        return None
    unique = {span[:3]: span for span in found if span is not None}
    return tuple(sorted(unique.values(), key=lambda s: (s[0], s[1], s[2])))


def _relations(question: Any, raw: Any, value: dict[str, Any]) -> Any:
    if not isinstance(raw, list):
        return None
    labels = {label.value for label in question.labels}
    return frozenset(_resolve(raw, value.get(question.spans), labels))


def _resolve(raw: list[Any], spans_raw: Any, labels: set[str]) -> list[tuple[Span, Span, str]]:
    """Relations as (head span, tail span, label), their ends looked up in the same annotation's spans."""
    if not isinstance(spans_raw, list):
        return []
    spans: list[Span | None] = []
    for span in spans_raw:
        ok = isinstance(span, dict) and _int(span.get("start")) and _int(span.get("end"))
        spans.append((span["start"], span["end"], str(span.get("label"))) if ok else None)
    with_ids = bool(spans_raw) and all(isinstance(s, dict) and "id" in s for s in spans_raw)
    refs: dict[Any, int] = {i: i for i in range(len(spans))}
    if with_ids:
        refs = {s["id"]: i for i, s in enumerate(spans_raw) if isinstance(s["id"], str | int)}
    out = []
    for relation in raw:
        if not isinstance(relation, dict) or relation.get("label") not in labels:
            continue
        ends = []
        for key in ("from", "to"):
            ref = relation.get(key)
            hashable = isinstance(ref, str | int) and not isinstance(ref, bool)
            position = refs.get(ref) if hashable else None
            ends.append(spans[position] if position is not None else None)
        if ends[0] is not None and ends[1] is not None and ends[0] != ends[1]:
            out.append((ends[0], ends[1], relation["label"]))
    return out


def _ranking(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    if not isinstance(raw, list):
        return None
    allowed = _options(question)
    seen: set[str] = set()
    groups: list[tuple[str, ...]] = []
    for entry in raw:
        members = entry if isinstance(entry, list) else [entry]
        group = tuple(m for m in members if isinstance(m, str) and m in allowed and m not in seen)
        seen.update(group)
        if group:
            groups.append(group)
    if not groups:
        return None
    missing = tuple(o for o in allowed if o not in seen)  # options added to the schema since: tied last
    return tuple(groups) + ((missing,) if missing else ())


def _response_ranking(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    if not isinstance(raw, list):
        return None
    seen: list[int] = []
    for entry in raw:
        if _int(entry) and entry >= 0 and entry not in seen:
            seen.append(entry)
    return tuple((i,) for i in seen) or None


def _rubric(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    if not isinstance(raw, dict):
        return None
    scores = {}
    for criterion in question.criteria:
        entry = raw.get(criterion.name)
        score = entry.get("score") if isinstance(entry, dict) else entry
        if _int(score) and question.min <= score <= question.max:
            scores[criterion.name] = score
    return scores or None


def _safety(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    if not isinstance(raw, dict):
        return None
    flags = raw.get("flags") or []
    if not isinstance(flags, list):
        return None
    allowed = {option.value for option in question.categories}
    severity = raw.get("severity")
    return (frozenset(f for f in flags if f in allowed), severity if severity in SEVERITIES else None)


def _free_text(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    return raw if isinstance(raw, str) and raw.strip() else None


def _demonstration(question: Any, raw: Any, _: dict[str, Any]) -> Any:
    if isinstance(raw, str):
        raw = {"content": raw}
    if not isinstance(raw, dict) or not isinstance(raw.get("content"), str) or not raw["content"].strip():
        return None
    edited = raw.get("edited_from")
    return (raw["content"], edited if _int(edited) else None)


_READERS = {
    "single_choice": _single,
    "multi_choice": _multi,
    "rating": _rating,
    "pairwise": _pairwise,
    "spans": _spans,
    "relations": _relations,
    "ranking": _ranking,
    "response_ranking": _response_ranking,
    "rubric": _rubric,
    "safety_flags": _safety,
    "free_text": _free_text,
    "demonstration": _demonstration,
}
CONSENSUS_KINDS: tuple[str, ...] = tuple(_READERS)


def span_json(span: tuple[Any, ...]) -> dict[str, Any]:
    """A span as stored: start, end, label and, when known, its text."""
    out: dict[str, Any] = {"start": span[0], "end": span[1], "label": span[2]}
    if len(span) > 3 and span[3] is not None:
        out["text"] = span[3]
    return out


def stored_form(question: Any, answer: Any) -> Any:
    """A read-form answer as the consensus table stores it (JSON, shaped like an annotation value)."""
    kind = question.kind
    if kind == "multi_choice":
        order = {o: i for i, o in enumerate(_options(question))}
        return sorted(answer, key=lambda o: order.get(o, len(order)))
    if kind == "spans":
        return [span_json(s) for s in answer]
    if kind == "relations":
        return [
            {"from": span_json(head), "to": span_json(tail), "label": label}
            for head, tail, label in sorted(answer, key=str)
        ]
    if kind == "ranking":
        return [list(g) for g in answer] if question.allow_ties else [o for g in answer for o in g]
    if kind == "response_ranking":
        return [i for g in answer for i in g]
    if kind == "safety_flags":
        order = {o.value: i for i, o in enumerate(question.categories)}
        return {"flags": sorted(answer[0], key=order.__getitem__), "severity": answer[1]}
    if kind == "demonstration":
        return {"content": answer[0], "edited_from": answer[1]}
    return answer


def stored_key(question: Any, stored: Any) -> Any:
    """A hashable form of a stored consensus value (or ``stored_form`` output); None for text kinds."""
    kind = question.kind
    if stored is None or kind in TEXT_KINDS:
        return None
    if kind == "multi_choice":
        return frozenset(stored)
    if kind == "spans":
        return frozenset(
            (s.get("start"), s.get("end"), s.get("label")) for s in stored if isinstance(s, dict)
        )
    if kind == "relations":
        return frozenset(
            (_span_key(r.get("from")), _span_key(r.get("to")), r.get("label"))
            for r in stored
            if isinstance(r, dict)
        )
    if kind in ("ranking", "response_ranking"):
        return tuple(tuple(g) if isinstance(g, list) else (g,) for g in stored)
    if kind == "safety_flags" and isinstance(stored, dict):
        return (frozenset(stored.get("flags") or ()), stored.get("severity"))
    if kind == "rating" and _number(stored):
        return float(stored)
    return orjson.dumps(stored, option=orjson.OPT_SORT_KEYS)


def _span_key(span: Any) -> Any:
    return (span.get("start"), span.get("end"), span.get("label")) if isinstance(span, dict) else None


def agrees(question: Any, answer: Any, stored_consensus: Any) -> bool | None:
    """Whether a read-form answer equals the stored consensus; None for text kinds (not comparable)."""
    if question.kind in TEXT_KINDS:
        return None
    mine = stored_key(question, stored_form(question, answer)) if answer is not None else None
    return mine == stored_key(question, stored_consensus)


def vote_key(question: Any, answer: Any, limit: int = 80) -> str:
    """A short text naming a read-form answer, to count equal answers in the disagreements view."""
    kind = question.kind
    if answer is None:
        return "(none)"
    if kind == "multi_choice":
        text = ", ".join(stored_form(question, answer)) or "(none)"
    elif kind == "spans":
        text = ", ".join(f"{label}[{start}:{end}]" for start, end, label, _ in answer) or "(none)"
    elif kind == "relations":
        text = ", ".join(
            f"{h[2]}[{h[0]}:{h[1]}] {lab} {t[2]}[{t[0]}:{t[1]}]" for h, t, lab in sorted(answer, key=str)
        )
        text = text or "(none)"
    elif kind in ("ranking", "response_ranking"):
        text = " > ".join(" = ".join(str(o) for o in group) for group in answer)
    elif kind == "rubric":
        text = ", ".join(f"{name}={score}" for name, score in answer.items())
    elif kind == "safety_flags":
        text = (
            ", ".join(sorted(answer[0])) + (f" ({answer[1]})" if answer[1] else "") if answer[0] else "safe"
        )
    elif kind == "demonstration":
        text = answer[0]
    else:
        text = str(answer)
    return text if len(text) <= limit else text[: limit - 1] + "…"
