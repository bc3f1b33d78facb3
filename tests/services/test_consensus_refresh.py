"""A consensus refresh computes outside any write transaction and writes in batches: annotators keep submitting
while it runs, a review landing meanwhile leaves the project stale, and two refreshes never run at once."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.db.models import Consensus, Project, QualityState
from assay.services import consensus, consensus_store
from tests.api.test_quality import CHOICE_SCHEMA, items_by_text, label


def _project(engine, pid):
    with Session(engine, expire_on_commit=False) as session:
        return session.get(Project, pid)


@pytest.fixture
def paused_compute(monkeypatch):
    """Make ``consensus.compute`` stop until released; counts how often it ran."""
    started, release = threading.Event(), threading.Event()
    calls = []
    original = consensus.compute

    def compute(*args, **kwargs):
        calls.append(1)
        started.set()
        assert release.wait(60), "the test never released the refresh"
        return original(*args, **kwargs)

    monkeypatch.setattr(consensus, "compute", compute)
    return started, release, calls


def _in_thread(target, *args, **kwargs):
    result = {}

    def run():
        try:
            result["value"] = target(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_submits_and_reviews_go_on_while_a_refresh_computes(org, client, engine, paused_compute):
    started, release, calls = paused_compute
    pid = org.project(label_schema=CHOICE_SCHEMA, overlap=3)["id"]
    org.add_items(pid, [{"text": f"t{i}"} for i in range(4)])
    label(client, pid, org.member(), lambda t: {"sentiment": "positive"})
    label(client, pid, org.member(), lambda t: {"sentiment": "negative"})
    project = _project(engine, pid)
    first, first_result = _in_thread(consensus.ensure_fresh, engine, project)
    try:
        assert started.wait(30)
        # The refresh is mid-computation: a submit and a review both commit at once (no write lock held).
        began = time.monotonic()
        assert label(client, pid, org.member(), lambda t: {"sentiment": "positive"}) == 4
        annotation = client.get(
            f"/api/v1/projects/{pid}/items/{items_by_text(client, org, pid)['t0']}", headers=org.owner.headers
        ).json()["annotations"][0]
        reviewed = client.post(
            f"/api/v1/projects/{pid}/annotations/{annotation['id']}/review",
            json={"verdict": "accept"},
            headers=org.member("reviewer").headers,
        )
        assert reviewed.status_code == 201, reviewed.text
        assert time.monotonic() - began < 10
        # A second refresher waits for the first instead of computing beside it.
        second, second_result = _in_thread(consensus.ensure_fresh, engine, project)
        time.sleep(0.3)
        assert second.is_alive() and len(calls) == 1
    finally:
        release.set()
        first.join(60)
    second.join(60)
    assert first_result == {"value": True}
    # What landed during the first run makes the project stale again: the second one recomputed it.
    assert second_result == {"value": True} and len(calls) == 2
    with Session(engine) as session:
        state = session.get(QualityState, pid)
        assert state.dirty is False and state.summary["annotations"] == 12
    assert consensus.ensure_fresh(engine, project) is False


def test_a_review_during_the_refresh_leaves_the_project_dirty(org, client, engine, paused_compute):
    started, release, _ = paused_compute
    pid = org.project(label_schema=CHOICE_SCHEMA, overlap=2)["id"]
    org.add_items(pid, [{"text": "a"}])
    label(client, pid, org.member(), lambda t: {"sentiment": "positive"})
    label(client, pid, org.member(), lambda t: {"sentiment": "negative"})
    project = _project(engine, pid)
    thread, result = _in_thread(consensus.ensure_fresh, engine, project)
    try:
        assert started.wait(30)
        with Session(engine) as session:
            consensus.mark_dirty(session, pid)  # what a review, a gold change or a settings change does
            session.commit()
    finally:
        release.set()
        thread.join(60)
    assert result == {"value": True}
    with Session(engine) as session:
        state = session.get(QualityState, pid)
        assert state.refreshed_at is not None and state.dirty is True
        assert consensus.is_stale(session, project) is True


def test_results_are_written_in_batches_and_stale_rows_removed(org, client, engine, monkeypatch):
    monkeypatch.setattr(consensus_store, "BATCH", 3)
    transactions = []
    original = consensus._batches

    def counting(engine_):
        make = original(engine_)

        def transaction():
            transactions.append(1)
            return make()

        return transaction

    monkeypatch.setattr(consensus, "_batches", counting)
    pid = org.project(label_schema=CHOICE_SCHEMA, overlap=1)["id"]
    org.add_items(pid, [{"text": f"t{i}"} for i in range(10)])
    label(client, pid, org.member(), lambda t: {"sentiment": "positive", "stars": 3})
    assert consensus.ensure_fresh(engine, _project(engine, pid)) is True
    # 20 consensus rows and 3 reliability rows in batches of 3, then the cleanup and the finish.
    assert len(transactions) == 7 + 1 + 1 + 1
    with Session(engine) as session:
        count = session.scalar(select(func.count()).where(Consensus.project_id == pid))
    assert count == 20
    narrower = {**CHOICE_SCHEMA, "questions": CHOICE_SCHEMA["questions"][:1]}
    response = client.patch(
        f"/api/v1/projects/{pid}", json={"label_schema": narrower}, headers=org.owner.headers
    )
    assert response.status_code == 200
    assert consensus.ensure_fresh(engine, _project(engine, pid)) is True
    with Session(engine) as session:
        questions = set(session.scalars(select(Consensus.question).where(Consensus.project_id == pid)))
    assert questions == {"sentiment"}  # the stars rows of the older schema are gone
