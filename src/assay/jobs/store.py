"""The jobs table as a durable queue: enqueue, atomic claim, heartbeat with progress, finish, cancel.

Claiming is one ``UPDATE ... WHERE id = (SELECT ... LIMIT 1) RETURNING id`` statement: on PostgreSQL the
inner select takes ``FOR UPDATE SKIP LOCKED`` so concurrent workers (threads or server processes) never
claim the same job; on SQLite every write transaction is ``BEGIN IMMEDIATE``, which serialises claimers.
A running job whose heartbeat is older than ``stale_seconds`` (its worker died) is claimed again, at most
until it has been claimed ``max_attempts`` times: a job that keeps killing its worker (out of memory, a crash
in native code) is then marked failed with the reason, instead of taking down one worker after another.
A manager can ``resume`` a failed or cancelled job (or a done one with failed items): it is queued again
with a fresh attempt budget, and resumable handlers such as generate carry on from what is missing.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from assay.db.models import Job, Project, utcnow
from assay.errors import Conflict, NotFound
from assay.security.policies import Actor, JobPolicy
from assay.services import audit

STATUSES = ("queued", "running", "done", "failed", "cancelled")
FINISHED = ("done", "failed", "cancelled")
MAX_ATTEMPTS = 3


def worker_name() -> str:
    """``host:pid:thread`` of the caller: who holds a claimed job."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{threading.get_ident() % 100000}"


def enqueue(
    *, session: Session, actor: Actor, project: Project | None, kind: str, params: dict[str, Any]
) -> Job:
    """Add a queued job (committed, audited) and return it."""
    JobPolicy.manage(actor)
    job = Job(
        org_id=actor.org_id,
        project_id=project.id if project else None,
        kind=kind,
        status="queued",
        params=params,
        result={},
        progress_done=0,
        progress_failed=0,
        attempts=0,
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="job.create",
        object_type="job",
        object_id=job.id,
        details={"kind": kind, "project_id": job.project_id},
    )
    session.commit()
    return job


def claim(
    engine: Engine,
    *,
    worker: str,
    stale_seconds: float = 120.0,
    job_id: int | None = None,
    kinds: Sequence[str] | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> int | None:
    """Atomically take the oldest claimable job (or ``job_id``, or of ``kinds``) for ``worker``; its id or None.

    Stale jobs that already had ``max_attempts`` claims are marked failed on the way (see the module docstring).
    """
    now = utcnow()
    stale = now - timedelta(seconds=stale_seconds)
    only = "AND id = :job_id" if job_id is not None else ""
    kind_names = {f"kind{i}": kind for i, kind in enumerate(kinds or ())}
    if kind_names:
        only += f" AND kind IN ({', '.join(':' + name for name in kind_names)})"
    lock = "" if engine.dialect.name == "sqlite" else "FOR UPDATE SKIP LOCKED"
    claimable = (
        "(status = 'queued' OR (status = 'running' AND heartbeat_at < :stale AND attempts < :max_attempts))"
    )
    statement = text(
        "UPDATE jobs SET status = 'running', worker = :worker, attempts = attempts + 1, "
        "started_at = COALESCE(started_at, :now), heartbeat_at = :now "
        f"WHERE id = (SELECT id FROM jobs WHERE {claimable} {only} ORDER BY id LIMIT 1 {lock}) RETURNING id"
    )
    # A cheap read first: idle workers poll without taking SQLite's write lock.
    with Session(engine.execution_options(assay_read_only=True)) as session:
        probe = select(Job.id).where(
            (Job.status == "queued") | ((Job.status == "running") & (Job.heartbeat_at < stale))
        )
        if job_id is not None:
            probe = probe.where(Job.id == job_id)
        if kinds:
            probe = probe.where(Job.kind.in_(list(kinds)))
        if session.scalar(probe.limit(1)) is None:
            return None
    values = {"worker": worker, "now": now, "stale": stale, "max_attempts": max_attempts}
    with engine.begin() as conn:
        _fail_crash_loops(conn, stale=stale, now=now, max_attempts=max_attempts)
        return conn.execute(statement, {**values, "job_id": job_id, **kind_names}).scalar_one_or_none()


def _fail_crash_loops(conn: Any, *, stale: Any, now: Any, max_attempts: int) -> None:
    # Every claim of these ended with a dead worker: a further claim would most likely kill another one.
    conn.execute(
        update(Job)
        .where(Job.status == "running", Job.heartbeat_at < stale, Job.attempts >= max_attempts)
        .values(
            status="failed",
            finished_at=now,
            error=f"the job's worker stopped responding on each of its {max_attempts} attempts "
            "(a crash or out of memory?); it was not started again. Resume it to try once more.",
        )
    )


def beat(
    engine: Engine,
    job_id: int,
    worker: str,
    *,
    done: int | None = None,
    total: int | None = None,
    failed: int | None = None,
) -> bool:
    """Record progress and a heartbeat; False when the job is no longer ours to run (cancelled, taken over)."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if done is not None:
        values["progress_done"] = done
    if total is not None:
        values["progress_total"] = total
    if failed is not None:
        values["progress_failed"] = failed
    with engine.begin() as conn:
        result = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker, Job.status == "running")
            .values(**values)
        )
    return result.rowcount == 1


def finish(
    engine: Engine,
    job_id: int,
    worker: str,
    *,
    status: str,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Mark a running job ``done`` or ``failed`` (a job cancelled meanwhile stays cancelled)."""
    with engine.begin() as conn:
        changed = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker, Job.status == "running")
            .values(
                status=status, error=error, result=result or {}, finished_at=utcnow(), heartbeat_at=utcnow()
            )
        )
    return changed.rowcount == 1


