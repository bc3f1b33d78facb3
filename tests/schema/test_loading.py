"""load_schema: JSON, YAML and dict input; structural problems come back located and in plain words."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assay.schema import (
    DEFAULT_TEXT_SCHEMA,
    QUESTION_KINDS,
    LabelSchema,
    MultiChoice,
    Pairwise,
    Ranking,
    Rating,
    Relations,
    SingleChoice,
    Spans,
    load_schema,
)


def minimal(*questions: dict[str, Any], inputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"inputs": inputs or [{"name": "text", "type": "text"}], "questions": list(questions)}


def choice(name: str = "sentiment", **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "single_choice", "options": ["positive", "negative"], **extra}


def test_yaml_builds_one_model_per_kind(schema: LabelSchema) -> None:
    kinds = [type(question) for question in schema.questions]
    assert kinds[:4] == [SingleChoice, MultiChoice, Spans, Relations]
    assert isinstance(schema.question("order"), Ranking)
    assert isinstance(schema.question("preference"), Pairwise)
    assert schema.question("quality") == Rating(name="quality", min=1, max=5)
    assert [field.name for field in schema.inputs] == ["text"]


def test_json_text_bytes_and_dict_load_the_same(schema: LabelSchema) -> None:
    data = schema.to_dict()
    assert load_schema(json.dumps(data)) == schema
    assert load_schema(json.dumps(data).encode()) == schema
    assert load_schema(data) == schema
    assert load_schema(schema) is schema


def test_to_dict_round_trips_and_is_plain_json(schema: LabelSchema) -> None:
    data = schema.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert load_schema(data).to_dict() == data
    assert data["questions"][0]["options"][0] == {"value": "positive", "label": "positive", "hotkey": "1"}


def test_default_text_schema() -> None:
    assert LabelSchema.default_for_text() is DEFAULT_TEXT_SCHEMA
    assert [q.kind for q in DEFAULT_TEXT_SCHEMA.questions] == ["single_choice", "spans"]
    assert load_schema(DEFAULT_TEXT_SCHEMA.to_dict()) == DEFAULT_TEXT_SCHEMA
    text = "Ada met Bob."
    value = {"sentiment": "neutral", "entities": [{"start": 0, "end": 3, "label": "PER"}]}
    assert DEFAULT_TEXT_SCHEMA.validate_value(value, payload={"text": text})["entities"][0]["text"] == "Ada"


def test_unknown_kind_names_question_and_lists_kinds(problems: Any) -> None:
    data = minimal(choice(), {"name": "box", "kind": "bbox"})
    [detail] = problems(lambda: load_schema(data))
    assert detail["loc"] == ["questions", 1, "kind"]
    assert "'box'" in detail["msg"] and "'bbox'" in detail["msg"]
    for kind in QUESTION_KINDS:
        assert kind in detail["msg"]


def test_missing_kind(problems: Any) -> None:
    [detail] = problems(lambda: load_schema(minimal({"name": "x", "options": ["a"]})))
    assert detail["loc"] == ["questions", 0, "kind"]
    assert "no kind" in detail["msg"] and "single_choice" in detail["msg"]


def test_field_errors_are_located_without_union_tag_or_urls(problems: Any) -> None:
    data = minimal(choice(), choice("topics", options=[]), choice("extra", requird=True), {"kind": "rating"})
    details = problems(lambda: load_schema(data))
    by_loc = {tuple(detail["loc"]): detail["msg"] for detail in details}
    assert by_loc[("questions", 1, "options")] == "question 'topics': must list at least one option"
    assert by_loc[("questions", 2, "requird")] == "question 'extra': unknown field 'requird'"
    assert by_loc[("questions", 3, "name")] == "this field is required"
    assert all("pydantic" not in detail["msg"] and "http" not in detail["msg"] for detail in details)


@pytest.mark.parametrize(
    ("question", "loc", "words"),
    [
        (choice(options=["a", "a"]), ["questions", 0, "options"], "duplicate option 'a'"),
        (choice(options=[{"value": ""}]), ["questions", 0, "options", 0, "value"], "must not be empty"),
        (choice(options=[True, "b"]), ["questions", 0, "options"], "quote it"),
        (
            choice(options=[{"value": "a", "hotkey": "x"}, {"value": "b", "hotkey": "x"}]),
            ["questions", 0, "options"],
            "hotkey 'x' is used twice",
        ),
        (choice(name="2fast"), ["questions", 0, "name"], "not a valid name"),
        (choice(name="has space"), ["questions", 0, "name"], "not a valid name"),
        (
            {"name": "q", "kind": "rating", "min": 5, "max": 1},
            ["questions", 0, "max"],
            "must be greater than min",
        ),
        ({"name": "q", "kind": "rating", "step": 0}, ["questions", 0, "step"], "greater than 0"),
        (
            {"name": "q", "kind": "multi_choice", "options": ["a", "b"], "max_selected": 3},
            ["questions", 0, "max_selected"],
            "only 2 options",
        ),
        (
            {
                "name": "q",
                "kind": "multi_choice",
                "options": ["a", "b"],
                "min_selected": 2,
                "max_selected": 1,
            },
            ["questions", 0, "max_selected"],
            "less than min_selected",
        ),
        (
            {"name": "q", "kind": "pairwise", "allow_tie": "maybe"},
            ["questions", 0, "allow_tie"],
            "true or false",
        ),
    ],
)
def test_question_structure_problems(
    problems: Any, question: dict[str, Any], loc: list[Any], words: str
) -> None:
    details = problems(lambda: load_schema(minimal(question)))
    assert [detail["loc"] for detail in details] == [loc]
    assert words in details[0]["msg"]


def test_duplicate_question_names(problems: Any) -> None:
    details = problems(lambda: load_schema(minimal(choice(), choice())))
    assert details == [{"loc": ["questions", 1, "name"], "msg": "duplicate question name 'sentiment'"}]


def test_duplicate_input_names_and_unknown_input_type(problems: Any) -> None:
    inputs = [{"name": "text", "type": "text"}, {"name": "text", "type": "text"}]
    assert problems(lambda: load_schema(minimal(choice(), inputs=inputs)))[0]["loc"] == ["inputs", 1, "name"]
    details = problems(lambda: load_schema(minimal(choice(), inputs=[{"name": "audio", "type": "wav"}])))
    assert details[0]["loc"] == ["inputs", 0, "type"]
    assert "input 'audio'" in details[0]["msg"] and "unknown input type 'wav'" in details[0]["msg"]


def test_at_least_one_question_and_input(problems: Any) -> None:
    details = problems(lambda: load_schema({"inputs": [], "questions": []}))
    assert {tuple(d["loc"]): d["msg"] for d in details} == {
        ("inputs",): "a schema needs at least one input",
        ("questions",): "a schema needs at least one question",
    }


def test_spans_source_must_be_a_text_input(problems: Any) -> None:
    inputs = [{"name": "text", "type": "text"}, {"name": "photo", "type": "image"}]
    for source in ("photo", "body"):
        question = {"name": "ents", "kind": "spans", "source": source, "labels": ["PER"]}
        [detail] = problems(lambda question=question: load_schema(minimal(question, inputs=inputs)))
        assert detail["loc"] == ["questions", 0, "source"]
        assert detail["msg"] == f"question 'ents': '{source}' is not a text input; text inputs: text"


def test_relations_must_refer_to_a_spans_question(problems: Any) -> None:
    data = minimal(choice(), {"name": "links", "kind": "relations", "spans": "sentiment", "labels": ["r"]})
    [detail] = problems(lambda: load_schema(data))
    assert detail["loc"] == ["questions", 1, "spans"]
    assert "'sentiment' is not a spans question; spans questions: none declared" in detail["msg"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "invalid JSON at line 1"),
        ("inputs: [\n  questions", "invalid YAML at line"),
        ("- just\n- a list", "must be a mapping"),
        (b"\xff\xfe", "not UTF-8"),
        ("", "must be a mapping"),
    ],
)
def test_unreadable_text(problems: Any, text: str | bytes, words: str) -> None:
    [detail] = problems(lambda: load_schema(text))
    assert detail["loc"] == [] and words in detail["msg"]


def test_error_message_summarises_problems() -> None:
    from assay.errors import SchemaError

    with pytest.raises(SchemaError) as caught:
        load_schema(minimal(choice(options=[]), choice("b", options=[])))
    assert caught.value.message.startswith("invalid label schema: question 'sentiment': must list")
    assert caught.value.message.endswith("(and 1 more)")


def test_to_dict_reads_like_a_hand_written_schema() -> None:
    schema = load_schema(minimal({"name": "q", "kind": "rating", "min": 0, "max": 2}))
    [question] = schema.to_dict()["questions"]
    assert list(question)[:2] == ["name", "kind"]
    assert question["min"] == 0 and isinstance(question["min"], int)


def test_bad_number_gives_one_problem(problems: Any) -> None:
    details = problems(lambda: load_schema(minimal({"name": "q", "kind": "rating", "min": "low"})))
    assert details == [{"loc": ["questions", 0, "min"], "msg": "question 'q': must be a number"}]


def test_span_label_colour_is_kept() -> None:
    question = {
        "name": "ents",
        "kind": "spans",
        "source": "text",
        "labels": [{"value": "PER", "color": "#f80"}],
    }
    schema = load_schema(minimal(question))
    assert schema.question("ents").labels[0].color == "#f80"
    assert load_schema(schema.to_dict()) == schema


def test_kinds_come_from_the_question_classes() -> None:
    from assay.schema import QUESTION_TYPES

    assert tuple(cls.model_fields["kind"].default for cls in QUESTION_TYPES) == QUESTION_KINDS
    assert len(set(QUESTION_KINDS)) == len(QUESTION_KINDS)
