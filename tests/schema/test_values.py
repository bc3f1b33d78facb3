"""validate_value for choice, free text, rating, ranking and pairwise questions, and the shared rules."""

from __future__ import annotations

from typing import Any

import pytest

from assay.errors import SchemaError
from assay.schema import LabelSchema, load_schema


def with_answer(answer: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**answer, **changes}


def test_valid_answer_is_normalised(schema: LabelSchema, answer: dict[str, Any]) -> None:
    value = schema.validate_value(
        with_answer(answer, topics=["politics", "sports"], comment="ok", quality=4.0)
    )
    assert value == {
        "sentiment": "positive",
        "topics": ["sports", "politics"],
        "comment": "ok",
        "quality": 4,
        "order": ["b", "a", "c"],
        "preference": {"choice": "A", "strength": None, "rationale": None},
    }
    assert isinstance(value["quality"], int)
    assert schema.validate_value(value) == value


def test_message_names_question_and_problem(
    schema: LabelSchema, answer: dict[str, Any], problems: Any
) -> None:
    [detail] = problems(lambda: schema.validate_value(with_answer(answer, sentiment="postive")))
    assert detail == {
        "loc": ["sentiment"],
        "msg": "sentiment: 'postive' is not one of positive, negative, neutral",
    }


def test_every_problem_is_listed(schema: LabelSchema, problems: Any) -> None:
    details = problems(lambda: schema.validate_value({"sentiment": "meh", "bogus": 1, "preference": "C"}))
    locs = [detail["loc"] for detail in details]
    assert ["bogus"] in locs and ["sentiment"] in locs and ["preference", "choice"] in locs
    assert ["topics"] in locs and ["quality"] in locs and ["order"] in locs
    assert all(detail["msg"].startswith(f"{detail['loc'][0]}: ") for detail in details)
    with pytest.raises(SchemaError, match=r"^invalid annotation: .*\(and \d+ more\)$"):
        schema.validate_value({"sentiment": "meh", "bogus": 1})


