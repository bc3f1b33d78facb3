"""The schema the demo project starts with: one text input, a sentiment choice and entity spans."""

from __future__ import annotations

from assay.schema.model import LabelSchema

DEFAULT_TEXT_SCHEMA = LabelSchema.model_validate(
    {
        "inputs": [{"name": "text", "type": "text"}],
        "questions": [
            {
                "name": "sentiment",
                "kind": "single_choice",
                "title": "Sentiment",
                "options": ["positive", "negative", "neutral"],
            },
            {
                "name": "entities",
                "kind": "spans",
                "title": "Entities",
                "source": "text",
                "labels": [
                    {"value": "PER", "label": "Person"},
                    {"value": "ORG", "label": "Organization"},
                    {"value": "LOC", "label": "Location"},
                ],
            },
        ],
        "instructions": "Pick the overall sentiment, then mark the people, organizations and places.",
    }
)
