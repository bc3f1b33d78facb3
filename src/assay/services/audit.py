"""The audit log: every state-changing action by a person, in an append-only table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from assay.db.models import AuditEvent, utcnow
from assay.security.policies import Actor


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = None,
    org_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add one audit event to the session's transaction (it commits or rolls back with the change)."""
    session.execute(
        insert(AuditEvent).values(
            org_id=org_id if org_id is not None else (actor.org_id if actor else None),
            actor_id=actor.user_id if actor else None,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            ip=actor.ip if actor else None,
            user_agent=(actor.user_agent or "")[:300] if actor else None,
            details=details or {},
            created_at=utcnow(),
        )
    )


def list_events(
    *,
    session: Session,
    org_id: int,
    limit: int,
    before_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
) -> list[AuditEvent]:
    """The organization's audit events, newest first, optionally filtered by action and time."""
    query = select(AuditEvent).where(AuditEvent.org_id == org_id)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    return list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit)))
