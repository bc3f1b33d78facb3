"""Helpers for tests of comparison projects: the schema, comparison items, and people judging them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

COMPARISON_SCHEMA: dict[str, Any] = {
    "inputs": [{"name": "messages", "type": "conversation"}, {"name": "responses", "type": "json"}],
    "questions": [{"name": "preference", "kind": "pairwise", "allow_tie": True}],
}


def comparison(
    prompt: str,
    response_a: str,
    response_b: str,
    model_a: str,
    model_b: str,
    *,
    category: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """An import row for one comparison item, in the contract's payload and meta format."""
    meta: dict[str, Any] = {
        "comparison": {
            "A": {"model": model_a, "version": version, "response_id": f"{model_a}:{prompt}"},
            "B": {"model": model_b, "version": version, "response_id": f"{model_b}:{prompt}"},
        }
    }
    if category:
        meta["category"] = category
    return {
        "data": {
            "messages": [{"role": "user", "content": prompt}],
            "responses": [{"content": response_a}, {"content": response_b}],
        },
        "meta": meta,
    }


def judge_all(client, pid: int, member, decide: Callable[[dict[str, Any]], Any]) -> int:  # type: ignore[no-untyped-def]
    """Let ``member`` judge every item the queue hands them with ``decide(payload) -> value``; returns count."""
    done = 0
    task = client.post(f"/api/v1/projects/{pid}/tasks/next", headers=member.headers).json()["task"]
    while task:
        response = client.post(
            f"/api/v1/projects/{pid}/tasks/{task['lease_id']}/submit",
            json={"value": {"preference": decide(task["item"]["payload"])}, "next": True},
            headers=member.headers,
        )
        assert response.status_code == 200, response.text
        task = response.json()["task"]
        done += 1
    return done


def by_rank(strength: dict[str, int]) -> Callable[[dict[str, Any]], str]:
    """A judge who prefers the response whose text names the stronger model (text: '<model>: ...')."""

    def decide(payload: dict[str, Any]) -> str:
        a, b = (r["content"].split(":", 1)[0] for r in payload["responses"])
        return "A" if strength[a] > strength[b] else "B"

    return decide
