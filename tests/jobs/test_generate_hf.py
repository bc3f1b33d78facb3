"""The generate job with a local Hugging Face model, end to end: API, SDK and CLI, failures, retries, resume."""

from __future__ import annotations

import pytest

from assay.jobs import run_job
from assay.sdk import Client
from assay.services import generate
from tests.api.llm_fixtures import CHAT_SCHEMA, chat
from tests.jobs.test_cli import local, run  # noqa: F401  (fixtures of the CLI tests)

pytest.importorskip("torch")
pytest.importorskip("transformers")

from tests.jobs.tiny_hf import CONTEXT, build_tiny_model  # noqa: E402

LONG = " ".join(["hello"] * CONTEXT)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A folder of allowed local models holding one tiny model, ``tiny-gpt2``."""
    root = tmp_path_factory.mktemp("models")
    build_tiny_model(root / "tiny-gpt2")
    return root


@pytest.fixture
def allowed(app, settings, models, monkeypatch):
    """The server (and the job runner) may load models from ``models``; returns the runner's settings."""
    monkeypatch.setattr(app.state.settings, "local_model_dirs", str(models))
    return settings.model_copy(update={"local_model_dirs": str(models)})


def _project(org, prompts):
    pid = org.project(label_schema=CHAT_SCHEMA)["id"]
    org.add_items(pid, [chat(p, system="sys") for p in prompts])
    return pid


def _start(client, org, pid, **extra):
    body = {"backend": "hf", "model_path": "tiny-gpt2", "max_tokens": 5, "backoff": 0, **extra}
    return client.post(f"/api/v1/projects/{pid}/generate", json=body, headers=org.owner.headers)


def _responses(client, org, pid):
    rows = client.get(f"/api/v1/projects/{pid}/responses", headers=org.owner.headers).json()["items"]
    return sorted(rows, key=lambda r: r["item_id"])


def test_generate_with_a_local_model_stores_named_versioned_responses(org, client, engine, allowed):
    pid = _project(org, ["hello", "one two", LONG, "p1"])
    started = _start(client, org, pid, model_version="step-100", batch_size=2)
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["params"]["model"] == "tiny-gpt2" and job["params"]["backend"] == "hf"
    assert run_job(engine, job["id"], settings=allowed).status == "done"
    status = client.get(f"/api/v1/jobs/{job['id']}", headers=org.owner.headers).json()
    assert (status["progress_done"], status["progress_total"], status["progress_failed"]) == (4, 4, 1)
    assert status["result"] == {"generated": 3, "failed": 1, "already_present": 0, "cancelled": False}
    rows = _responses(client, org, pid)
    assert {(r["model"], r["model_version"]) for r in rows} == {("tiny-gpt2", "step-100")}
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "ok"]
    assert all(isinstance(r["content"], str) and r["attempts"] == 1 for r in rows if r["status"] == "ok")
    assert "exceeds the model's context" in rows[2]["error"] and rows[2]["content"] is None


def test_a_flaky_model_is_retried_and_a_rerun_resumes_the_failures(org, client, engine, allowed, monkeypatch):
    real, failures = generate.local_factory, {"left": 1}

    def flaky_factory(*args, **kwargs):
        backend = real(*args, **kwargs)
        generate_text = backend.model.generate

        def flaky(**inputs):
            if failures["left"] > 0:
                failures["left"] -= 1
                raise RuntimeError("CUDA error: out of memory")
            return generate_text(**inputs)

        backend.model.generate = flaky
        return backend

    monkeypatch.setattr(generate, "local_factory", flaky_factory)
    pid = _project(org, ["a", "b", "c"])
    # one failure, one retry each: the batch fails once, then every item passes alone on its second attempt
    run_job(engine, _start(client, org, pid, max_retries=1).json()["id"], settings=allowed)
    assert [(r["status"], r["attempts"]) for r in _responses(client, org, pid)] == [("ok", 2)] * 3

    other = _project(org, ["a", "b"])
    failures["left"] = 10
    job = _start(client, org, other, max_retries=0).json()
    assert run_job(engine, job["id"], settings=allowed).progress_failed == 2
    rows = _responses(client, org, other)
    assert [r["status"] for r in rows] == ["failed"] * 2
    assert rows[0]["error"] == "RuntimeError: CUDA error: out of memory (after 1 attempts)"
    failures["left"] = 0
    again = _start(client, org, other, max_retries=0).json()
    run_job(engine, again["id"], settings=allowed)
    assert [(r["status"], r["attempts"]) for r in _responses(client, org, other)] == [("ok", 2)] * 2


