"""Comparison items: two models' responses to one prompt, shown blind as A and B.

Contract (relied on by leaderboards and reward models):

* payload ``{"messages": [...prompt turns...], "responses": [{"content": a}, {"content": b}]}``, index 0
  shown as A and 1 as B, the order drawn at random per pair;
* meta ``{"comparison": {"A": {"model", "version", "response_id"}, "B": {...}}, "category": str | None}``,
  ``category`` copied from the prompt item's meta.

Annotators receive the payload only (the task endpoint never sends meta), so they never learn which model
wrote what. The annotation is a ``pairwise`` answer (``{"choice": "A"|"B"|"tie"|"both_bad", ...}``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.db.models import Item, ModelResponse, Project
from assay.errors import InvalidInput
from assay.formats import Record
from assay.schema.llm import prompt_turns
from assay.security.policies import Actor, ResponsePolicy
from assay.services.items import ImportReport, import_records

BATCH = 500


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model and optionally one version; without a version, the newest response of the model counts."""

    model: str
    version: str | None = None

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        """``"name"`` or ``"name@version"``."""
        model, sep, version = text.rpartition("@") if "@" in text else (text, "", "")
        if not model.strip():
            raise InvalidInput(
                f"model {text!r} has no name", details=[{"loc": ["models"], "msg": "empty model name"}]
            )
        return cls(model, version if sep else None)


def make_comparisons(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    models: Sequence[str | ModelRef],
    source_project: Project | None = None,
    pairs_per_prompt: int | None = 1,
    all_pairs: bool = False,
    seed: int = 0,
) -> ImportReport:
    """Create comparison items in ``project`` from ok responses of ``models`` to ``source_project``'s items.

    Per prompt with responses from at least two of the models: every pair of them (``all_pairs``) or
    ``pairs_per_prompt`` distinct pairs drawn at random; A/B order is random. The same ``seed`` gives the
    same items; running again adds nothing new (items are de-duplicated by content).
    """
    ResponsePolicy.manage(actor)
    refs = [m if isinstance(m, ModelRef) else ModelRef.parse(m) for m in models]
    if len({(r.model, r.version) for r in refs}) < 2:
        raise InvalidInput(
            "name at least two different models", details=[{"loc": ["models"], "msg": "too few"}]
        )
    if not all_pairs and (pairs_per_prompt is None or pairs_per_prompt < 1):
        raise InvalidInput("pairs_per_prompt must be at least 1, or set all_pairs")
    source = source_project or project
    rng = random.Random(seed)
    records = _records(session, source.id, refs, rng, None if all_pairs else pairs_per_prompt)
    return import_records(session=session, actor=actor, project=project, records=records, source="comparison")


def _records(
    session: Session, source_id: int, refs: list[ModelRef], rng: random.Random, per_prompt: int | None
) -> Iterator[Record]:
    line = 0
    after = 0
    names = {r.model for r in refs}
    while True:
        items = list(
            session.scalars(
                select(Item)
                .where(Item.project_id == source_id, Item.id > after)
                .order_by(Item.id)
                .limit(BATCH)
            )
        )
        if not items:
            return
        after = items[-1].id
        by_item: dict[int, list[ModelResponse]] = {}
        for response in session.scalars(
            select(ModelResponse)
            .where(
                ModelResponse.item_id.in_([i.id for i in items]),
                ModelResponse.status == "ok",
                ModelResponse.model.in_(names),
            )
            .order_by(ModelResponse.id)
        ):
            by_item.setdefault(response.item_id, []).append(response)
        for item in items:
            chosen = _pick(refs, by_item.get(item.id, []))
            prompt = prompt_turns(item.payload)
            if len(chosen) < 2 or prompt is None:
                continue
            pairs = list(itertools.combinations(chosen, 2))
            if per_prompt is not None and per_prompt < len(pairs):
                pairs = rng.sample(pairs, per_prompt)
            for first, second in pairs:
                a, b = (first, second) if rng.random() < 0.5 else (second, first)
                line += 1
                yield Record(line=line, data=_row(prompt, a, b, item.meta or {}))


def _pick(refs: list[ModelRef], responses: list[ModelResponse]) -> list[ModelResponse]:
    """One response per named model (the newest matching one), in the order the models were named."""
    out: list[ModelResponse] = []
    for ref in refs:
        matching = [
            r
            for r in responses
            if r.model == ref.model and (ref.version is None or r.model_version == ref.version)
        ]
        if matching and all(r.id != matching[-1].id for r in out):
            out.append(matching[-1])
    return out


def _row(
    prompt: list[dict[str, Any]], a: ModelResponse, b: ModelResponse, meta: dict[str, Any]
) -> dict[str, Any]:
    category = meta.get("category")
    return {
        "data": {"messages": prompt, "responses": [{"content": a.content}, {"content": b.content}]},
        "meta": {
            "comparison": {
                side: {"model": r.model, "version": r.model_version, "response_id": r.id}
                for side, r in (("A", a), ("B", b))
            },
            "category": category if isinstance(category, str) else None,
        },
    }
