"""The labeling loop: next task, submit (idempotent), skip, and "submit and get next" in one call."""

from __future__ import annotations

import time
from dataclasses import dataclass

import orjson
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assay.db import queue as sql
from assay.db.models import Annotation, Assignment, Item, Project, utcnow
from assay.errors import Conflict, NotFound
from assay.security.policies import Actor, QueuePolicy
from assay.services.projects import schema_of

# Per-process memo of when each project was last swept; any process may sweep, so nothing depends on it.
_last_reap: dict[int, float] = {}


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The annotation a submit produced (or found, for a retry) and, if asked for, the next lease."""

    annotation: Annotation
    next: sql.Lease | None
    replayed: bool


def _open_for_labeling(project: Project) -> None:
    if project.archived_at is not None:
        raise Conflict("this project is archived; its queue is closed")


def _reap(session: Session, project: Project, now: float, interval: float, force: bool = False) -> int:
    if not force and now - _last_reap.get(project.id, 0.0) < interval:
        return 0
    _last_reap[project.id] = now
    return sql.reap_expired(session.connection(), project_id=project.id, now=now)


def _lease(session: Session, actor: Actor, project: Project, reap_interval: float) -> sql.Lease | None:
    conn = session.connection()
    now = time.time()
    sql.lock_annotator(conn, project_id=project.id, user_id=actor.user_id)
    current = sql.current_lease(conn, project_id=project.id, user_id=actor.user_id, now=now)
    if current is not None:
        return current
    _reap(session, project, now, reap_interval)
    args = dict(
        project_id=project.id,
        user_id=actor.user_id,
        overlap=project.overlap,
        order=project.priority_order,
        now=now,
        expires=now + project.lease_seconds,
    )
    lease = sql.lease_next(conn, **args)
    if lease is None and _reap(session, project, now, reap_interval, force=True):
        lease = sql.lease_next(conn, **args)
    return lease


def next_task(
    *, session: Session, actor: Actor, project: Project, reap_interval: float = 1.0
) -> sql.Lease | None:
    """The annotator's current lease, or a new one; None when nothing is left for them."""
    QueuePolicy.label(actor, project.required_skills)
    _open_for_labeling(project)
    lease = _lease(session, actor, project, reap_interval)
    session.commit()
    return lease


def submit(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    lease_id: int,
    value: dict,
    idempotency_key: str | None = None,
    then_next: bool = False,
    reap_interval: float = 1.0,
) -> SubmitResult:
    """Record an annotation for a lease; a retry (same lease or same key) returns the first one."""
    QueuePolicy.label(actor, project.required_skills)
    schema = schema_of(session=session, project=project)
    # Only span questions check values against the item's text; skip the read otherwise (hot path).
    needs_payload = any(question.kind == "spans" for question in schema.questions)
    payload = _lease_payload(session, actor, project, lease_id) if needs_payload else None
    value = schema.validate_value(value, payload=payload)
    now = time.time()
    params = dict(
        lease_id=lease_id,
        project_id=project.id,
        user_id=actor.user_id,
        org_id=actor.org_id,
        overlap=project.overlap,
        value=value,
        schema_version=project.schema_version,
        key=idempotency_key,
        now=now,
        created=utcnow(),
        ip=actor.ip,
        agent=actor.user_agent,
    )
    try:
        done = sql.submit_leased(session.connection(), **params)
        if done is not None:
            # Built from what the statement wrote, saving a read on the hot path.
            annotation = Annotation(
                id=done.annotation_id,
                project_id=project.id,
                item_id=done.item_id,
                user_id=actor.user_id,
                assignment_id=lease_id,
                value=value,
                schema_version=project.schema_version,
                lead_seconds=done.lead_seconds,
                idempotency_key=idempotency_key,
                created_at=params["created"],
            )
            replayed = False
        else:
            annotation_id = _submit_slow(session, actor, project, params)
            replayed = annotation_id < 0
            annotation = session.get(Annotation, abs(annotation_id))
    except IntegrityError:
        session.rollback()
        annotation = session.get(Annotation, _by_key(session, actor, idempotency_key))
        session.commit()
        return SubmitResult(annotation, None, replayed=True)
    lease = _lease(session, actor, project, reap_interval) if then_next else None
    session.commit()
    return SubmitResult(annotation, lease, replayed=replayed)