def get_job(*, session: Session, actor: Actor, job_id: int) -> Job:
    """A job of the caller's organization (404 otherwise)."""
    JobPolicy.manage(actor)
    job = session.scalar(select(Job).where(Job.id == job_id, Job.org_id == actor.org_id))
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def list_jobs(
    *,
    session: Session,
    actor: Actor,
    project: Project | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[Job]:
    """Jobs of the organization (or one project), newest first."""
    JobPolicy.manage(actor)
    query = select(Job).where(Job.org_id == actor.org_id)
    if project is not None:
        query = query.where(Job.project_id == project.id)
    if status is not None:
        query = query.where(Job.status == status)
    return list(session.scalars(query.order_by(Job.id.desc()).limit(limit)))


def cancel(*, session: Session, actor: Actor, job_id: int) -> Job:
    """Cancel a queued or running job; a running one stops at its next heartbeat, keeping what it wrote."""
    job = get_job(session=session, actor=actor, job_id=job_id)
    if job.status in FINISHED:
        raise Conflict(f"job {job_id} is already {job.status}")
    session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status.in_(("queued", "running")))
        .values(status="cancelled", finished_at=utcnow())
    )
    audit.record(session, actor=actor, action="job.cancel", object_type="job", object_id=job.id)
    session.commit()
    session.refresh(job)
    return job


def resumable(job: Job) -> bool:
    """Whether ``resume`` takes this job: failed or cancelled, or done with failed items to retry."""
    return job.status in ("failed", "cancelled") or (job.status == "done" and job.progress_failed > 0)


def resume(*, session: Session, actor: Actor, job_id: int) -> Job:
    """Queue a failed or cancelled job again (or a done one with failed items), with a fresh attempt budget."""
    job = get_job(session=session, actor=actor, job_id=job_id)
    if not resumable(job):
        raise Conflict(
            f"job {job_id} is {job.status}; only failed or cancelled jobs, or done ones with failed items, resume"
        )
    changed = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == job.status)
        .values(
            status="queued",
            attempts=0,
            error=None,
            worker=None,
            heartbeat_at=None,
            started_at=None,
            finished_at=None,
            progress_done=0,
            progress_total=None,
            progress_failed=0,
            result={},
        )
    )
    if changed.rowcount != 1:  # someone else resumed or changed it meanwhile
        session.rollback()
        raise Conflict(f"job {job_id} changed meanwhile; reload and try again")
    audit.record(session, actor=actor, action="job.resume", object_type="job", object_id=job.id)
    session.commit()
    session.refresh(job)
    return job
