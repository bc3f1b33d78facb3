"""Progress figures: per project (items by state) and per annotator (count, median time, last active)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from assay.db.models import Annotation, Assignment, Item, Project, User
from assay.security.policies import Actor, ProjectPolicy


@dataclass(frozen=True, slots=True)
class ProjectProgress:
    """Item counts by state and annotation counts of one project."""

    items: int
    done: int
    in_progress: int
    not_started: int
    remaining: int
    annotations: int
    annotations_wanted: int
    active_leases: int


@dataclass(frozen=True, slots=True)
class AnnotatorStats:
    """One annotator's output in a project."""

    user_id: int
    email: str
    name: str
    annotations: int
    median_seconds: float | None
    last_active: datetime | None


def project_progress(*, session: Session, project: Project) -> ProjectProgress:
    """Counts for a project: done = labeled ``overlap`` times; in progress = started, not done."""
    now = time.time()
    started = (Item.n_done > 0) | (Item.n_leased > 0)
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(case((Item.complete, 1), else_=0)), 0),
            func.coalesce(func.sum(case((~Item.complete & started, 1), else_=0)), 0),
            func.coalesce(func.sum(Item.n_done), 0),
        ).where(Item.project_id == project.id)
    ).one()
    items, done, in_progress, annotations = (int(v) for v in row)
    leases = (
        session.scalar(
            select(func.count()).where(
                Assignment.project_id == project.id,
                Assignment.status == "leased",
                Assignment.expires_at > now,
            )
        )
        or 0
    )
    return ProjectProgress(
        items=items,
        done=done,
        in_progress=in_progress,
        not_started=items - done - in_progress,
        remaining=items - done,
        annotations=annotations,
        annotations_wanted=items * project.overlap,
        active_leases=leases,
    )


def annotator_stats(
    *, session: Session, actor: Actor, project: Project, user_id: int | None = None
) -> list[AnnotatorStats]:
    """Per-annotator counts, median seconds per item (lease to submit) and last activity.

    Everyone may read their own line (``user_id`` = themselves); the whole table needs reviewer or up.
    """
    if user_id != actor.user_id:
        ProjectPolicy.monitor(actor)
    query = (
        select(Annotation.user_id, Annotation.lead_seconds, Annotation.created_at)
        .where(Annotation.project_id == project.id)
        .order_by(Annotation.user_id)
    )
    if user_id is not None:
        query = query.where(Annotation.user_id == user_id)
    per_user: dict[int, tuple[list[float], datetime | None, int]] = {}
    for uid, seconds, created in session.execute(query):
        times, last, count = per_user.get(uid, ([], None, 0))
        if seconds is not None:
            times.append(seconds)
        per_user[uid] = (times, created if last is None or created > last else last, count + 1)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(per_user))))}
    stats = [
        AnnotatorStats(
            user_id=uid,
            email=users[uid].email,
            name=users[uid].name,
            annotations=count,
            median_seconds=round(float(np.median(times)), 3) if times else None,
            last_active=last,
        )
        for uid, (times, last, count) in per_user.items()
    ]
    if user_id is not None and not stats:
        user = session.get(User, user_id)
        stats = [
            AnnotatorStats(user_id, user.email if user else "", user.name if user else "", 0, None, None)
        ]
    return sorted(stats, key=lambda s: -s.annotations)
