"""Leaderboards of a project's comparison items: Bradley-Terry ratings from its people's pairwise judgments.

A comparison item carries ``payload.responses`` (index 0 = A, 1 = B) and ``meta.comparison.{A,B}.model``;
each submitted annotation of the project's pairwise question is one battle (per annotator, as arena logs
are per vote). ``both_bad`` counts as an arena ``tie (bothbad)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.db.models import Annotation, AnnotatorState, Item, Project
from assay.errors import InvalidInput
from assay.evaluation import (
    Battles,
    BradleyTerry,
    StyleControl,
    category_leaderboard,
    find_contamination,
    leaderboard,
    observed_win_rate,
)
from assay.security.policies import Actor, ItemPolicy, ProjectPolicy
from assay.services import audit
from assay.services.projects import schema_of

WINNERS = {"A": "model_a", "B": "model_b", "tie": "tie", "both_bad": "tie (bothbad)"}
CSV_COLUMNS = ["category", "rank", "model", "rating", "ci_low", "ci_high", "n_battles", "win_rate"]
MAX_PROMPTS = 10_000
EXCLUDED_STANDINGS = ("paused", "failed")


@dataclass(frozen=True, slots=True)
class Judgment:
    """One person's pairwise judgment of one comparison item."""

    item_id: int
    user_id: int
    prompt: str
    response_a: str
    response_b: str
    model_a: str
    model_b: str
    choice: str  # A | B | tie | both_bad
    category: str | None


def pairwise_question(*, session: Session, project: Project, question: str | None = None) -> str:
    """The name of the project's pairwise question (the one named, else the first); InvalidInput if none."""
    names = [q.name for q in schema_of(session=session, project=project).questions if q.kind == "pairwise"]
    if question is not None:
        if question not in names:
            raise InvalidInput(
                f"'{question}' is not a pairwise question of this project",
                details=[{"loc": ["question"], "msg": f"pairwise questions: {names}"}],
            )
        return question
    if not names:
        raise InvalidInput(
            "this project has no pairwise question", details=[{"loc": ["question"], "msg": "none"}]
        )
    return names[0]


def model_name(side: Any) -> str | None:
    """``model`` or ``model@version`` from a comparison side in item meta, or None when absent."""
    if not isinstance(side, dict) or not isinstance(side.get("model"), str) or not side["model"]:
        return None
    version = side.get("version")
    return f"{side['model']}@{version}" if version not in (None, "") else side["model"]


def prompt_text(payload: dict[str, Any]) -> str:
    """The prompt of a comparison item: its user turns (or ``prompt``/``text``), joined by blank lines."""
    messages = payload.get("messages")
    if isinstance(messages, list):
        turns = [
            m["content"]
            for m in messages
            if isinstance(m, dict) and m.get("role") == "user" and isinstance(m.get("content"), str)
        ]
        if turns:
            return "\n\n".join(turns)
    for key in ("prompt", "text"):
        if isinstance(payload.get(key), str):
            return payload[key]
    return ""


def _response(payload: dict[str, Any], index: int) -> str | None:
    responses = payload.get("responses")
    if not isinstance(responses, list) or len(responses) <= index:
        return None
    entry = responses[index]
    if isinstance(entry, dict) and isinstance(entry.get("content"), str):
        return entry["content"]
    return entry if isinstance(entry, str) else None


def excluded_annotators(*, session: Session, project: Project) -> set[int]:
    """People whose judgments the quality controls set aside: paused (gold score fell, or by a manager) or
    failed qualification in this project."""
    return set(
        session.scalars(
            select(AnnotatorState.user_id).where(
                AnnotatorState.project_id == project.id, AnnotatorState.status.in_(EXCLUDED_STANDINGS)
            )
        )
    )


def iter_judgments(*, session: Session, project: Project, question: str) -> Iterator[Judgment]:
    """Every usable judgment: a valid choice on an item with two responses from two named models."""
    excluded = excluded_annotators(session=session, project=project)
    rows = session.execute(
        select(Annotation.item_id, Annotation.user_id, Annotation.value, Item.payload, Item.meta)
        .join(Item, Item.id == Annotation.item_id)
        .where(Annotation.project_id == project.id)
        .order_by(Annotation.id)
    )
    for item_id, user_id, value, payload, meta in rows:
        if user_id in excluded or not isinstance(value, dict):
            continue
        answer = value.get(question)
        choice = answer.get("choice") if isinstance(answer, dict) else answer
        if choice not in WINNERS:
            continue
        sides = (meta or {}).get("comparison") or {}
        model_a, model_b = model_name(sides.get("A")), model_name(sides.get("B"))
        response_a, response_b = _response(payload, 0), _response(payload, 1)
        if None in (model_a, model_b, response_a, response_b) or model_a == model_b:
            continue
        category = (meta or {}).get("category")
        yield Judgment(
            item_id, user_id, prompt_text(payload), response_a, response_b, model_a, model_b,  # type: ignore[arg-type]
            choice, category if isinstance(category, str) and category else None,
        )  # fmt: skip


