"""Questions about text: labelled spans, relations between spans, and free text.

Span offsets count Unicode code points of the payload text (Python string indices), ``end`` exclusive.
The browser counts UTF-16 code units, so the workspace converts before sending offsets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from assay.schema._base import Name, QuestionBase, ValueContext, is_int, show
from assay.schema.options import RelationLabels, SpanLabels, values_text

if TYPE_CHECKING:
    from assay.schema.model import LabelSchema

_SPAN_KEYS = {"start", "end", "label", "text", "id"}
_RELATION_KEYS = {"from", "to", "label"}


def _is_ref(value: Any) -> bool:
    """Whether a value can name a span at all: a string or an integer."""
    return isinstance(value, str) or is_int(value)


class Spans(QuestionBase):
    """Label stretches of a text input.

    Value: a list of ``{"start": int, "end": int, "label": str, "text": str, "id"?: str | int}``.
    With a payload, ``text`` is filled in from ``payload[source][start:end]`` (or checked when given).
    Spans keep their order, since relations refer to them by position.
    """

    kind: Literal["spans"] = "spans"
    required: bool = False
    source: Name
    labels: SpanLabels
    allow_overlap: bool = False

    def check_references(self, schema: LabelSchema) -> list[tuple[tuple[str | int, ...], str]]:
        texts = [field.name for field in schema.inputs if field.type == "text"]
        if self.source in texts:
            return []
        known = ", ".join(texts) if texts else "none declared"
        return [(("source",), f"'{self.source}' is not a text input; text inputs: {known}")]

    def _source_text(self, ctx: ValueContext) -> str | None:
        if ctx.payload is None:
            return None
        text = ctx.payload.get(self.source)
        if not isinstance(text, str):
            ctx.problem(self.name, (), f"the payload has no text in '{self.source}' to check spans against")
            return None
        return text

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, list):
            ctx.problem(self.name, (), f"must be a list of spans, got {show(value)}")
            return value
        text = self._source_text(ctx)
        labels = {label.value for label in self.labels}
        spans: list[dict[str, Any]] = []
        for index, span in enumerate(value):
            if not isinstance(span, dict):
                ctx.problem(
                    self.name,
                    (index,),
                    f"a span must be a mapping with start, end and label, got {show(span)}",
                )
                spans.append({})
                continue
            for key in sorted(set(span) - _SPAN_KEYS):
                ctx.problem(self.name, (index, key), f"span {index} has unknown field {show(key)}")
            start, end, label = span.get("start"), span.get("end"), span.get("label")
            normal = {key: span[key] for key in ("start", "end", "label", "text", "id") if key in span}
            spans.append(normal)
            if not isinstance(label, str) or label not in labels:
                ctx.problem(
                    self.name,
                    (index, "label"),
                    f"span {index} label {show(label)} is not one of {values_text(self.labels)}",
                )
            if not (is_int(start) and is_int(end)):
                ctx.problem(
                    self.name,
                    (index,),
                    f"span {index} needs whole-number start and end, got {show(start)}, {show(end)}",
                )
                continue
            if not 0 <= start < end:
                ctx.problem(
                    self.name, (index,), f"span {index} offsets {start}..{end} must satisfy 0 <= start < end"
                )
                continue
            if text is None:
                continue
            if end > len(text):
                ctx.problem(
                    self.name,
                    (index, "end"),
                    f"span {index} ends at {end}, past the end of '{self.source}' ({len(text)} characters)",
                )
                continue
            covered = text[start:end]
            given = span.get("text")
            if given is not None and given != covered:
                ctx.problem(
                    self.name,
                    (index, "text"),
                    f"span {index} text {show(given)} does not match {show(covered)} at {start}..{end}",
                )
            normal["text"] = covered
        self._check_ids(spans, ctx)
        self._check_overlaps(spans, ctx)
        return spans

    def _check_ids(self, spans: list[dict[str, Any]], ctx: ValueContext) -> None:
        with_id = [span for span in spans if "id" in span]
        if with_id and len(with_id) != len(spans):
            ctx.problem(self.name, (), "either every span has an id or none does")
        seen: set[Any] = set()
        for index, span in enumerate(spans):
            if "id" not in span:
                continue
            if not (isinstance(span["id"], str) or is_int(span["id"])):
                ctx.problem(self.name, (index, "id"), f"span {index} id must be a string or integer")
            elif span["id"] in seen:
                ctx.problem(self.name, (index, "id"), f"span id {show(span['id'])} is used twice")
            else:
                seen.add(span["id"])

    def _check_overlaps(self, spans: list[dict[str, Any]], ctx: ValueContext) -> None:
        placed = [
            (index, span)
            for index, span in enumerate(spans)
            if is_int(span.get("start")) and is_int(span.get("end")) and span["start"] < span["end"]
        ]
        for later, (j, b) in enumerate(placed):
            for i, a in placed[:later]:
                same = (a["start"], a["end"], a.get("label")) == (b["start"], b["end"], b.get("label"))
                if same:
                    ctx.problem(self.name, (j,), f"span {j} repeats span {i}")
                elif not self.allow_overlap and a["start"] < b["end"] and b["start"] < a["end"]:
                    ctx.problem(
                        self.name,
                        (j,),
                        f"span {j} ({b['start']}..{b['end']}) overlaps span {i} ({a['start']}..{a['end']})",
                    )


class Relations(QuestionBase):
    """Labelled links between spans of one spans question.

    Value: a list of ``{"from": ref, "to": ref, "label": str}`` where a ref is the index of a span in this
    annotation's answer to ``spans`` or, when those spans carry ``id``, a span id.
    """

    kind: Literal["relations"] = "relations"
    required: bool = False
    spans: Name
    labels: RelationLabels

    def check_references(self, schema: LabelSchema) -> list[tuple[tuple[str | int, ...], str]]:
        span_questions = [question.name for question in schema.questions if isinstance(question, Spans)]
        if self.spans in span_questions:
            return []
        known = ", ".join(span_questions) if span_questions else "none declared"
        return [(("spans",), f"'{self.spans}' is not a spans question; spans questions: {known}")]

    def depends_on(self) -> tuple[str, ...]:
        return (self.spans,)

    def _refs(self, ctx: ValueContext) -> dict[Any, int] | None:
        """Map each valid reference to a span position; None when the spans answer could not be read."""
        if self.spans in ctx.failed:
            return None
        spans = ctx.answers.get(self.spans) or []
        if spans and all("id" in span for span in spans):
            return {span["id"]: index for index, span in enumerate(spans)}
        return {index: index for index in range(len(spans))}

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, list):
            ctx.problem(self.name, (), f"must be a list of relations, got {show(value)}")
            return value
        refs = self._refs(ctx)
        labels = {label.value for label in self.labels}
        seen: set[tuple[Any, Any, Any]] = set()
        relations: list[dict[str, Any]] = []
        for index, relation in enumerate(value):
            if not isinstance(relation, dict):
                ctx.problem(
                    self.name,
                    (index,),
                    f"a relation must be a mapping with from, to and label, got {show(relation)}",
                )
                continue
            for key in sorted(set(relation) - _RELATION_KEYS):
                ctx.problem(self.name, (index, key), f"relation {index} has unknown field {show(key)}")
            source, target, label = relation.get("from"), relation.get("to"), relation.get("label")
            relations.append({"from": source, "to": target, "label": label})
            if not isinstance(label, str) or label not in labels:
                ctx.problem(
                    self.name,
                    (index, "label"),
                    f"relation {index} label {show(label)} is not one of {values_text(self.labels)}",
                )
            for end, ref in (("from", source), ("to", target)):
                if refs is not None and not (_is_ref(ref) and ref in refs):
                    ctx.problem(
                        self.name,
                        (index, end),
                        f"relation {index} {end} {show(ref)} is not a span of '{self.spans}'",
                    )
            if _is_ref(source) and _is_ref(target) and source == target:
                ctx.problem(self.name, (index,), f"relation {index} links span {show(source)} to itself")
            key = (source, target, label)
            if not all(_is_ref(part) for part in key):
                continue
            if key in seen:
                ctx.problem(self.name, (index,), f"relation {index} is a duplicate")
            seen.add(key)
        return relations


class FreeText(QuestionBase):
    """Write text. Value: a string; when required it must not be blank."""

    kind: Literal["free_text"] = "free_text"
    required: bool = False
    max_length: int | None = Field(default=None, ge=1)

    def check_value(self, value: Any, ctx: ValueContext) -> Any:
        if not isinstance(value, str):
            ctx.problem(self.name, (), f"must be text, got {show(value)}")
        elif self.required and not value.strip():
            ctx.problem(self.name, (), "an answer is required")
        elif self.max_length is not None and len(value) > self.max_length:
            ctx.problem(self.name, (), f"is {len(value)} characters long; the limit is {self.max_length}")
        return value
