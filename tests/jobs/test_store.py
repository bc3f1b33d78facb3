"""The jobs table as a durable queue: atomic claims under concurrency, stale take-over, cancel, failures."""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from assay.db.models import Job, utcnow
from assay.jobs import HANDLERS, JobContext, Worker, claim, enqueue, run_job, run_pending, store


@pytest.fixture
def kind(monkeypatch):
    """A job kind private to this test, with a handler that counts and can be told to fail or wait."""
    name = "test-" + secrets.token_hex(4)
    monkeypatch.setitem(HANDLERS, name, "tests.jobs.test_store:_handler")
    return name


CALLS: list[int] = []


def _handler(ctx: JobContext) -> dict:
    CALLS.append(ctx.job_id)
    if ctx.params.get("fail"):
        raise RuntimeError("boom")
    if ctx.params.get("sleep"):
        threading.Event().wait(ctx.params["sleep"])
    steps = ctx.params.get("steps", 1)
    for step in range(steps):
        if not ctx.progress(step + 1, steps):
            break
        if ctx.params.get("gate"):
            GATES[ctx.params["gate"]].wait(5)
    return {"steps": steps}


GATES: dict[str, threading.Event] = {}


def _enqueue(org, engine, kind, n=1, **params):
    with Session(engine, expire_on_commit=False) as session:
        return [
            enqueue(
                session=session, actor=org.owner.actor(org.org_id), project=None, kind=kind, params=params
            )
            for _ in range(n)
        ]


def test_concurrent_workers_claim_each_job_exactly_once(org, engine, kind):
    jobs = _enqueue(org, engine, kind, n=20)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        while (job_id := claim(engine, worker=f"w{index}", kinds=[kind])) is not None:
            with lock:
                claimed.append(job_id)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(j.id for j in jobs)
    with Session(engine) as session:
        rows = [session.get(Job, j.id) for j in jobs]
        assert all(r.status == "running" and r.attempts == 1 and r.heartbeat_at for r in rows)


def test_run_pending_runs_in_order_and_records_result_and_failure(org, engine, kind):
    ok, bad = _enqueue(org, engine, kind, steps=3)[0], _enqueue(org, engine, kind, fail=True)[0]
    ran = run_pending(engine, kinds=[kind])
    assert [j.id for j in ran] == [ok.id, bad.id]
    assert ran[0].status == "done" and ran[0].result == {"steps": 3}
    assert (ran[0].progress_done, ran[0].progress_total) == (3, 3) and ran[0].finished_at
    assert ran[1].status == "failed" and "RuntimeError: boom" in ran[1].error


def test_stale_running_job_is_taken_over(org, engine, kind):
    [job] = _enqueue(org, engine, kind)
    assert claim(engine, worker="dead", kinds=[kind]) == job.id
    assert claim(engine, worker="other", kinds=[kind]) is None  # still fresh
    with engine.begin() as conn:
        conn.execute(
            update(Job).where(Job.id == job.id).values(heartbeat_at=utcnow() - timedelta(minutes=10))
        )
    assert claim(engine, worker="other", kinds=[kind], stale_seconds=60) == job.id
    # the dead worker's late heartbeat is refused: it must stop
    assert store.beat(engine, job.id, "dead", done=1) is False
    with Session(engine) as session:
        assert session.get(Job, job.id).attempts == 2


def _read(engine, job_id: int) -> Job:
    # A fresh read-only session per look: a test must not hold SQLite's write lock while workers run.
    with Session(engine.execution_options(assay_read_only=True), expire_on_commit=False) as session:
        return session.get(Job, job_id)


def _wait_for(engine, job_id: int, ready, seconds: float = 10.0) -> Job:
    for _ in range(int(seconds / 0.02)):
        row = _read(engine, job_id)
        if ready(row):
            return row
        threading.Event().wait(0.02)
    return row


def test_cancel_stops_a_running_job_at_its_next_heartbeat(org, engine, kind):
    gate = secrets.token_hex(4)
    GATES[gate] = threading.Event()
    [job] = _enqueue(org, engine, kind, steps=5, gate=gate)
    result: list = []
    thread = threading.Thread(target=lambda: result.append(run_job(engine, job.id)))
    thread.start()
    _wait_for(engine, job.id, lambda row: row.progress_done >= 1)
    with Session(engine, expire_on_commit=False) as session:
        store.cancel(session=session, actor=org.owner.actor(org.org_id), job_id=job.id)
    GATES[gate].set()
    thread.join(10)
    final = result[0]
    assert final.status == "cancelled" and final.progress_done == 1


def test_server_worker_thread_runs_queued_jobs(org, engine, settings, kind):
    [job] = _enqueue(org, engine, kind, steps=2)
    worker = Worker(engine, settings.model_copy(update={"job_poll_seconds": 0.05}))
    # the server worker takes every kind; only this test's job is queued with a live handler
    worker.start()
    try:
        row = _wait_for(engine, job.id, lambda row: row.status == "done")
        assert row.status == "done" and row.result == {"steps": 2}
    finally:
        worker.stop()


def test_heartbeat_keeps_a_slow_job_from_being_taken_over(org, engine, kind):
    [job] = _enqueue(org, engine, kind, sleep=1.0)
    result: list = []
    thread = threading.Thread(target=lambda: result.append(run_job(engine, job.id, stale_seconds=0.4)))
    thread.start()
    _wait_for(engine, job.id, lambda row: row.status == "running")
    stolen = []
    for _ in range(8):  # for longer than the stale limit, nobody else may claim it
        stolen.append(claim(engine, worker="thief", kinds=[kind], stale_seconds=0.4))
        threading.Event().wait(0.1)
    thread.join(10)
    assert stolen == [None] * 8 and result[0].status == "done" and result[0].attempts == 1