def _lease_payload(session: Session, actor: Actor, project: Project, lease_id: int) -> dict | None:
    row = session.execute(
        select(Item.payload)
        .join(Assignment, Assignment.item_id == Item.id)
        .where(
            Assignment.id == lease_id,
            Assignment.user_id == actor.user_id,
            Assignment.project_id == project.id,
        )
    ).first()
    if row is None:
        raise NotFound(f"lease {lease_id} not found")
    return row[0]


def _by_key(session: Session, actor: Actor, key: str | None) -> int:
    annotation_id = session.scalar(
        select(Annotation.id).where(Annotation.user_id == actor.user_id, Annotation.idempotency_key == key)
    )
    if annotation_id is None:
        raise Conflict("this submit clashes with another one; retry")
    return annotation_id


def _submit_slow(session: Session, actor: Actor, project: Project, params: dict) -> int:
    """Why the fast path found no leased lease: replay, late submit, or an error. Negative id = replay."""
    lease = session.scalar(
        select(Assignment).where(
            Assignment.id == params["lease_id"],
            Assignment.user_id == actor.user_id,
            Assignment.project_id == project.id,
        )
    )
    if lease is None:
        raise NotFound(f"lease {params['lease_id']} not found")
    if lease.status == "submitted":
        existing = session.scalar(select(Annotation.id).where(Annotation.assignment_id == lease.id))
        if existing is not None:
            return -existing
    if params["key"]:
        existing = session.scalar(
            select(Annotation.id).where(
                Annotation.user_id == actor.user_id, Annotation.idempotency_key == params["key"]
            )
        )
        if existing is not None:
            return -existing
    if lease.status == "expired":
        sql_params = {
            "p": project.id,
            "u": actor.user_id,
            "org": actor.org_id,
            "sv": params["schema_version"],
            "key": params["key"],
            "now": params["now"],
            "created": params["created"],
            "ip": actor.ip,
            "agent": actor.user_agent,
            "value": orjson.dumps(params["value"]).decode(),
        }
        annotation_id = sql.submit_reclaimed(
            session.connection(),
            lease_id=lease.id,
            item_id=lease.item_id,
            overlap=project.overlap,
            params=sql_params,
            lead=params["now"] - lease.leased_at,
        )
        if annotation_id is not None:
            return annotation_id
        raise Conflict("your lease expired and the item went to someone else; take the next task")
    raise Conflict(f"lease {lease.id} was {lease.status}; take the next task")


def skip(
    *,
    session: Session,
    actor: Actor,
    project: Project,
    lease_id: int,
    then_next: bool = False,
    reap_interval: float = 1.0,
) -> sql.Lease | None:
    """Give the leased item back to the pool (it is not offered to this annotator again)."""
    QueuePolicy.label(actor, project.required_skills)
    item_id = sql.release(
        session.connection(), lease_id=lease_id, user_id=actor.user_id, project_id=project.id, now=time.time()
    )
    if item_id is None:
        exists = session.scalar(
            select(Assignment.status).where(
                Assignment.id == lease_id,
                Assignment.user_id == actor.user_id,
                Assignment.project_id == project.id,
            )
        )
        if exists is None:
            raise NotFound(f"lease {lease_id} not found")
        if exists != "skipped":
            raise Conflict(f"lease {lease_id} was {exists}; it cannot be skipped")
    lease = _lease(session, actor, project, reap_interval) if then_next else None
    session.commit()
    return lease
