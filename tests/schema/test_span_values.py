"""validate_value for spans (offsets against the payload, overlap, ids) and relations (references)."""

from __future__ import annotations

from typing import Any

import pytest

from assay.schema import LabelSchema, load_schema

TEXT = "Ada Lovelace worked for Babbage in London."
ADA = {"start": 0, "end": 12, "label": "PER"}
BABBAGE = {"start": 24, "end": 31, "label": "PER"}
LONDON = {"start": 35, "end": 41, "label": "LOC"}
PAYLOAD = {"text": TEXT}


def value(answer: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {**answer, **extra}


def test_spans_get_text_from_payload(schema: LabelSchema, answer: dict[str, Any]) -> None:
    result = schema.validate_value(value(answer, entities=[ADA, LONDON]), payload=PAYLOAD)
    assert result["entities"] == [{**ADA, "text": "Ada Lovelace"}, {**LONDON, "text": "London"}]


def test_spans_without_payload_are_kept_as_given(schema: LabelSchema, answer: dict[str, Any]) -> None:
    spans = [{**ADA, "text": "anything"}, BABBAGE]
    assert schema.validate_value(value(answer, entities=spans))["entities"] == spans


def test_span_order_is_kept(schema: LabelSchema, answer: dict[str, Any]) -> None:
    result = schema.validate_value(value(answer, entities=[LONDON, ADA]), payload=PAYLOAD)
    assert [span["label"] for span in result["entities"]] == ["LOC", "PER"]


@pytest.mark.parametrize(
    ("span", "loc", "words"),
    [
        (
            {"start": 35, "end": 99, "label": "LOC"},
            ["entities", 0, "end"],
            "ends at 99, past the end of 'text' (42",
        ),
        ({"start": 5, "end": 5, "label": "LOC"}, ["entities", 0], "0 <= start < end"),
        ({"start": -1, "end": 3, "label": "LOC"}, ["entities", 0], "0 <= start < end"),
        ({"start": "0", "end": 3, "label": "PER"}, ["entities", 0], "whole-number start and end"),
        (
            {"start": 0, "end": 3, "label": "DATE"},
            ["entities", 0, "label"],
            "'DATE' is not one of PER, ORG, LOC",
        ),
        (
            {"start": 0, "end": 3, "label": "PER", "text": "Bob"},
            ["entities", 0, "text"],
            "'Bob' does not match 'Ada'",
        ),
        (
            {"start": 0, "end": 3, "label": "PER", "score": 1},
            ["entities", 0, "score"],
            "unknown field 'score'",
        ),
        ("0-3", ["entities", 0], "must be a mapping"),
    ],
)
def test_invalid_span(
    schema: LabelSchema, answer: dict[str, Any], problems: Any, span: Any, loc: list[Any], words: str
) -> None:
    [detail] = problems(lambda: schema.validate_value(value(answer, entities=[span]), payload=PAYLOAD))
    assert detail["loc"] == loc
    assert detail["msg"].startswith("entities: span 0") or detail["msg"].startswith("entities: a span")
    assert words in detail["msg"]


def test_spans_must_be_a_list(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    assert (
        "must be a list of spans"
        in problems(lambda: schema.validate_value(value(answer, entities=ADA)))[0]["msg"]
    )


def test_payload_without_source_text(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    [detail] = problems(lambda: schema.validate_value(value(answer, entities=[ADA]), payload={"body": TEXT}))
    assert "no text in 'text'" in detail["msg"]


def test_overlap_rejected_unless_allowed(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    overlapping = [ADA, {"start": 4, "end": 12, "label": "PER"}]
    [detail] = problems(lambda: schema.validate_value(value(answer, entities=overlapping)))
    assert detail == {"loc": ["entities", 1], "msg": "entities: span 1 (4..12) overlaps span 0 (0..12)"}
    touching = [{"start": 0, "end": 3, "label": "PER"}, {"start": 3, "end": 12, "label": "PER"}]
    assert len(schema.validate_value(value(answer, entities=touching))["entities"]) == 2

    data = schema.to_dict()
    data["questions"][2]["allow_overlap"] = True
    lenient = load_schema(data)
    assert len(lenient.validate_value(value(answer, entities=overlapping))["entities"]) == 2
    [detail] = problems(lambda: lenient.validate_value(value(answer, entities=[ADA, ADA])))
    assert "repeats span 0" in detail["msg"]


def test_relations_by_index(schema: LabelSchema, answer: dict[str, Any]) -> None:
    links = [{"from": 0, "to": 1, "label": "works_for"}, {"from": 0, "to": 2, "label": "located_in"}]
    result = schema.validate_value(
        value(answer, entities=[ADA, BABBAGE, LONDON], links=links), payload=PAYLOAD
    )
    assert result["links"] == links


@pytest.mark.parametrize(
    ("link", "loc", "words"),
    [
        ({"from": 0, "to": 5, "label": "works_for"}, ["links", 0, "to"], "to 5 is not a span of 'entities'"),
        ({"from": True, "to": 1, "label": "works_for"}, ["links", 0, "from"], "from True is not a span"),
        ({"from": 1, "to": 1, "label": "works_for"}, ["links", 0], "links span 1 to itself"),
        (
            {"from": 0, "to": 1, "label": "likes"},
            ["links", 0, "label"],
            "'likes' is not one of works_for, located_in",
        ),
        ({"from": [0], "to": 1, "label": "works_for"}, ["links", 0, "from"], "is not a span"),
        (3, ["links", 0], "must be a mapping"),
    ],
)
def test_invalid_relation(
    schema: LabelSchema, answer: dict[str, Any], problems: Any, link: Any, loc: list[Any], words: str
) -> None:
    details = problems(lambda: schema.validate_value(value(answer, entities=[ADA, BABBAGE], links=[link])))
    assert [detail["loc"] for detail in details] == [loc]
    assert details[0]["msg"].startswith("links: ") and words in details[0]["msg"]


def test_relations_without_spans_answer(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    links = [{"from": 0, "to": 1, "label": "works_for"}]
    details = problems(lambda: schema.validate_value(value(answer, links=links)))
    assert [detail["loc"] for detail in details] == [["links", 0, "from"], ["links", 0, "to"]]


def test_relations_skip_reference_checks_when_spans_are_broken(
    schema: LabelSchema, answer: dict[str, Any], problems: Any
) -> None:
    links = [{"from": 0, "to": 1, "label": "works_for"}]
    details = problems(lambda: schema.validate_value(value(answer, entities="oops", links=links)))
    assert [detail["loc"] for detail in details] == [["entities"]]


def test_duplicate_relation(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    link = {"from": 0, "to": 1, "label": "works_for"}
    [detail] = problems(
        lambda: schema.validate_value(value(answer, entities=[ADA, BABBAGE], links=[link, link]))
    )
    assert detail["loc"] == ["links", 1] and "duplicate" in detail["msg"]


def test_relations_by_span_id(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    spans = [{**ADA, "id": "e1"}, {**BABBAGE, "id": "e2"}]
    links = [{"from": "e1", "to": "e2", "label": "works_for"}]
    result = schema.validate_value(value(answer, entities=spans, links=links), payload=PAYLOAD)
    assert result["entities"][0] == {**ADA, "id": "e1", "text": "Ada Lovelace"}
    by_index = [{"from": 0, "to": 1, "label": "works_for"}]
    details = problems(lambda: schema.validate_value(value(answer, entities=spans, links=by_index)))
    assert [detail["loc"] for detail in details] == [["links", 0, "from"], ["links", 0, "to"]]


def test_span_ids_all_or_none_and_unique(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    mixed = [{**ADA, "id": "e1"}, BABBAGE]
    assert (
        "every span has an id or none"
        in problems(lambda: schema.validate_value(value(answer, entities=mixed)))[0]["msg"]
    )
    twice = [{**ADA, "id": "e1"}, {**BABBAGE, "id": "e1"}]
    [detail] = problems(lambda: schema.validate_value(value(answer, entities=twice)))
    assert detail["loc"] == ["entities", 1, "id"] and "used twice" in detail["msg"]


def test_offsets_count_code_points() -> None:
    schema = LabelSchema.default_for_text()
    text = "😀 Ada"
    result = schema.validate_value(
        {"sentiment": "positive", "entities": [{"start": 2, "end": 5, "label": "PER"}]},
        payload={"text": text},
    )
    assert result["entities"][0]["text"] == "Ada"
