"""Gold answers: checking them against the schema, setting and clearing them, and scoring answers on them.

Gold lives in its own table (``item_gold``), never on the item row, so no endpoint that serialises items can
show it by accident. A gold item is kept out of the regular pool (``complete`` is true while it is gold): the
queue hands gold out through its own path, once per person, and gold never counts toward overlap.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from assay.db.models import Item, ItemGold, Project, utcnow
from assay.errors import NotFound, SchemaError
from assay.schema import LabelSchema
from assay.security.policies import Actor, QualityPolicy
from assay.services import audit

CHUNK = 500
_relaxed: dict[int, LabelSchema] = {}


def _all_optional(schema: LabelSchema) -> LabelSchema:
    """The schema with every question optional: a gold answer may cover only some questions."""
    cached = _relaxed.get(id(schema))
    if cached is None:
        questions = [question.model_copy(update={"required": False}) for question in schema.questions]
        cached = schema.model_copy(update={"questions": questions})
        if len(_relaxed) > 1024:
            _relaxed.clear()
        _relaxed[id(schema)] = cached
    return cached


def check_gold(
    schema: LabelSchema, value: Any, payload: dict[str, Any] | None = None
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """A gold answer in normal form, or the problems that make it break the schema (``loc`` starts "gold")."""
    if isinstance(value, str | bytes):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError:
            return None, [{"loc": ["gold"], "msg": "gold must be an object of answers by question name"}]
    if not isinstance(value, dict) or not value:
        return None, [{"loc": ["gold"], "msg": "gold must be a non-empty object of answers by question name"}]
    try:
        normal = _all_optional(schema).validate_value(value, payload=payload)
    except SchemaError as error:
        return None, [{"loc": ["gold", *p["loc"]], "msg": f"gold {p['msg']}"} for p in error.details]
    if not normal:
        return None, [{"loc": ["gold"], "msg": "gold answers no question"}]
    return normal, []


def comparable(kind: str, answer: Any) -> Any:
    """A hashable form of one answer in which equal answers compare equal."""
    if answer is None:
        return None
    if kind == "spans":
        return frozenset((s.get("start"), s.get("end"), s.get("label")) for s in answer)
    if kind == "multi_choice":
        return frozenset(answer)
    if kind == "pairwise":
        return answer.get("choice") if isinstance(answer, dict) else answer
    return orjson.dumps(answer, option=orjson.OPT_SORT_KEYS)


def score_answer(schema: LabelSchema, gold: Mapping[str, Any], value: Mapping[str, Any]) -> dict[str, bool]:
    """Per question the gold answer holds: did ``value`` give the same answer?"""
    kinds = {question.name: question.kind for question in schema.questions}
    return {
        name: comparable(kinds.get(name, ""), value.get(name)) == comparable(kinds.get(name, ""), answer)
        for name, answer in gold.items()
        if name in kinds
    }


def is_correct(schema: LabelSchema, gold: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    """True when ``value`` matches every question of the gold answer."""
    scores = score_answer(schema, gold, value)
    return bool(scores) and all(scores.values())


def _item(session: Session, project: Project, item_id: int) -> Item:
    item = session.scalar(select(Item).where(Item.id == item_id, Item.project_id == project.id))
    if item is None:
        raise NotFound(f"item {item_id} not found")
    return item


def _store(session: Session, project: Project, actor: Actor, golds: Mapping[int, dict[str, Any]]) -> None:
    ids = list(golds)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        session.execute(delete(ItemGold).where(ItemGold.item_id.in_(part)))
        session.execute(
            insert(ItemGold),
            [
                dict(
                    item_id=i,
                    project_id=project.id,
                    value=golds[i],
                    created_by=actor.user_id,
                    created_at=utcnow(),
                )
                for i in part
            ],
        )
        # Out of the regular pool: the queue serves gold through its own path, once to each person.
        session.execute(update(Item).where(Item.id.in_(part)).values(complete=True))
    from assay.services.consensus import mark_dirty

    mark_dirty(session, project.id)


def set_gold(
    *, session: Session, actor: Actor, project: Project, schema: LabelSchema, item_id: int, value: Any
) -> ItemGold:
    """Give an item a known answer (managers); it is checked against the project's schema."""
    QualityPolicy.manage_gold(actor)
    item = _item(session, project, item_id)
    normal, problems = check_gold(schema, value, item.payload)
    if problems:
        raise SchemaError(f"the gold answer breaks the schema: {problems[0]['msg']}", details=problems)
    _store(session, project, actor, {item.id: normal})  # type: ignore[dict-item]
    audit.record(session, actor=actor, action="item.gold.set", object_type="item", object_id=item.id)
    session.commit()
    return session.get(ItemGold, item.id)  # type: ignore[return-value]


def clear_gold(*, session: Session, actor: Actor, project: Project, item_id: int) -> None:
    """Remove an item's known answer (managers); it rejoins the pool if it still wants labels."""
    QualityPolicy.manage_gold(actor)
    item = _item(session, project, item_id)
    gone = session.execute(delete(ItemGold).where(ItemGold.item_id == item.id)).rowcount
    if not gone:
        raise NotFound(f"item {item_id} has no gold answer")
    item.complete = item.n_done >= project.overlap
    from assay.services.consensus import mark_dirty

    mark_dirty(session, project.id)
    audit.record(session, actor=actor, action="item.gold.clear", object_type="item", object_id=item.id)
    session.commit()


def list_gold(
    *, session: Session, actor: Actor, project: Project, limit: int, after: int | None = None
) -> list[ItemGold]:
    """The project's gold answers in item order (managers only: annotators must never see them)."""
    QualityPolicy.manage_gold(actor)
    query = select(ItemGold).where(ItemGold.project_id == project.id)
    if after is not None:
        query = query.where(ItemGold.item_id > after)
    return list(session.scalars(query.order_by(ItemGold.item_id).limit(limit)))


def attach_imported(
    *, session: Session, actor: Actor, project: Project, golds: Mapping[str, dict[str, Any]]
) -> int:
    """After an import, store the gold answers of its rows (keyed by content hash); returns how many."""
    hashes = list(golds)
    by_item: dict[int, dict[str, Any]] = {}
    for start in range(0, len(hashes), CHUNK):
        part = hashes[start : start + CHUNK]
        rows = session.execute(
            select(Item.id, Item.content_hash).where(
                Item.project_id == project.id, Item.content_hash.in_(part)
            )
        )
        by_item.update((item_id, golds[digest]) for item_id, digest in rows)
    if by_item:
        _store(session, project, actor, by_item)
    return len(by_item)


def gold_of(session: Session, project_id: int) -> dict[int, dict[str, Any]]:
    """Every gold answer of a project by item id (for scoring; never returned to annotators)."""
    rows = session.execute(select(ItemGold.item_id, ItemGold.value).where(ItemGold.project_id == project_id))
    return {item_id: value for item_id, value in rows}


def gold_item_ids(session: Session, item_ids: Iterable[int]) -> set[int]:
    """Which of these items are gold."""
    ids = list(item_ids)
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            session.scalars(select(ItemGold.item_id).where(ItemGold.item_id.in_(ids[start : start + CHUNK])))
        )
    return found
