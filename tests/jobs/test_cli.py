"""``assay generate`` (local, progress bar, resumable), ``assay jobs ...``, ``compare``, ``export-training``."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from assay.cli.main import app
from assay.db import make_engine, upgrade
from assay.db.models import ModelResponse
from assay.formats import Record
from assay.sdk import Client
from assay.security.policies import Actor
from assay.services import items, orgs, projects
from tests.api.llm_fixtures import CHAT_SCHEMA, COMPARISON_SCHEMA, chat
from tests.jobs.fake_openai import FakeOpenAI, SocketServer

STRONG_SECRET = "cli-test-secret-" + "s" * 32


@pytest.fixture
def run(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


@pytest.fixture
def local(monkeypatch, tmp_path):
    """A fresh local database with one project of chat prompts; returns (engine, project id)."""
    for name in ("ASSAY_DATABASE_URL", "ASSAY_DEV", "OPENAI_API_KEY", "ASSAY_BACKEND_ALLOW_LOOPBACK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path))
    monkeypatch.setenv("ASSAY_SECRET_KEY", STRONG_SECRET)
    engine = make_engine(f"sqlite:///{tmp_path / 'assay.db'}")
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = orgs.create_user(session=session, email="o@example.com", password="owner-password-123")
        org = orgs.create_org(session=session, name="cli-org", owner=user)
        actor = Actor(user_id=user.id, org_id=org.id, role="owner")
        project = projects.create_project(
            session=session, actor=actor, data={"name": "prompts", "label_schema": CHAT_SCHEMA}
        )
        rows = [chat(p) for p in ("one", "two", "[always500] three")]
        items.import_records(
            session=session,
            actor=actor,
            project=project,
            records=(Record(line=i + 1, data=r) for i, r in enumerate(rows)),
        )
    yield engine, project.id
    engine.dispose()


def _responses(engine):
    with Session(engine) as session:
        return list(session.scalars(select(ModelResponse).order_by(ModelResponse.item_id)))


def test_generate_runs_locally_and_resumes(run, local, monkeypatch):
    engine, pid = local
    fake = FakeOpenAI()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli")
    with SocketServer(fake) as base_url:
        refused = run("generate", str(pid), "--model", "m", "--base-url", base_url)
        assert refused.exit_code == 1 and "loopback" in refused.output
        result = run(
            "generate",
            str(pid),
            "--model",
            "m",
            "--base-url",
            base_url,
            "--allow-loopback",
            "--max-retries",
            "1",
            "--timeout",
            "5",
        )
        assert result.exit_code == 0, result.output
        assert "2 responses written, 1 failed" in result.output and "again to retry" in result.output
        assert fake.calls[0]["authorization"] == "Bearer sk-cli"
        rows = _responses(engine)
        assert [r.status for r in rows] == ["ok", "ok", "failed"] and rows[2].attempts == 2
        calls = len(fake.calls)
        again = run(
            "generate",
            str(pid),
            "--model",
            "m",
            "--base-url",
            base_url,
            "--allow-loopback",
            "--max-retries",
            "0",
        )
        assert again.exit_code == 0 and "0 responses written, 1 failed, 2 already present" in again.output
        assert len(fake.calls) - calls == 1 and _responses(engine)[2].attempts == 3


def test_generate_reports_bad_options_and_unknown_projects(run, local):
    _, pid = local
    assert run("generate", "999", "--model", "m", "--base-url", "http://x.test/v1").exit_code == 1
    bad = run("generate", str(pid), "--model", "m", "--base-url", "http://x.test/v1", "--concurrency", "0")
    assert bad.exit_code == 1 and "concurrency" in bad.output


def test_jobs_run_executes_queued_jobs(run, local, monkeypatch):
    engine, pid = local
    fake = FakeOpenAI()
    monkeypatch.setenv("ASSAY_BACKEND_ALLOW_LOOPBACK", "1")
    from assay.services.generate import GenerateParams, start_generate
    from assay.services.projects import get_project
    from assay.settings import Settings

    with SocketServer(fake) as base_url:
        with Session(engine, expire_on_commit=False) as session:
            actor = Actor(user_id=1, org_id=1, role="owner")
            project = get_project(session=session, actor=actor, project_id=pid)
            start_generate(
                session=session,
                actor=actor,
                project=project,
                settings=Settings(),
                params=GenerateParams(model="m", base_url=base_url, max_retries=0, limit=2),
            )
        result = run("jobs", "run")
    assert result.exit_code == 0, result.output
    assert "(generate) done" in result.output and len(_responses(engine)) == 2


@pytest.fixture
def remote(monkeypatch, client, org):
    monkeypatch.setattr(
        "assay.cli.remote.client_factory", lambda url, token: Client(url, token, http=client, backoff=0)
    )
    monkeypatch.setenv("ASSAY_TOKEN", org.owner.token)
    return org


def test_remote_jobs_compare_and_training_export(run, remote, client, tmp_path, monkeypatch):
    org = remote
    monkeypatch.setattr("assay.backends.guard._resolve", lambda host, port: ["93.184.216.34"])
    src = org.project(label_schema=CHAT_SCHEMA)["id"]
    org.add_items(src, [chat("hello"), chat("bye")])
    sdk = Client("http://testserver", org.owner.token, http=client, backoff=0)
    item_ids = [i.id for i in sdk.items(src)]
    sdk.add_responses(
        src,
        [
            {"item_id": i, "model": m, "content": f"{k}-{i}"}
            for i in item_ids
            for k, m in enumerate(("a", "b"))
        ],
    )
    assert len(list(sdk.responses(src))) == 4
    job = sdk.generate(src, model="gen", base_url="https://llm.test/v1")
    listed = run("jobs", "list", "--project", str(src))
    assert listed.exit_code == 0 and f"{job.id}" in listed.output and "queued" in listed.output
    cancelled = run("jobs", "cancel", str(job.id))
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
    shown = run("jobs", "show", str(job.id), "--wait")
    assert shown.exit_code == 0 and "cancelled" in shown.output
    assert run("jobs", "cancel", str(job.id)).exit_code == 1

    target = org.project(label_schema=COMPARISON_SCHEMA)["id"]
    made = run("compare", str(target), "--source", str(src), "--model", "a", "--model", "b", "--seed", "1")
    assert made.exit_code == 0 and "Created 2 comparison items" in made.output
    annotator = org.member()
    task = client.post(f"/api/v1/projects/{target}/tasks/next", headers=annotator.headers).json()["task"]
    while task:
        task = client.post(
            f"/api/v1/projects/{target}/tasks/{task['lease_id']}/submit",
            headers=annotator.headers,
            json={"value": {"preference": "A"}, "next": True},
        ).json()["task"]
    dest = tmp_path / "prefs.jsonl"
    exported = run("export-training", str(target), str(dest), "--kind", "preferences")
    assert exported.exit_code == 0, exported.output
    rows = [orjson.loads(line) for line in dest.read_bytes().splitlines()]
    assert len(rows) == 2 and set(rows[0]) >= {"prompt", "chosen", "rejected"}
    assert sdk.wait_for_job(job.id).status == "cancelled"
