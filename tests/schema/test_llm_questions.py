"""LLM question kinds: demonstration, pairwise with both_bad, response ranking, rubric, safety flags;
and the conversation rules chat payloads follow."""

from __future__ import annotations

from typing import Any

import pytest

from assay.schema import load_schema
from assay.schema.llm import conversation_problems, prompt_turns

SCHEMA = load_schema(
    {
        "inputs": [{"name": "messages", "type": "conversation"}, {"name": "responses", "type": "responses"}],
        "questions": [
            {"name": "ideal", "kind": "demonstration", "required": False},
            {
                "name": "pref",
                "kind": "pairwise",
                "allow_tie": True,
                "allow_both_bad": True,
                "required": False,
            },
            {"name": "order", "kind": "response_ranking", "required": False},
            {"name": "rubric", "kind": "rubric", "required": False},
            {"name": "safety", "kind": "safety_flags", "required": False},
        ],
    }
)
PAYLOAD = {
    "messages": [{"role": "user", "content": "q"}],
    "responses": [{"content": "a"}, {"content": "b"}, {"content": "c"}],
}


def _problems(value: dict[str, Any], payload: dict[str, Any] | None = PAYLOAD) -> list[dict[str, Any]]:
    from assay.errors import SchemaError

    with pytest.raises(SchemaError) as caught:
        SCHEMA.validate_value(value, payload=payload)
    return caught.value.details


def test_schema_round_trips_with_defaults():
    again = load_schema(SCHEMA.to_dict())
    assert again == SCHEMA
    rubric = SCHEMA.question("rubric")
    assert [c.name for c in rubric.criteria] == ["helpfulness", "honesty", "harmlessness"]
    assert (rubric.min, rubric.max) == (1, 7)
    assert SCHEMA.question("safety").categories[0].hotkey == "1"


def test_demonstration_values():
    assert SCHEMA.validate_value({"ideal": "Better answer"}, payload=PAYLOAD) == {
        "ideal": {"content": "Better answer", "edited_from": None}
    }
    assert SCHEMA.validate_value({"ideal": {"content": "x", "edited_from": 2}}, payload=PAYLOAD)["ideal"] == {
        "content": "x",
        "edited_from": 2,
    }
    assert _problems({"ideal": "   "})[0]["loc"] == ["ideal", "content"]
    assert _problems({"ideal": {"content": "x", "edited_from": 3}})[0]["loc"] == ["ideal", "edited_from"]
    assert _problems({"ideal": {"content": "x", "extra": 1}})[0]["loc"] == ["ideal", "extra"]


def test_pairwise_both_bad_needs_the_option():
    assert SCHEMA.validate_value({"pref": "BOTH_BAD"})["pref"] == {
        "choice": "both_bad",
        "strength": None,
        "rationale": None,
    }
    assert _problems({"pref": {"choice": "both_bad", "strength": 2}})[0]["loc"] == ["pref", "strength"]
    plain = load_schema(
        {"inputs": [{"name": "t", "type": "text"}], "questions": [{"name": "p", "kind": "pairwise"}]}
    )
    from assay.errors import SchemaError

    with pytest.raises(SchemaError, match="both_bad is not allowed"):
        plain.validate_value({"p": "both_bad"})


def test_response_ranking_is_a_permutation_of_the_responses():
    assert SCHEMA.validate_value({"order": [2, 0, 1]}, payload=PAYLOAD) == {"order": [2, 0, 1]}
    assert "missing 1" in _problems({"order": [2, 0]})[0]["msg"]
    assert "ranked twice" in _problems({"order": [0, 0, 1, 2]})[0]["msg"]
    assert "no response 3" in _problems({"order": [3, 0, 1, 2]})[0]["msg"]
    assert _problems({"order": ["a"]})[0]["loc"] == ["order", 0]


