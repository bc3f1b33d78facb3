"""A job whose worker keeps dying is failed after ``job_max_attempts`` claims; managers resume jobs."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import textwrap
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from assay.db.models import Job, utcnow
from assay.jobs import HANDLERS, claim, run_job, run_pending
from tests.jobs.test_store import _enqueue, _read

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def kind(monkeypatch):
    """A job kind private to this test, run by the counting handler of the store tests."""
    name = "test-" + secrets.token_hex(4)
    monkeypatch.setitem(HANDLERS, name, "tests.jobs.test_store:_handler")
    return name


def _go_stale(engine, job_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow() - timedelta(minutes=10))
        )


def test_a_job_whose_workers_keep_dying_fails_after_the_last_attempt(org, engine, kind):
    [job] = _enqueue(org, engine, kind)
    for attempt in (1, 2, 3):
        assert claim(engine, worker=f"dead-{attempt}", kinds=[kind], max_attempts=3) == job.id
        _go_stale(engine, job.id)  # the worker died without a word
    assert claim(engine, worker="next", kinds=[kind], max_attempts=3) is None
    row = _read(engine, job.id)
    assert row.status == "failed" and row.attempts == 3 and row.finished_at is not None
    assert "stopped responding on each of its 3 attempts" in row.error
    # a live job at its last attempt is left alone, and queued jobs are still claimed past a failed one
    [busy, waiting] = _enqueue(org, engine, kind, n=2)
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == busy.id).values(attempts=2))
    assert claim(engine, worker="w", kinds=[kind], max_attempts=3) == busy.id
    assert claim(engine, worker="w2", kinds=[kind], max_attempts=3) == waiting.id
    assert _read(engine, busy.id).status == "running"


def test_workers_take_the_limit_from_settings(org, engine, settings, kind):
    [job] = _enqueue(org, engine, kind, steps=2)
    assert claim(engine, worker="dead", kinds=[kind]) == job.id
    _go_stale(engine, job.id)
    one_try = settings.model_copy(update={"job_max_attempts": 1})
    assert run_pending(engine, kinds=[kind], settings=one_try, stale_seconds=60) == []
    assert _read(engine, job.id).status == "failed"
    assert run_job(engine, job.id, settings=one_try) is None


def _crash_in_a_subprocess(database_url: str, kind: str) -> int:
    # A worker process that claims the job and dies in the handler, as out-of-memory kills do.
    script = textwrap.dedent(
        f"""
        from assay.db import make_engine
        from assay.jobs import HANDLERS, run_pending
        HANDLERS[{kind!r}] = "tests.jobs.crashing:die"
        run_pending(make_engine({database_url!r}), kinds=[{kind!r}], stale_seconds=0.3)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, timeout=60).returncode


def test_real_worker_processes_crashing_stop_after_three_attempts(org, engine, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the claim SQL is covered on both databases above; one backend for the processes")
    kind = "test-crash-" + secrets.token_hex(4)
    [job] = _enqueue(org, engine, kind)
    codes = []
    for _ in range(4):
        codes.append(_crash_in_a_subprocess(database_url, kind))
        threading.Event().wait(0.35)  # let the dead worker's heartbeat go stale
    row = _read(engine, job.id)
    assert codes == [3, 3, 3, 0]  # three crashes; the fourth worker found nothing to run
    assert row.status == "failed" and row.attempts == 3 and "3 attempts" in row.error


def test_resume_requeues_failed_and_cancelled_jobs_with_a_fresh_budget(org, client, engine, kind):
    [job] = _enqueue(org, engine, kind, steps=2)
    headers = org.owner.headers
    for attempt in (1, 2, 3):
        claim(engine, worker=f"dead-{attempt}", kinds=[kind])
        _go_stale(engine, job.id)
    claim(engine, worker="next", kinds=[kind])
    assert client.get(f"/api/v1/jobs/{job.id}", headers=headers).json()["status"] == "failed"
    resumed = client.post(f"/api/v1/jobs/{job.id}/resume", headers=headers)
    assert resumed.status_code == 200, resumed.text
    body = resumed.json()
    assert (body["status"], body["attempts"], body["error"], body["finished_at"]) == ("queued", 0, None, None)
    assert client.post(f"/api/v1/jobs/{job.id}/resume", headers=headers).status_code == 409  # queued
    assert run_job(engine, job.id).status == "done"
    conflict = client.post(f"/api/v1/jobs/{job.id}/resume", headers=headers)
    assert conflict.status_code == 409 and "done" in conflict.json()["error"]["message"]

    [other] = _enqueue(org, engine, kind)
    client.post(f"/api/v1/jobs/{other.id}/cancel", headers=headers)
    assert client.post(f"/api/v1/jobs/{other.id}/resume", headers=headers).json()["status"] == "queued"


def test_a_done_job_with_failed_items_resumes(org, client, engine, kind):
    [job] = _enqueue(org, engine, kind)
    with engine.begin() as conn:
        conn.execute(update(Job).where(Job.id == job.id).values(status="done", progress_failed=2))
    resumed = client.post(f"/api/v1/jobs/{job.id}/resume", headers=org.owner.headers).json()
    assert resumed["status"] == "queued" and resumed["progress_failed"] == 0


def test_only_managers_of_the_organization_resume(org, client, engine, kind):
    [job] = _enqueue(org, engine, kind)
    client.post(f"/api/v1/jobs/{job.id}/cancel", headers=org.owner.headers)
    reviewer = org.member("reviewer")
    assert client.post(f"/api/v1/jobs/{job.id}/resume", headers=reviewer.headers).status_code == 403
    from tests.factories import OrgWorld

    stranger = OrgWorld.create(engine, client, name=f"other-{secrets.token_hex(4)}")
    assert client.post(f"/api/v1/jobs/{job.id}/resume", headers=stranger.owner.headers).status_code == 404
    assert (
        client.post(f"/api/v1/jobs/{job.id}/resume", headers=org.member("manager").headers).status_code == 200
    )
