"""The server runs jobs in background threads started with the app (``ASSAY_JOB_WORKERS``)."""

from __future__ import annotations

import secrets

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from assay.api import create_app
from assay.jobs import HANDLERS, enqueue
from tests.jobs.test_store import _wait_for


def test_app_lifespan_starts_and_stops_job_workers(org, engine, settings, monkeypatch):
    kind = "test-" + secrets.token_hex(4)
    monkeypatch.setitem(HANDLERS, kind, "tests.jobs.test_store:_handler")
    app = create_app(settings.model_copy(update={"job_workers": 2, "job_poll_seconds": 0.05}), engine=engine)
    with TestClient(app) as http:
        with Session(engine, expire_on_commit=False) as session:
            job = enqueue(
                session=session,
                actor=org.owner.actor(org.org_id),
                project=None,
                kind=kind,
                params={"steps": 3},
            )
        row = _wait_for(engine, job.id, lambda row: row.status == "done")
        assert row.status == "done" and row.progress_done == 3
        status = http.get(f"/api/v1/jobs/{job.id}", headers=org.owner.headers).json()
        assert status["status"] == "done" and status["result"] == {"steps": 3}
    import threading

    assert not [t for t in threading.enumerate() if t.name == "assay-job-worker" and t.is_alive()]
