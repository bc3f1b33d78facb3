"""The labeling loop: next task, submit (idempotent), skip, and "submit and get next" in one call.

These functions work on an open SQLAlchemy connection and are the reference behaviour on both databases.
What the API calls per request, including the PostgreSQL fast path, is in ``assay.services.labeling``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from assay.db import queue as sql
from assay.db.models import utcnow
from assay.errors import Conflict, NotFound, PermissionDenied
from assay.schema import LabelSchema
from assay.security.policies import Actor, QueuePolicy
from assay.services import quality_queue
from assay.services.auth import QueueProject
from assay.services.projects import schema_of

# Per-process memo of when each project was last swept; any process may sweep, so nothing depends on it.
_last_reap: dict[int, float] = {}


@dataclass(frozen=True, slots=True)
class AnnotationRow:
    """An annotation as the labeling loop returns it."""

    id: int
    item_id: int
    user_id: int
    value: dict[str, Any]
    schema_version: int
    lead_seconds: float | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The annotation a submit produced (or found, for a retry) and, if asked for, the next lease."""

    annotation: AnnotationRow
    next: sql.Lease | None
    replayed: bool


def check_can_label(actor: Actor, project: QueueProject) -> None:
    QueuePolicy.label(actor, list(project.required_skills))
    if project.archived:
        raise Conflict("this project is archived; its queue is closed")
    if project.standing in (quality_queue.PAUSED, quality_queue.FAILED):
        raise PermissionDenied(STOPPED[project.standing], details={"status": project.standing})


STOPPED = {
    "paused": "you are paused in this project; a manager can reinstate you",
    "failed": "you did not pass this project's qualification; a manager can reinstate you",
}


class UseReference(Exception):
    """The PostgreSQL fast path does not handle this request (gold mixing): take the reference path."""


def reap_due(project_id: int, now: float, interval: float, force: bool = False) -> bool:
    if not force and now - _last_reap.get(project_id, 0.0) < interval:
        return False
    _last_reap[project_id] = now
    return True


def lease_for(
    conn: Connection, actor: Actor, project: QueueProject, reap_interval: float, force_reap: bool = False
) -> sql.Lease | None:
    now = time.time()
    sql.lock_annotator(conn, project_id=project.id, user_id=actor.user_id)
    current = sql.current_lease(conn, project_id=project.id, user_id=actor.user_id, now=now)
    if current is not None:
        return current
    if reap_due(project.id, now, reap_interval, force_reap):
        sql.reap_expired(conn, project_id=project.id, now=now)
    args = dict(
        project_id=project.id,
        user_id=actor.user_id,
        overlap=project.overlap,
        order=project.priority_order,
        now=now,
        expires=now + project.lease_seconds,
    )
    if project.quality:
        qualifying = quality_queue.gold_only(conn, project, actor.user_id)
        if quality_queue.wants_gold(project, qualifying):
            gold = quality_queue.lease_gold(
                conn, project_id=project.id, user_id=actor.user_id, now=now, expires=args["expires"]
            )
            if gold is not None or qualifying:
                return gold
    lease = sql.lease_next(conn, **args)
    if lease is None and not force_reap and sql.reap_expired(conn, project_id=project.id, now=now):
        _last_reap[project.id] = now
        lease = sql.lease_next(conn, **args)
    if lease is None and quality_queue.top_up(conn, project):
        lease = sql.lease_next(conn, **args)  # dynamic overlap may have reopened unsure items
    return lease


def next_task(
    *, conn: Connection, actor: Actor, project: QueueProject, reap_interval: float = 1.0
) -> sql.Lease | None:
    """The annotator's current lease, or a new one; None when nothing is left for them."""
    check_can_label(actor, project)
    lease = lease_for(conn, actor, project, reap_interval)
    conn.commit()
    return lease


def needs_payload(schema: LabelSchema) -> bool:
    # Only span questions check values against the item's text; other schemas skip that read.
    return any(question.kind == "spans" for question in schema.questions)


def submit_params(
    actor: Actor, project: QueueProject, lease_id: int, value: dict, key: str | None
) -> dict[str, Any]:
    now = time.time()
    return {
        "lease": lease_id,
        "p": project.id,
        "u": actor.user_id,
        "org": actor.org_id,
        "overlap": project.overlap,
        "value": orjson.dumps(value).decode(),
        "sv": project.schema_version,
        "key": key,
        "now": now,
        "exp": now + project.lease_seconds,
        "created": utcnow(),
        "ip": actor.ip,
        "agent": actor.user_agent,
    }


