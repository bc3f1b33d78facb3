"""Schemas and rows shared by the LLM-data tests (chat prompts, comparisons, feedback tasks)."""

from __future__ import annotations

from typing import Any

CHAT_SCHEMA: dict[str, Any] = {
    "inputs": [
        {"name": "messages", "type": "conversation"},
        {"name": "responses", "type": "responses", "required": False},
    ],
    "questions": [{"name": "ideal", "kind": "demonstration"}],
}
COMPARISON_SCHEMA: dict[str, Any] = {
    "inputs": [{"name": "messages", "type": "conversation"}, {"name": "responses", "type": "responses"}],
    "questions": [{"name": "preference", "kind": "pairwise", "allow_tie": True, "allow_both_bad": True}],
}
RANKING_SCHEMA: dict[str, Any] = {
    "inputs": [{"name": "messages", "type": "conversation"}, {"name": "responses", "type": "responses"}],
    "questions": [{"name": "order", "kind": "response_ranking"}],
}


def chat(user: str, system: str | None = None, assistant: str | None = None) -> dict[str, Any]:
    """A chat item row: optional system turn, one user turn, optional reference assistant turn."""
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": user}
    ]
    if assistant:
        messages.append({"role": "assistant", "content": assistant})
    return {"messages": messages}
