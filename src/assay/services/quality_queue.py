"""What the labeling queue does for quality, on its own connection: mix gold into an annotator's stream,
gate work behind qualification, score gold answers (pass, fail, pause) and top up dynamic overlap.

Only projects with a gold rate or a qualification take these steps (the queue's reference path); a submit
then costs one primary-key read of ``item_gold`` and, for a gold item, one upsert of the annotator's state.
"""

from __future__ import annotations

import random
import time
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from assay.db import queue as sql
from assay.db.models import AnnotatorState, Project, utcnow
from assay.schema import LabelSchema
from assay.services.auth import QueueProject
from assay.services.gold import is_correct
from assay.services.qualification import ACTIVE, FAILED, PAUSED, QUALIFYING

# A refresh for dynamic overlap runs when an annotator finds the pool empty, at most this often per project.
DYNAMIC_REFRESH_SECONDS = 5.0
_last_dynamic: dict[int, float] = {}

_PICK_GOLD = text(
    "SELECT g.item_id FROM item_gold g WHERE g.project_id = :p "
    "AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = g.item_id AND a.user_id = :u) "
    "ORDER BY g.item_id LIMIT 1"
)


def gold_only(conn: Connection, project: QueueProject, user_id: int) -> bool:
    """True while the annotator is qualifying (their first call starts the qualification)."""
    if project.standing == QUALIFYING:
        return True
    if project.standing is None and project.qualification_size > 0:
        conn.execute(
            text(
                "INSERT INTO annotator_states (project_id, user_id, status, run_count, run_correct, updated_at) "
                "VALUES (:p, :u, 'qualifying', 0, 0, :now) ON CONFLICT DO NOTHING"
            ).bindparams(now=utcnow()),
            {"p": project.id, "u": user_id},
        )
        return True
    return False


def lease_gold(
    conn: Connection, *, project_id: int, user_id: int, now: float, expires: float
) -> sql.Lease | None:
    """Lease a gold item this annotator has never been given; None when they have seen every one."""
    picked = conn.execute(_PICK_GOLD, {"p": project_id, "u": user_id}).first()
    if picked is None:
        return None
    return sql.take_item(
        conn, project_id=project_id, user_id=user_id, item_id=picked[0], now=now, expires=expires
    )


def wants_gold(project: QueueProject, qualifying: bool) -> bool:
    """Whether this lease should be a gold item: always while qualifying, else at the project's gold rate."""
    return qualifying or (project.gold_rate > 0 and random.random() < project.gold_rate)


def score_submit(
    conn: Connection,
    project: QueueProject,
    user_id: int,
    item_id: int,
    value: dict[str, Any],
    schema: LabelSchema,
) -> str | None:
    """After a submit: if the item is gold, count the answer toward qualification or pause; the new standing."""
    gold = conn.execute(text("SELECT value FROM item_gold WHERE item_id = :i"), {"i": item_id}).scalar()
    if gold is None:
        return None
    if isinstance(gold, str | bytes):
        import orjson

        gold = orjson.loads(gold)
    correct = is_correct(schema, gold, value)
    with Session(bind=conn) as session:
        settings = session.execute(
            select(
                Project.qualification_size,
                Project.qualification_pass,
                Project.pause_below,
                Project.pause_min_gold,
            ).where(Project.id == project.id)
        ).one()
        state = session.get(AnnotatorState, (project.id, user_id), with_for_update=True)
        now = utcnow()
        if state is None:
            status = QUALIFYING if settings.qualification_size > 0 else ACTIVE
            state = AnnotatorState(
                project_id=project.id, user_id=user_id, status=status, run_count=0, run_correct=0
            )
            session.add(state)
        _count(state, settings, correct, now)
        session.flush()
        return state.status


def _count(state: AnnotatorState, settings: Any, correct: bool, now: Any) -> None:
    state.run_count = (state.run_count or 0) + 1
    state.run_correct = (state.run_correct or 0) + int(correct)
    state.updated_at = now
    accuracy = state.run_correct / state.run_count
    if state.status == QUALIFYING and state.run_count >= settings.qualification_size:
        passed = accuracy >= settings.qualification_pass
        state.status = ACTIVE if passed else FAILED
        state.reason = f"qualification: {state.run_correct}/{state.run_count} correct"
        if passed:
            state.qualified_at = now
            state.run_count = state.run_correct = 0
    elif (
        state.status == ACTIVE
        and settings.pause_below is not None
        and state.run_count >= max(settings.pause_min_gold, 1)
        and accuracy < settings.pause_below
    ):
        state.status, state.paused_at = PAUSED, now
        state.reason = (
            f"gold accuracy {accuracy:.0%} over {state.run_count} answers is under {settings.pause_below:.0%}"
        )


def top_up(conn: Connection, project: QueueProject) -> bool:
    """The pool looks empty: refresh consensus if stale so low-confidence items reopen; True if it ran."""
    if not project.dynamic_overlap:
        return False
    now = time.time()
    if now - _last_dynamic.get(project.id, 0.0) < DYNAMIC_REFRESH_SECONDS:
        return False
    _last_dynamic[project.id] = now
    from assay.services.consensus import is_stale, refresh

    with Session(bind=conn) as session:
        full = session.get(Project, project.id)
        if full is None or not is_stale(session, full):
            return False
        refresh(session, full)
        session.flush()
    return True