def submit(
    *,
    conn: Connection,
    actor: Actor,
    project: QueueProject,
    lease_id: int,
    value: dict,
    idempotency_key: str | None = None,
    then_next: bool = False,
    reap_interval: float = 1.0,
) -> SubmitResult:
    """Record an annotation for a lease; a retry (same lease or same key) returns the first one."""
    check_can_label(actor, project)
    schema = schema_of(session=conn, project=project)
    payload = _lease_payload(conn, actor, project, lease_id) if needs_payload(schema) else None
    value = schema.validate_value(value, payload=payload)
    params = submit_params(actor, project, lease_id, value, idempotency_key)
    try:
        done = sql.submit_leased(
            conn,
            **{name: params[name] for name in ("now", "created", "ip", "agent")},
            lease_id=lease_id,
            project_id=project.id,
            user_id=actor.user_id,
            org_id=actor.org_id,
            overlap=project.overlap,
            value=value,
            schema_version=project.schema_version,
            key=idempotency_key,
        )
        if done is not None:
            annotation = AnnotationRow(
                done.annotation_id,
                done.item_id,
                actor.user_id,
                value,
                project.schema_version,
                done.lead_seconds,
                params["created"],
            )
            replayed = False
        else:
            annotation_id = _submit_slow(conn, actor, project, params)
            replayed = annotation_id < 0
            annotation = _annotation(conn, abs(annotation_id))
    except IntegrityError:
        conn.rollback()
        annotation = _annotation(conn, _by_key(conn, actor, idempotency_key))
        conn.commit()
        return SubmitResult(annotation, None, replayed=True)
    if project.quality and not replayed:
        standing = quality_queue.score_submit(conn, project, actor.user_id, annotation.item_id, value, schema)
        if standing is not None:
            project = dataclasses.replace(project, standing=standing)
            if standing in STOPPED:
                then_next = False  # this answer paused them (or failed their qualification)
    lease = lease_for(conn, actor, project, reap_interval) if then_next else None
    conn.commit()
    return SubmitResult(annotation, lease, replayed=replayed)


_ANNOTATION = text(
    "SELECT id, item_id, user_id, value, schema_version, lead_seconds, created_at FROM annotations WHERE id = :id"
)


def _annotation(conn: Connection, annotation_id: int) -> AnnotationRow:
    from assay.db.models import Annotation

    row = conn.execute(
        _ANNOTATION.columns(value=Annotation.value.type, created_at=Annotation.created_at.type),
        {"id": annotation_id},
    ).one()
    return AnnotationRow(*row)


def _lease_payload(conn: Connection, actor: Actor, project: QueueProject, lease_id: int) -> Any:
    row = conn.execute(
        text(
            "SELECT i.payload FROM assignments a JOIN items i ON i.id = a.item_id "
            "WHERE a.id = :lease AND a.user_id = :u AND a.project_id = :p"
        ),
        {"lease": lease_id, "u": actor.user_id, "p": project.id},
    ).first()
    if row is None:
        raise NotFound(f"lease {lease_id} not found")
    return orjson.loads(row[0]) if isinstance(row[0], str | bytes) else row[0]


def _by_key(conn: Connection, actor: Actor, key: str | None) -> int:
    annotation_id = conn.scalar(
        text("SELECT id FROM annotations WHERE user_id = :u AND idempotency_key = :key"),
        {"u": actor.user_id, "key": key},
    )
    if annotation_id is None:
        raise Conflict("this submit clashes with another one; retry")
    return annotation_id


def _submit_slow(conn: Connection, actor: Actor, project: QueueProject, params: dict) -> int:
    """Why the fast path found no leased lease: replay, late submit, or an error. Negative id = replay."""
    lease = conn.execute(
        text(
            "SELECT id, item_id, status, leased_at FROM assignments "
            "WHERE id = :lease AND user_id = :u AND project_id = :p"
        ),
        {"lease": params["lease"], "u": actor.user_id, "p": project.id},
    ).first()
    if lease is None:
        raise NotFound(f"lease {params['lease']} not found")
    lease_id, item_id, status, leased_at = lease
    if status == "submitted":
        existing = conn.scalar(
            text("SELECT id FROM annotations WHERE assignment_id = :lease"), {"lease": lease_id}
        )
        if existing is not None:
            return -existing
    if params["key"]:
        existing = conn.scalar(
            text("SELECT id FROM annotations WHERE user_id = :u AND idempotency_key = :key"),
            {"u": actor.user_id, "key": params["key"]},
        )
        if existing is not None:
            return -existing
    if status == "expired":
        sql_params = {name: params[name] for name in ("p", "u", "org", "sv", "key", "now", "created", "value")}
        sql_params.update(ip=actor.ip, agent=actor.user_agent)
        annotation_id = sql.submit_reclaimed(
            conn,
            lease_id=lease_id,
            item_id=item_id,
            overlap=project.overlap,
            params=sql_params,
            lead=params["now"] - leased_at,
        )
        if annotation_id is not None:
            return annotation_id
        raise Conflict("your lease expired and the item went to someone else; take the next task")
    raise Conflict(f"lease {lease_id} was {status}; take the next task")


def skip(
    *,
    conn: Connection,
    actor: Actor,
    project: QueueProject,
    lease_id: int,
    then_next: bool = False,
    reap_interval: float = 1.0,
) -> sql.Lease | None:
    """Give the leased item back to the pool (it is not offered to this annotator again)."""
    check_can_label(actor, project)
    item_id = sql.release(
        conn, lease_id=lease_id, user_id=actor.user_id, project_id=project.id, now=time.time()
    )
    if item_id is None:
        status = conn.scalar(
            text("SELECT status FROM assignments WHERE id = :lease AND user_id = :u AND project_id = :p"),
            {"lease": lease_id, "u": actor.user_id, "p": project.id},
        )
        if status is None:
            raise NotFound(f"lease {lease_id} not found")
        if status != "skipped":
            raise Conflict(f"lease {lease_id} was {status}; it cannot be skipped")
    lease = lease_for(conn, actor, project, reap_interval) if then_next else None
    conn.commit()
    return lease