def test_rubric_scores_and_comments():
    value = {"helpfulness": 7, "honesty": {"score": 4, "comment": "hedges"}, "harmlessness": {"score": 1}}
    assert SCHEMA.validate_value({"rubric": value})["rubric"] == {
        "helpfulness": {"score": 7, "comment": None},
        "honesty": {"score": 4, "comment": "hedges"},
        "harmlessness": {"score": 1, "comment": None},
    }
    locs = [p["loc"] for p in _problems({"rubric": {"helpfulness": 8, "honesty": True, "style": 3}})]
    assert ["rubric", "style"] in locs and ["rubric", "helpfulness", "score"] in locs
    assert ["rubric", "harmlessness"] in locs


def test_rubric_custom_criteria_must_be_sane():
    from pydantic import ValidationError

    from assay.errors import SchemaError

    custom = load_schema(
        {
            "inputs": [{"name": "t", "type": "text"}],
            "questions": [
                {
                    "name": "r",
                    "kind": "rubric",
                    "criteria": ["clarity", {"name": "depth", "title": "Depth"}],
                    "max": 5,
                }
            ],
        }
    )
    assert custom.validate_value({"r": {"clarity": 5, "depth": 1}})["r"]["depth"]["score"] == 1
    with pytest.raises((SchemaError, ValidationError)):
        load_schema(
            {
                "inputs": [{"name": "t", "type": "text"}],
                "questions": [{"name": "r", "kind": "rubric", "criteria": ["a", "a"]}],
            }
        )


def test_safety_flags():
    value = {"flags": ["jailbreak", "violence", "violence"], "severity": "high", "note": "asks for weapons"}
    assert SCHEMA.validate_value({"safety": value})["safety"] == {
        "flags": ["violence", "jailbreak"],
        "severity": "high",
        "note": "asks for weapons",
    }
    assert SCHEMA.validate_value({"safety": {"flags": []}})["safety"] == {
        "flags": [],
        "severity": None,
        "note": None,
    }
    assert _problems({"safety": {"flags": ["violence"]}})[0]["loc"] == ["safety", "severity"]
    assert _problems({"safety": {"flags": [], "severity": "low"}})[0]["loc"] == ["safety", "severity"]
    assert _problems({"safety": {"flags": ["weather"], "severity": "low"}})[0]["loc"] == [
        "safety",
        "flags",
        0,
    ]


@pytest.mark.parametrize(
    ("messages", "path"),
    [
        ("hi", "messages"),
        ([], "messages"),
        ([{"role": "robot", "content": "x"}], "messages[0].role"),
        ([{"role": "user", "content": ""}], "messages[0].content"),
        ([{"role": "user"}], "messages[0].content"),
        (["text"], "messages[0]"),
        (
            [{"role": "user", "content": "x", "tool_calls": [{"function": {"name": "f"}}]}],
            "messages[0].tool_calls",
        ),
        ([{"role": "assistant", "content": None, "tool_calls": []}], "messages[0].tool_calls"),
        ([{"role": "tool", "content": "{}", "tool_call_id": 5}], "messages[0].tool_call_id"),
    ],
)
def test_conversation_problems_name_the_turn(messages, path):
    assert conversation_problems(messages)[0][0] == path


def test_good_conversations_and_prompt_turns():
    messages = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": {}}}],
        },
        {"role": "tool", "content": "r", "tool_call_id": "1"},
        {"role": "assistant", "content": "final"},
    ]
    assert conversation_problems(messages) == []
    assert (
        prompt_turns({"messages": messages}) == messages[:4]
    )  # the reference answer is not part of the prompt
    assert prompt_turns({"prompt": "p"}) == [{"role": "user", "content": "p"}]
    assert prompt_turns({"other": 1}) is None


def test_demonstration_prefill_setting_survives_a_round_trip():
    schema = load_schema(
        {
            "inputs": [{"name": "messages", "type": "conversation"}],
            "questions": [{"name": "d", "kind": "demonstration", "prefill": False}],
        }
    )
    assert schema.to_dict()["questions"][0]["prefill"] is False
    assert load_schema(schema.to_dict()).question("d").prefill is False
