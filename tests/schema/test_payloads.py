"""validate_payload: the problems bulk import reports for a bad row."""

from __future__ import annotations

import pytest

from assay.schema import load_schema

SCHEMA = load_schema(
    """
inputs:
  - {name: text, type: text}
  - {name: source, type: url, required: false}
  - {name: photo, type: image, required: false}
  - {name: chat, type: conversation, required: false}
  - {name: meta, type: json, required: false}
questions:
  - {name: ok, kind: pairwise}
"""
)


def test_valid_payload_has_no_problems() -> None:
    payload = {
        "text": "hi",
        "source": "https://example.org/a",
        "photo": "/media/cat.png",
        "chat": [{"role": "user", "content": "hi"}],
        "meta": {"any": ["thing"]},
        "extra": "fields are allowed",
    }
    assert SCHEMA.validate_payload(payload) == []
    assert (
        SCHEMA.validate_payload({"text": "", "photo": "data:image/png;base64,AAAA", "source": "s3://b/k"})
        == []
    )


@pytest.mark.parametrize(
    ("payload", "problems"),
    [
        ({}, ["missing field 'text'"]),
        ({"text": None}, ["missing field 'text'"]),
        ({"text": 3}, ["field 'text' must be a string"]),
        (
            {"text": "x", "source": "not a url"},
            ["field 'source' must be a URL (https://..., s3://..., data:...) or an absolute path"],
        ),
        ({"text": "x", "photo": 5}, ["field 'photo' must be a string"]),
        (
            {"text": "x", "chat": "hello"},
            ["field 'chat' must be a list of messages with 'role' and 'content'"],
        ),
        (
            {"text": "x", "chat": [{"role": "user"}]},
            ["field 'chat' [0].content: must be a string, got None"],
        ),
        (
            {"chat": {}},
            ["missing field 'text'", "field 'chat' must be a list of messages with 'role' and 'content'"],
        ),
        (["text"], ["payload must be a mapping of field name to value, got ['text']"]),
    ],
)
def test_payload_problems(payload: object, problems: list[str]) -> None:
    assert SCHEMA.validate_payload(payload) == problems  # type: ignore[arg-type]
