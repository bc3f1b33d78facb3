"""Durable background jobs: rows in the ``jobs`` table, claimed atomically and run by worker threads.

``store`` is the queue (enqueue, claim, heartbeat, finish, cancel, resume); ``runner`` runs jobs (``run_job``,
``run_pending``, the server's ``Worker`` thread).
"""

from assay.jobs.runner import HANDLERS, JobContext, Worker, run_job, run_pending
from assay.jobs.store import (
    FINISHED,
    MAX_ATTEMPTS,
    STATUSES,
    cancel,
    claim,
    enqueue,
    get_job,
    list_jobs,
    resumable,
    resume,
)

__all__ = [
    "FINISHED",
    "HANDLERS",
    "MAX_ATTEMPTS",
    "STATUSES",
    "JobContext",
    "Worker",
    "cancel",
    "claim",
    "enqueue",
    "get_job",
    "list_jobs",
    "resumable",
    "resume",
    "run_job",
    "run_pending",
]
