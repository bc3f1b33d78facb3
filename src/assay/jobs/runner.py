"""Running jobs: the handler registry, one job run with heartbeats, and a worker thread for the server.

A handler is ``fn(ctx: JobContext) -> dict`` (the job's result). It reports progress through
``ctx.progress(done, total, failed)``, which also beats the heartbeat and returns False once the job was
cancelled, so long handlers stop promptly and keep what they already wrote.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assay.db.models import Job
from assay.errors import AssayError
from assay.jobs import store
from assay.settings import Settings

log = logging.getLogger("assay.jobs")

# kind -> "module:function", imported on first use so the jobs package stays below the services.
HANDLERS: dict[str, str] = {
    "generate": "assay.services.generate:run_generate",
    "train_reward_model": "assay.services.rewards:run_training_job",
}

ProgressHook = Callable[[int, int | None, int], None]


@dataclass
class JobContext:
    """What a handler gets: the job row's data, the engine, and progress/cancellation plumbing."""

    engine: Engine
    job_id: int
    kind: str
    org_id: int
    project_id: int | None
    created_by: int | None
    params: dict[str, Any]
    worker: str
    secrets: dict[str, str] = field(default_factory=dict)  # in memory only (e.g. an API key from the CLI)
    settings: Settings | None = None
    on_progress: ProgressHook | None = None
    cancelled: bool = False

    def progress(self, done: int, total: int | None = None, failed: int = 0) -> bool:
        """Record progress and beat the heartbeat; False when the job must stop (cancelled or taken over)."""
        if self.on_progress:
            self.on_progress(done, total, failed)
        if not store.beat(self.engine, self.job_id, self.worker, done=done, total=total, failed=failed):
            self.cancelled = True
        return not self.cancelled


def handler_for(kind: str) -> Callable[[JobContext], dict[str, Any]]:
    """The handler function registered for ``kind``."""
    if kind not in HANDLERS:
        raise KeyError(f"no handler for job kind {kind!r}")
    module, _, name = HANDLERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def run_claimed(
    engine: Engine,
    job_id: int,
    worker: str,
    *,
    secrets: dict[str, str] | None = None,
    on_progress: ProgressHook | None = None,
    settings: Settings | None = None,
    stale_seconds: float = 120.0,
) -> Job:
    """Run a job this worker has claimed to the end; failures are recorded on the job, never raised.

    A heartbeat thread beats every quarter of ``stale_seconds`` while the handler runs, so a slow model call
    never makes a live job look dead; when a beat is refused (cancelled, taken over) the handler is told to stop.
    """
    with Session(engine, expire_on_commit=False) as session:
        job = session.get(Job, job_id)
        assert job is not None
        ctx = JobContext(
            engine=engine,
            job_id=job.id,
            kind=job.kind,
            org_id=job.org_id,
            project_id=job.project_id,
            created_by=job.created_by,
            params=dict(job.params or {}),
            worker=worker,
            secrets=secrets or {},
            on_progress=on_progress,
            settings=settings,
        )
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(max(0.05, stale_seconds / 4)):
            try:
                if not store.beat(engine, job_id, worker):
                    ctx.cancelled = True
                    return
            except Exception:  # a missed beat is not fatal; the next one may pass
                log.warning("heartbeat of job %s failed", job_id, exc_info=True)

    beater = threading.Thread(target=heartbeat, name=f"assay-job-{job_id}-heartbeat", daemon=True)
    beater.start()
    try:
        result = handler_for(ctx.kind)(ctx)
    except AssayError as error:
        store.finish(engine, job_id, worker, status="failed", error=error.message)
    except Exception as error:  # a job must never take its worker down
        log.exception("job %s (%s) failed", job_id, ctx.kind)
        store.finish(engine, job_id, worker, status="failed", error=f"{type(error).__name__}: {error}")
    else:
        store.finish(engine, job_id, worker, status="done", result=result)
    finally:
        stop.set()
        beater.join()
    with Session(engine, expire_on_commit=False) as session:
        final = session.get(Job, job_id)
        assert final is not None
        return final


def run_job(
    engine: Engine,
    job_id: int,
    *,
    secrets: dict[str, str] | None = None,
    on_progress: ProgressHook | None = None,
    stale_seconds: float = 120.0,
    settings: Settings | None = None,
) -> Job | None:
    """Claim one given job and run it here (``assay generate``); None if it is not claimable (another worker
    holds it, it is finished, or it crashed its workers ``job_max_attempts`` times and is now failed)."""
    worker = store.worker_name()
    attempts = settings.job_max_attempts if settings else store.MAX_ATTEMPTS
    claimed = store.claim(
        engine, worker=worker, stale_seconds=stale_seconds, job_id=job_id, max_attempts=attempts
    )
    if claimed is None:
        return None
    return run_claimed(
        engine,
        job_id,
        worker,
        secrets=secrets,
        on_progress=on_progress,
        settings=settings,
        stale_seconds=stale_seconds,
    )


def run_pending(
    engine: Engine,
    *,
    max_jobs: int | None = None,
    stale_seconds: float = 120.0,
    settings: Settings | None = None,
    kinds: Sequence[str] | None = None,
) -> list[Job]:
    """Claim and run queued jobs (of ``kinds``, default all) one after another until none is left."""
    worker = store.worker_name()
    attempts = settings.job_max_attempts if settings else store.MAX_ATTEMPTS
    ran: list[Job] = []
    while max_jobs is None or len(ran) < max_jobs:
        job_id = store.claim(
            engine, worker=worker, stale_seconds=stale_seconds, kinds=kinds, max_attempts=attempts
        )
        if job_id is None:
            break
        ran.append(run_claimed(engine, job_id, worker, settings=settings, stale_seconds=stale_seconds))
    return ran


class Worker(threading.Thread):
    """A daemon thread that polls for jobs and runs them; ``stop()`` ends it after the current job."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(name="assay-job-worker", daemon=True)
        self.engine, self.settings = engine, settings
        self.poll_seconds, self.stale_seconds = settings.job_poll_seconds, settings.job_stale_seconds
        self._stop_event = threading.Event()

    def run(self) -> None:
        """Poll, claim and run until stopped."""
        worker = store.worker_name()
        while not self._stop_event.is_set():
            try:
                job_id = store.claim(
                    self.engine,
                    worker=worker,
                    stale_seconds=self.stale_seconds,
                    max_attempts=self.settings.job_max_attempts,
                )
            except Exception:  # the database may be briefly unavailable; try again later
                log.exception("claiming a job failed")
                job_id = None
            if job_id is None:
                self._stop_event.wait(self.poll_seconds)
                continue
            run_claimed(self.engine, job_id, worker, settings=self.settings, stale_seconds=self.stale_seconds)

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to stop and wait for it."""
        self._stop_event.set()
        self.join(timeout)