def test_unknown_question(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    [detail] = problems(lambda: schema.validate_value(with_answer(answer, sentimnt="positive")))
    assert detail["loc"] == ["sentimnt"] and "unknown question" in detail["msg"]


def test_value_must_be_a_mapping(schema: LabelSchema, problems: Any) -> None:
    assert problems(lambda: schema.validate_value(["positive"]))[0]["loc"] == []


def test_required_defaults(schema: LabelSchema, answer: dict[str, Any], problems: Any) -> None:
    required = {q.name for q in schema.questions if q.required}
    assert required == {"sentiment", "topics", "quality", "order", "preference"}
    [detail] = problems(lambda: schema.validate_value(with_answer(answer, sentiment=None)))
    assert detail == {"loc": ["sentiment"], "msg": "sentiment: an answer is required"}
    assert "comment" not in schema.validate_value(with_answer(answer, comment=None))


@pytest.mark.parametrize(
    ("question", "bad", "words"),
    [
        ("sentiment", ["positive"], "is not one of"),
        ("sentiment", 1, "is not one of"),
        ("topics", "sports", "must be a list"),
        ("topics", ["sports", "sports"], "'sports' is selected twice"),
        ("topics", ["golf"], "'golf' is not one of sports, politics"),
        ("comment", 5, "must be text"),
        ("comment", "x" * 2001, "2001 characters long; the limit is 2000"),
        ("quality", 6, "6 is outside 1..5"),
        ("quality", 0, "0 is outside 1..5"),
        ("quality", 3.5, "must be a whole number"),
        ("quality", True, "must be a number"),
        ("quality", "4", "must be a number"),
        ("order", ["a", "b"], "missing c"),
        ("order", ["a", "b", "c", "a"], "'a' is ranked twice"),
        ("order", ["a", ["b", "c"]], "ties are not allowed"),
        ("order", ["a", "b", "z"], "'z' is not one of a, b, c"),
        ("order", "abc", "must be a list"),
        ("preference", "C", "'C' is not one of A, B, tie"),
        ("preference", 1, "must be 'A', 'B'"),
        ("preference", {"choice": "A", "strength": 4}, "strength must be 1, 2 or 3"),
        ("preference", {"choice": "tie", "strength": 2}, "only applies when A or B"),
        ("preference", {"choice": "A", "rationale": 3}, "rationale must be text"),
        ("preference", {"strength": 1}, "a choice is required"),
        ("preference", {"choice": "A", "why": "x"}, "unknown field 'why'"),
    ],
)
def test_invalid_answers(
    schema: LabelSchema, answer: dict[str, Any], problems: Any, question: str, bad: Any, words: str
) -> None:
    details = problems(lambda: schema.validate_value(with_answer(answer, **{question: bad})))
    assert all(detail["loc"][0] == question for detail in details)
    assert any(words in detail["msg"] and detail["msg"].startswith(f"{question}: ") for detail in details), (
        details
    )


def test_multi_choice_bounds(problems: Any) -> None:
    schema = load_schema(
        {
            "inputs": [{"name": "t", "type": "text"}],
            "questions": [
                {
                    "name": "q",
                    "kind": "multi_choice",
                    "options": ["a", "b", "c"],
                    "min_selected": 1,
                    "max_selected": 2,
                }
            ],
        }
    )
    assert schema.validate_value({"q": ["c", "a"]}) == {"q": ["a", "c"]}
    assert "select at least 1, got 0" in problems(lambda: schema.validate_value({"q": []}))[0]["msg"]
    assert (
        "select at most 2, got 3" in problems(lambda: schema.validate_value({"q": ["a", "b", "c"]}))[0]["msg"]
    )


def test_free_text_required_must_not_be_blank(problems: Any) -> None:
    schema = load_schema(
        {
            "inputs": [{"name": "t", "type": "text"}],
            "questions": [{"name": "why", "kind": "free_text", "required": True}],
        }
    )
    assert schema.validate_value({"why": "because"}) == {"why": "because"}
    assert problems(lambda: schema.validate_value({"why": "  "}))[0]["msg"] == "why: an answer is required"


def test_rating_with_fractional_step(problems: Any) -> None:
    schema = load_schema(
        {
            "inputs": [{"name": "t", "type": "text"}],
            "questions": [{"name": "r", "kind": "rating", "min": 0, "max": 1, "step": 0.25}],
        }
    )
    assert schema.validate_value({"r": 0.75}) == {"r": 0.75}
    assert schema.validate_value({"r": 1}) == {"r": 1}
    assert "not on the grid" in problems(lambda: schema.validate_value({"r": 0.3}))[0]["msg"]


def test_ranking_with_ties(problems: Any) -> None:
    schema = load_schema(
        {
            "inputs": [{"name": "t", "type": "text"}],
            "questions": [{"name": "r", "kind": "ranking", "options": ["a", "b", "c"], "allow_ties": True}],
        }
    )
    assert schema.validate_value({"r": ["b", ["a", "c"]]}) == {"r": [["b"], ["a", "c"]]}
    assert (
        "must not be empty" in problems(lambda: schema.validate_value({"r": [[], "a", "b", "c"]}))[0]["msg"]
    )


def test_pairwise_forms(schema: LabelSchema, answer: dict[str, Any]) -> None:
    full = {"choice": "b", "strength": 3, "rationale": "clearer"}
    value = schema.validate_value(with_answer(answer, preference=full))
    assert value["preference"] == {"choice": "B", "strength": 3, "rationale": "clearer"}
    assert schema.validate_value(with_answer(answer, preference="TIE"))["preference"]["choice"] == "tie"


def test_pairwise_tie_needs_allow_tie(problems: Any) -> None:
    schema = load_schema(
        {"inputs": [{"name": "t", "type": "text"}], "questions": [{"name": "p", "kind": "pairwise"}]}
    )
    [detail] = problems(lambda: schema.validate_value({"p": "tie"}))
    assert detail["loc"] == ["p", "choice"] and "ties are not allowed" in detail["msg"]
