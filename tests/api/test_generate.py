"""The generate job end to end: API start, backend faults, per-item failures, progress, resume, cancel."""

from __future__ import annotations

import pytest

from assay.jobs import run_job
from assay.services import generate
from tests.api.llm_fixtures import CHAT_SCHEMA, chat
from tests.jobs.fake_openai import FakeOpenAI, SocketServer

PROMPTS = ["first", "[500x2] flaky", "[garbage]", "second", "[timeout]", "third"]


@pytest.fixture
def fake(monkeypatch):
    """The generate job's backend talks to an in-process fake (public-looking URL, no DNS lookup)."""
    fake = FakeOpenAI()
    real = generate.backend_factory

    def factory(*args, **kwargs):
        kwargs["timeout"] = 0.2
        return real(*args, transport=fake.transport(), sleep=lambda _s: None, **kwargs)

    monkeypatch.setattr(generate, "backend_factory", factory)
    monkeypatch.setattr("assay.backends.guard._resolve", lambda host, port: ["93.184.216.34"])
    return fake


def _project(org, prompts=PROMPTS):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    org.add_items(pid, [chat(p, system="sys") for p in prompts])
    return pid


def _start(client, org, pid, **extra):
    body = {
        "model": "m1",
        "model_version": "2024",
        "base_url": "https://llm.test/v1",
        "max_retries": 2,
        "backoff": 0,
        "concurrency": 2,
        **extra,
    }
    return client.post(f"/api/v1/projects/{pid}/generate", json=body, headers=org.owner.headers)


def test_generate_fills_responses_and_records_failures(org, client, engine, settings, fake):
    pid = _project(org)
    started = _start(client, org, pid)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "queued" and job["kind"] == "generate"
    ran = run_job(engine, job["id"], settings=settings)
    assert ran.id == job["id"]
    status = client.get(f"/api/v1/jobs/{job['id']}", headers=org.owner.headers).json()
    assert status["status"] == "done"
    assert (status["progress_done"], status["progress_total"], status["progress_failed"]) == (6, 6, 2)
    assert status["result"]["generated"] == 4 and status["result"]["failed"] == 2
    rows = client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"]
    by_content = {r["status"]: [] for r in rows}
    for r in rows:
        by_content[r["status"]].append(r)
    assert len(by_content["ok"]) == 4 and len(by_content["failed"]) == 2
    flaky = next(r for r in rows if r["content"] == "echo: [500x2] flaky")
    assert flaky["attempts"] == 3 and flaky["model"] == "m1" and flaky["model_version"] == "2024"
    errors = sorted(r["error"] for r in by_content["failed"])
    assert "timed out" in errors[0] and "unreadable" in errors[1]
    assert all(r["attempts"] == 3 for r in by_content["failed"])
    # the system turn and the prompt went to the backend
    assert fake.calls[0]["body"]["messages"][0] == {"role": "system", "content": "sys"}


def test_rerun_resumes_only_missing_items_and_keeps_written_ones(org, client, engine, settings, fake):
    pid = _project(org)
    run_job(engine, _start(client, org, pid).json()["id"], settings=settings)
    before = {
        r["item_id"]: r
        for r in client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"]
    }
    calls = len(fake.calls)
    second = _start(client, org, pid).json()
    run_job(engine, second["id"], settings=settings)
    status = client.get(f"/api/v1/jobs/{second['id']}", headers=org.owner.headers).json()
    assert status["progress_total"] == 2 and status["result"]["already_present"] == 4
    assert len(fake.calls) - calls == 2 * 3  # only the two failed items, 3 attempts each
    after = {
        r["item_id"]: r
        for r in client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"]
    }
    for item_id, row in before.items():
        if row["status"] == "ok":
            assert after[item_id] == row  # untouched
        else:
            assert after[item_id]["attempts"] == 6  # attempts add up across runs


def test_a_new_model_version_gets_its_own_responses(org, client, engine, settings, fake):
    pid = _project(org, ["a", "b"])
    for version in ("2024", "2025"):
        run_job(engine, _start(client, org, pid, model_version=version).json()["id"], settings=settings)
    rows = client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"]
    assert (
        sorted((r["model_version"], r["status"]) for r in rows) == [("2024", "ok")] * 2 + [("2025", "ok")] * 2
    )