def test_seeded_sampling_gives_the_same_answers_in_every_run(org, client, engine, allowed):
    pid = _project(org, ["hello", "p2", "three"])
    for version in ("run-1", "run-2"):
        job = _start(client, org, pid, model_version=version, temperature=1.0, seed=11, max_tokens=10)
        run_job(engine, job.json()["id"], settings=allowed)
    rows = _responses(client, org, pid)
    by_version = {v: [r["content"] for r in rows if r["model_version"] == v] for v in ("run-1", "run-2")}
    assert by_version["run-1"] == by_version["run-2"] and len(by_version["run-1"]) == 3


def test_model_paths_are_checked_at_start(org, client, allowed, models, tmp_path, monkeypatch):
    pid = _project(org, ["a"])

    def refusal(**body):
        response = _start(client, org, pid, **body)
        assert response.status_code == 422, response.text
        return response.json()["error"]

    assert "does not exist" in refusal(model_path="missing")["message"]
    assert refusal(model_path="missing")["details"][0]["loc"] == ["model_path"]
    build_tiny_model(tmp_path / "elsewhere")
    assert "outside the folders" in refusal(model_path=str(tmp_path / "elsewhere"))["message"]
    assert "outside the folders" in refusal(model_path="../" + tmp_path.name)["message"]
    assert "model_path" in str(refusal(model_path=None))
    assert "base_url" in str(refusal(base_url="https://llm.test/v1"))
    monkeypatch.setattr("assay.services.generate.missing_extra", lambda: "needs pip install 'assay[local]'")
    assert "assay[local]" in refusal()["message"]


def test_only_managers_start_local_generation(org, client, allowed):
    pid = _project(org, ["a"])
    annotator = org.member("annotator")
    body = {"backend": "hf", "model_path": "tiny-gpt2"}
    response = client.post(f"/api/v1/projects/{pid}/generate", json=body, headers=annotator.headers)
    assert response.status_code == 403


def test_sdk_starts_a_local_generate_job(org, client, engine, allowed):
    pid = _project(org, ["hello", "two"])
    sdk = Client("http://testserver", org.owner.token, http=client, backoff=0)
    job = sdk.generate(pid, backend="hf", model_path="tiny-gpt2", model="tiny", max_tokens=3)
    assert job.status == "queued" and job.params["model"] == "tiny"
    run_job(engine, job.id, settings=allowed)
    assert sdk.job(job.id).status == "done"
    assert [(r.model, r.status) for r in sdk.responses(pid)] == [("tiny", "ok")] * 2


def test_cli_generates_locally_with_a_progress_bar(run, local, models):  # noqa: F811
    engine, pid = local
    result = run(
        "generate",
        str(pid),
        "--backend",
        "hf",
        "--model-path",
        str(models / "tiny-gpt2"),
        "--max-tokens",
        "3",
    )
    assert result.exit_code == 0, result.output
    assert "3 responses written, 0 failed" in result.output
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from assay.db.models import ModelResponse

    with Session(engine) as session:
        rows = list(session.scalars(select(ModelResponse)))
    assert {(r.model, r.status) for r in rows} == {("tiny-gpt2", "ok")}
    missing = run("generate", str(pid), "--backend", "hf", "--model-path", str(models / "nope"))
    assert missing.exit_code == 1 and "does not exist" in missing.output
    confused = run("generate", str(pid), "--backend", "hf")
    assert confused.exit_code == 1 and "model_path" in confused.output
