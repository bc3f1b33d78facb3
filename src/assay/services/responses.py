"""Model responses attached to items: add, list, and the upsert the generate job writes with.

Responses carry model identities, so only managers see them; annotators meet a response only as anonymous
content copied into a task payload (see ``services.comparisons``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from assay.db.models import Item, ModelResponse, Project, utcnow
from assay.errors import Conflict, InvalidInput
from assay.security.policies import Actor, ResponsePolicy
from assay.services import audit


@dataclass(frozen=True, slots=True)
class NewResponse:
    """A response to add by hand (or from another system): item, model, version and content."""

    item_id: int
    model: str
    content: str
    model_version: str = ""
    latency_ms: float | None = None


def add_responses(
    *, session: Session, actor: Actor, project: Project, responses: Sequence[NewResponse]
) -> list[ModelResponse]:
    """Add ok responses to items of the project; all or nothing (unknown item or existing response: error)."""
    ResponsePolicy.manage(actor)
    ids = {r.item_id for r in responses}
    known = set(session.scalars(select(Item.id).where(Item.project_id == project.id, Item.id.in_(ids))))
    problems = [
        {"loc": ["responses", index, "item_id"], "msg": f"item {r.item_id} is not in this project"}
        for index, r in enumerate(responses)
        if r.item_id not in known
    ]
    if problems:
        raise InvalidInput(problems[0]["msg"], details=problems)
    keys = [(r.item_id, r.model, r.model_version) for r in responses]
    if len(set(keys)) != len(keys):
        raise InvalidInput("the same item, model and version appear twice")
    existing = session.execute(
        select(ModelResponse.item_id, ModelResponse.model, ModelResponse.model_version).where(
            ModelResponse.item_id.in_(ids)
        )
    ).all()
    clash = set(keys) & {tuple(row) for row in existing}
    if clash:
        item_id, model, version = sorted(clash)[0]
        raise Conflict(f"item {item_id} already has a response from {model} {version}".rstrip())
    rows = [
        ModelResponse(
            project_id=project.id,
            item_id=r.item_id,
            model=r.model,
            model_version=r.model_version,
            content=r.content,
            status="ok",
            attempts=1,
            latency_ms=r.latency_ms,
            created_at=utcnow(),
        )
        for r in responses
    ]
    session.add_all(rows)
    audit.record(
        session,
        actor=actor,
        action="responses.add",
        object_type="project",
        object_id=project.id,
        details={"count": len(rows)},
    )
    session.commit()
    return rows


def list_responses(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    item_id: int | None = None,
    model: str | None = None,
    status: str | None = None,
    after: int | None = None,
    limit: int = 100,
) -> list[ModelResponse]:
    """Responses of a project in id order, filtered by item, model and status (managers only)."""
    ResponsePolicy.manage(actor)
    query = select(ModelResponse).where(ModelResponse.project_id == project.id)
    if item_id is not None:
        query = query.where(ModelResponse.item_id == item_id)
    if model is not None:
        query = query.where(ModelResponse.model == model)
    if status is not None:
        query = query.where(ModelResponse.status == status)
    if after is not None:
        query = query.where(ModelResponse.id > after)
    return list(session.scalars(query.order_by(ModelResponse.id).limit(limit)))


def upsert_results(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write generate results; a failed row is replaced by a later try, an ok row is never overwritten."""
    if not rows:
        return
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = insert(ModelResponse).values(list(rows))
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["item_id", "model", "model_version"],
        set_={
            "content": excluded.content,
            "status": excluded.status,
            "error": excluded.error,
            "attempts": ModelResponse.attempts + excluded.attempts,
            "latency_ms": excluded.latency_ms,
            "job_id": excluded.job_id,
            "created_at": excluded.created_at,
        },
        where=ModelResponse.status != "ok",
    )
    conn.execute(statement)