def test_limit_and_cancel(org, client, engine, settings, fake):
    pid = _project(org, [f"p{i}" for i in range(5)])
    job = _start(client, org, pid, limit=2).json()
    run_job(engine, job["id"], settings=settings)
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=org.owner.headers).json()["progress_done"] == 2
    queued = _start(client, org, pid).json()
    cancelled = client.post(f"/api/v1/jobs/{queued['id']}/cancel", headers=org.owner.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert run_job(engine, queued["id"], settings=settings) is None
    assert client.post(f"/api/v1/jobs/{queued['id']}/cancel", headers=org.owner.headers).status_code == 409
    listed = client.get(f"/api/v1/projects/{pid}/jobs", headers=org.owner.headers).json()
    assert [j["id"] for j in listed] == [queued["id"], job["id"]]


def test_private_backend_urls_are_refused_at_start(org, client, monkeypatch):
    pid = _project(org, ["a"])
    monkeypatch.setattr("assay.backends.guard._resolve", lambda host, port: ["169.254.169.254"])
    response = _start(client, org, pid, base_url="http://metadata.test/v1")
    assert response.status_code == 422 and response.json()["error"]["details"][0]["loc"] == ["base_url"]
    loopback = _start(client, org, pid, base_url="http://127.0.0.1:9/v1")
    assert loopback.status_code == 422


def test_api_keys_come_from_allowed_env_names_only(org, client, engine, settings, fake, monkeypatch):
    pid = _project(org, ["a"])
    assert _start(client, org, pid, api_key_env="ASSAY_SECRET_KEY").status_code == 422
    assert _start(client, org, pid, api_key="sk-inline").status_code == 422  # keys are never stored
    monkeypatch.setenv("ASSAY_BACKEND_KEY_TEST", "sk-from-env")
    job = _start(client, org, pid, api_key_env="ASSAY_BACKEND_KEY_TEST").json()
    assert "sk-from-env" not in str(job)
    run_job(engine, job["id"], settings=settings)
    assert fake.calls[-1]["authorization"] == "Bearer sk-from-env"


def test_only_managers_generate_and_see_jobs(org, client, fake):
    pid = _project(org, ["a"])
    job = _start(client, org, pid).json()
    annotator = org.member("annotator")
    body = {"model": "m", "base_url": "https://llm.test/v1"}
    assert (
        client.post(f"/api/v1/projects/{pid}/generate", json=body, headers=annotator.headers).status_code
        == 403
    )
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=annotator.headers).status_code == 403
    assert client.get("/api/v1/jobs/999999999", headers=org.owner.headers).status_code == 404


def test_generate_over_a_real_socket_with_loopback_allowed(org, client, engine, settings):
    fake = FakeOpenAI(slow_seconds=1.0)
    pid = _project(org, ["over tcp", "[timeout]"])
    allowed = settings.model_copy(update={"backend_allow_loopback": True})
    with SocketServer(fake) as base_url:
        # the server refuses loopback until the operator allows it
        assert _start(client, org, pid, base_url=base_url).status_code == 422
        from sqlalchemy.orm import Session

        from assay.services.generate import GenerateParams, start_generate

        with Session(engine, expire_on_commit=False) as session:
            from assay.services.projects import get_project

            actor = org.owner.actor(org.org_id)
            project = get_project(session=session, actor=actor, project_id=pid)
            params = GenerateParams(model="m1", base_url=base_url, timeout=0.3, max_retries=1, backoff=0.01)
            job = start_generate(
                session=session, actor=actor, project=project, params=params, settings=allowed
            )
        ran = run_job(engine, job.id, settings=allowed)
    assert ran.id == job.id and ran.status == "done" and ran.progress_failed == 1
    rows = client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"]
    assert {r["content"] for r in rows if r["status"] == "ok"} == {"echo: over tcp"}


def test_cancel_mid_run_keeps_what_was_written(org, client, engine, settings, monkeypatch):
    import threading

    import httpx

    from tests.jobs.test_store import _wait_for

    gate, calls = threading.Event(), []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 2:
            gate.wait(5)  # the second item is in flight while the job is cancelled
        body = {"choices": [{"message": {"role": "assistant", "content": f"answer {len(calls)}"}}]}
        return httpx.Response(200, json=body)

    real = generate.backend_factory
    monkeypatch.setattr(
        generate, "backend_factory", lambda *a, **k: real(*a, transport=httpx.MockTransport(handle), **k)
    )
    monkeypatch.setattr(generate, "BATCH", 1)
    monkeypatch.setattr("assay.backends.guard._resolve", lambda host, port: ["93.184.216.34"])
    pid = _project(org, [f"p{i}" for i in range(4)])
    job = _start(client, org, pid, concurrency=1).json()
    result: list = []
    worker = threading.Thread(target=lambda: result.append(run_job(engine, job["id"], settings=settings)))
    worker.start()
    _wait_for(engine, job["id"], lambda row: row.progress_done >= 1)
    assert (
        client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=org.owner.headers).json()["status"]
        == "cancelled"
    )
    gate.set()
    worker.join(10)
    assert result[0].status == "cancelled"
    rows = client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"]
    assert [r["content"] for r in rows] == ["answer 1", "answer 2"] and len(calls) == 2
