"""Remote commands through the SDK against the in-process app (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import yaml

from tests.factories import TEXT_SCHEMA


def _project_id(output: str) -> int:
    return int(output.split("Created project ")[1].split(":")[0])


def test_project_import_status_export(run, remote, tmp_path):
    schema = tmp_path / "schema.yaml"
    schema.write_text(yaml.safe_dump(TEXT_SCHEMA))
    guide = tmp_path / "guide.md"
    guide.write_text("# Guide\nBe consistent.")
    result = run(
        "project",
        "create",
        "--name",
        "CLI reviews",
        "--schema",
        str(schema),
        "--guidelines",
        str(guide),
        "--overlap",
        "2",
        "--skill",
        "en",
    )
    assert result.exit_code == 0, result.output
    project_id = _project_id(result.output)

    listed = run("project", "list")
    assert listed.exit_code == 0 and "CLI reviews" in listed.output
    shown = run("project", "show", str(project_id))
    assert shown.exit_code == 0 and "sentiment" in shown.output and "['en']" in shown.output

    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps({"text": f"review {i}"}) + "\n" for i in range(4)))
    imported = run("import", str(project_id), str(data))
    assert imported.exit_code == 0, imported.output
    assert "Imported 4 new items from 4 rows (0 duplicates skipped)" in imported.output

    status = run("status", str(project_id))
    assert status.exit_code == 0, status.output
    assert "4 items: 0 done" in status.output and "0/8 annotations" in status.output

    out = tmp_path / "export.jsonl"
    exported = run("export", str(project_id), str(out), "--status", "all")
    assert exported.exit_code == 0, exported.output
    assert [json.loads(line)["payload"]["text"] for line in out.read_text().splitlines()] == [
        f"review {i}" for i in range(4)
    ]

    parquet = tmp_path / "export.parquet"
    assert run("export", str(project_id), str(parquet)).exit_code == 0
    assert pq.read_table(parquet).num_rows == 4


def test_status_lists_annotators(run, remote, client):
    project = remote.project()
    remote.texts(project["id"], 2)
    annotator = remote.member("annotator")
    url = f"/api/v1/projects/{project['id']}/tasks"
    task = client.post(f"{url}/next", headers=annotator.headers).json()["task"]
    client.post(
        f"{url}/{task['lease_id']}/submit",
        json={"value": {"sentiment": "neutral"}},
        headers=annotator.headers,
    )
    result = run("status", str(project["id"]))
    assert result.exit_code == 0, result.output
    assert annotator.email in result.output and "1 done" in result.output


def test_rejected_import_prints_every_problem_and_exits_1(run, remote, tmp_path):
    project = remote.project()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"nope": 1}\n{broken\n')
    result = run("import", str(project["id"]), str(bad))
    assert result.exit_code == 1
    assert "2 problem(s)" in result.stderr and "missing field 'text'" in result.stderr
    assert "│ 2 " in result.stderr and "│ 3 " in result.stderr and "invalid JSON" in result.stderr
    assert "Error: import rejected" in result.stderr and "Traceback" not in result.output


def test_api_errors_are_one_red_line(run, remote, monkeypatch):
    result = run("project", "show", "987654321")
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: project 987654321 not found"

    project = remote.project()
    result = run("export", str(project["id"]), "/nonexistent-folder/out.jsonl")
    assert result.exit_code == 1 and "No such file or directory" in result.stderr

    monkeypatch.setenv("ASSAY_TOKEN", "assay_wrong")
    result = run("project", "list")
    assert result.exit_code == 1 and result.stderr.strip() == "Error: invalid or revoked API token"


def test_user_list(run, remote):
    member = remote.member("reviewer")
    result = run("user", "list")
    assert result.exit_code == 0, result.output
    assert remote.owner.email in result.output and member.email in result.output
