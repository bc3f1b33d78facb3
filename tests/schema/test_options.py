"""Options: strings become objects, labels default to values, hotkeys default to digits or letters."""

from __future__ import annotations

from assay.schema import LabelSchema, Option, load_schema


def test_choice_hotkeys_default_to_digits_skipping_taken_keys(schema: LabelSchema) -> None:
    sentiment = schema.question("sentiment")
    assert [(o.value, o.label, o.hotkey) for o in sentiment.options] == [
        ("positive", "positive", "1"),
        ("negative", "negative", "2"),
        ("neutral", "neutral", "3"),
    ]
    topics = schema.question("topics")
    assert topics.options == [
        Option(value="sports", label="Sports", hotkey="q"),
        Option(value="politics", label="politics", hotkey="1"),
    ]


def test_explicit_digit_is_skipped_and_tenth_option_gets_none() -> None:
    options = [{"value": "first", "hotkey": "2"}] + [f"o{i}" for i in range(10)]
    schema = load_schema(
        {
            "inputs": [{"name": "t", "type": "text"}],
            "questions": [{"name": "q", "kind": "single_choice", "options": options}],
        }
    )
    keys = [option.hotkey for option in schema.question("q").options]
    assert keys == ["2", "1", "3", "4", "5", "6", "7", "8", "9", None, None]
    assert load_schema(schema.to_dict()) == schema


def test_span_labels_default_to_letters_relation_labels_to_none(schema: LabelSchema) -> None:
    assert [label.hotkey for label in schema.question("entities").labels] == ["a", "b", "c"]
    assert [label.hotkey for label in schema.question("links").labels] == [None, None]


def test_ranking_options_and_numbers_in_yaml() -> None:
    schema = load_schema(
        "inputs: [{name: t, type: text}]\nquestions: [{name: r, kind: ranking, options: [1, 2]}]"
    )
    assert [(o.value, o.hotkey) for o in schema.question("r").options] == [("1", "1"), ("2", "2")]
