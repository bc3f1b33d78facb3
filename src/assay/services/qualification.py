"""Annotator standing in a project: qualification on gold, automatic pause on a falling gold score, and
reinstatement by a manager.

States: ``qualifying`` (only gold is served until ``qualification_size`` gold answers are in), ``active``,
``failed`` (the qualification score was under the pass mark) and ``paused`` (running gold accuracy fell under
``pause_below`` after at least ``pause_min_gold`` gold answers). Annotators without a row are active, unless
the project asks for qualification. The running score restarts at qualification and at reinstatement.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.db.models import AnnotatorState, Membership, Project, utcnow
from assay.errors import NotFound
from assay.security.policies import Actor, QualityPolicy
from assay.services import audit

QUALIFYING, ACTIVE, FAILED, PAUSED = "qualifying", "active", "failed", "paused"


def list_states(*, session: Session, actor: Actor, project: Project) -> list[AnnotatorState]:
    """Every annotator's standing in the project (reviewers and up)."""
    QualityPolicy.read(actor)
    return list(
        session.scalars(
            select(AnnotatorState)
            .where(AnnotatorState.project_id == project.id)
            .order_by(AnnotatorState.user_id)
        )
    )


def my_state(*, session: Session, actor: Actor, project: Project) -> str:
    """The caller's own standing (no scores: a running gold score would tell which items were gold)."""
    state = session.get(AnnotatorState, (project.id, actor.user_id))
    if state is None:
        return QUALIFYING if project.qualification_size > 0 else ACTIVE
    return state.status


def _member_state(session: Session, actor: Actor, project: Project, user_id: int) -> AnnotatorState:
    member = session.scalar(
        select(Membership.id).where(Membership.org_id == project.org_id, Membership.user_id == user_id)
    )
    if member is None:
        raise NotFound(f"member {user_id} not found")
    state = session.get(AnnotatorState, (project.id, user_id))
    if state is None:
        state = AnnotatorState(
            project_id=project.id, user_id=user_id, status=ACTIVE, run_count=0, run_correct=0
        )
        session.add(state)
    return state


def reinstate(*, session: Session, actor: Actor, project: Project, user_id: int) -> AnnotatorState:
    """Let a paused or failed annotator work again (managers); their running gold score starts afresh."""
    QualityPolicy.manage_annotators(actor)
    state = _member_state(session, actor, project, user_id)
    before = state.status
    state.status, state.run_count, state.run_correct = ACTIVE, 0, 0
    state.reinstated_by, state.reinstated_at, state.reason = actor.user_id, utcnow(), None
    state.updated_at = state.reinstated_at
    audit.record(
        session,
        actor=actor,
        action="annotator.reinstate",
        object_type="project",
        object_id=project.id,
        details={"user_id": user_id, "was": before},
    )
    session.commit()
    return state


def pause(
    *, session: Session, actor: Actor, project: Project, user_id: int, reason: str = ""
) -> AnnotatorState:
    """Stop an annotator from taking work in this project (managers)."""
    QualityPolicy.manage_annotators(actor)
    state = _member_state(session, actor, project, user_id)
    state.status, state.paused_at = PAUSED, utcnow()
    state.reason = (reason or "paused by a manager")[:300]
    state.updated_at = state.paused_at
    audit.record(
        session,
        actor=actor,
        action="annotator.pause",
        object_type="project",
        object_id=project.id,
        details={"user_id": user_id, "reason": state.reason},
    )
    session.commit()
    return state