def project_battles(*, session: Session, project: Project, question: str | None = None) -> Battles:
    """The project's judgments as ``Battles`` with categories and answer length (characters) as style."""
    name = pairwise_question(session=session, project=project, question=question)
    logs = [
        {
            "model_a": j.model_a,
            "model_b": j.model_b,
            "winner": WINNERS[j.choice],
            "category": [j.category] if j.category else [],
            "length_a": len(j.response_a),
            "length_b": len(j.response_b),
        }
        for j in iter_judgments(session=session, project=project, question=name)
    ]
    if not logs:
        raise InvalidInput(
            "no pairwise judgments of comparison items yet", details=[{"loc": ["judgments"], "msg": "none"}]
        )
    return Battles.from_arena(logs, category="category", style={"length": ("length_a", "length_b")})


def _finite(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _finite(v) for k, v in row.items()} for row in table.to_dict("records")]


def project_leaderboard(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    question: str | None = None,
    style: bool = False,
    method: str = "newton",
    n_bootstrap: int = 100,
    seed: int = 0,
) -> dict[str, Any]:
    """Ratings with bootstrap 95% intervals, win-rate matrix and per-category tables of the project."""
    ProjectPolicy.monitor(actor)
    battles = project_battles(session=session, project=project, question=question)
    template = StyleControl(["length"]) if style else BradleyTerry(method)
    overall = leaderboard(battles, template, n_bootstrap=n_bootstrap, seed=seed)
    categories = (
        category_leaderboard(battles, template, overall=False, n_bootstrap=n_bootstrap, seed=seed)
        if battles.categories
        else pd.DataFrame(columns=CSV_COLUMNS)
    )
    wins = observed_win_rate(battles).loc[overall.model, overall.model]
    result: dict[str, Any] = {
        "project_id": project.id,
        "method": "style_control" if style else method,
        "n_battles": len(battles),
        "n_bootstrap": n_bootstrap,
        "confidence": 0.95,
        "models": _records(overall),
        "win_rates": {
            "models": list(wins.index),
            "matrix": [[_finite(v) for v in row] for row in wins.to_numpy()],
        },
        "categories": {
            name: _records(group.drop(columns="category"))
            for name, group in categories.groupby("category", sort=True)
        },
    }
    if style:
        fitted = StyleControl(["length"]).fit(battles)
        result["style_coef"] = {k: float(v) for k, v in fitted.style_coef_.items()}
    return result


def leaderboard_csv(board: dict[str, Any]) -> str:
    """The overall and per-category tables as one CSV with a leading ``category`` column."""
    rows = [{"category": "overall", **row} for row in board["models"]]
    for name, table in board["categories"].items():
        rows += [{"category": name, **row} for row in table]
    return pd.DataFrame(rows, columns=CSV_COLUMNS).to_csv(index=False, lineterminator="\n")


def _training_texts(session: Session, project: Project) -> tuple[list[str], list[int]]:
    texts, ids = [], []
    for item_id, payload in session.execute(
        select(Item.id, Item.payload).where(Item.project_id == project.id).order_by(Item.id)
    ):
        parts = [prompt_text(payload)]
        parts += [m.get("content", "") for m in payload.get("messages", []) or [] if isinstance(m, dict)]
        parts += [_response(payload, i) or "" for i in range(len(payload.get("responses", []) or []))]
        parts += [v for k, v in payload.items() if isinstance(v, str) and k not in ("prompt", "text")]
        for text in dict.fromkeys(p for p in parts if isinstance(p, str) and p.strip()):
            texts.append(text)
            ids.append(item_id)
    return texts, ids


def check_contamination(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    prompts: list[str] | None = None,
    prompt_project: Project | None = None,
    threshold: float = 0.8,
) -> dict[str, Any]:
    """Prompts (given, or another project's) found exactly or nearly in this project's exportable texts."""
    ItemPolicy.export(actor)
    if prompt_project is not None:
        prompts = [prompt_text(p) for p in session.scalars(
            select(Item.payload).where(Item.project_id == prompt_project.id).order_by(Item.id)
        )]  # fmt: skip
    prompts = [p for p in prompts or [] if p.strip()]
    if not prompts:
        raise InvalidInput("no prompts to check", details=[{"loc": ["prompts"], "msg": "empty"}])
    if len(prompts) > MAX_PROMPTS:
        raise InvalidInput(f"at most {MAX_PROMPTS} prompts per check", details=[{"loc": ["prompts"]}])
    texts, ids = _training_texts(session, project)
    found = find_contamination(prompts, texts, threshold=threshold) if texts else None
    matches = [
        {
            "prompt_index": int(row.prompt),
            "prompt": prompts[int(row.prompt)],
            "item_id": ids[int(row.text)],
            "text": texts[int(row.text)][:500],
            "match": row.match,
            "jaccard": float(row.jaccard),
            "containment": float(row.containment),
        }
        for row in (found.itertuples() if found is not None else [])
    ]
    audit.record(
        session,
        actor=actor,
        action="project.contamination_check",
        object_type="project",
        object_id=project.id,
        details={
            "prompts": len(prompts),
            "matches": len(matches),
            "prompt_project": getattr(prompt_project, "id", None),
        },
    )
    session.commit()
    contaminated = sorted({m["prompt_index"] for m in matches})
    return {
        "n_prompts": len(prompts),
        "n_texts": len(texts),
        "threshold": threshold,
        "contaminated": len(contaminated),
        "contaminated_share": len(contaminated) / len(prompts),
        "matches": matches,
    }
