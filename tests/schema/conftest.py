"""The example schema from the issue, shared by the schema tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from assay.errors import SchemaError
from assay.schema import LabelSchema, load_schema

EXAMPLE_YAML = """
inputs:
  - {name: text, type: text}
questions:
  - {name: sentiment, kind: single_choice, options: [positive, negative, neutral], required: true}
  - {name: topics, kind: multi_choice, options: [{value: sports, label: Sports, hotkey: "q"}, politics],
     min_selected: 0, max_selected: 2}
  - {name: entities, kind: spans, source: text, labels: [PER, ORG, LOC], allow_overlap: false}
  - {name: links, kind: relations, spans: entities, labels: [works_for, located_in]}
  - {name: comment, kind: free_text, max_length: 2000, required: false}
  - {name: quality, kind: rating, min: 1, max: 5}
  - {name: order, kind: ranking, options: [a, b, c]}
  - {name: preference, kind: pairwise, allow_tie: true}
"""


@pytest.fixture
def schema() -> LabelSchema:
    return load_schema(EXAMPLE_YAML)


@pytest.fixture
def answer() -> dict[str, Any]:
    """A complete valid answer to the example schema."""
    return {
        "sentiment": "positive",
        "topics": ["politics"],
        "quality": 4,
        "order": ["b", "a", "c"],
        "preference": "A",
    }


def _problems(call: Callable[[], Any]) -> list[dict[str, Any]]:
    with pytest.raises(SchemaError) as caught:
        call()
    assert caught.value.details, "a SchemaError must list its problems"
    return caught.value.details


@pytest.fixture
def problems() -> Callable[[Callable[[], Any]], list[dict[str, Any]]]:
    """Run a call that must raise SchemaError and return its details."""
    return _problems
