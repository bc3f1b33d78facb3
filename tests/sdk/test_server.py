"""The SDK over real HTTP against ``uvicorn`` in a subprocess, bootstrapped with the CLI's admin commands."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from typer.testing import CliRunner

from assay.cli.main import app as cli
from assay.sdk import Client, NotFound
from tests.factories import TEXT_SCHEMA

SECRET = "server-test-secret-" + "k" * 29  # 48 characters


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path, monkeypatch) -> Iterator[str]:
    """A uvicorn server on a fresh SQLite database; killed however the test ends."""
    env = {
        "ASSAY_DATABASE_URL": f"sqlite:///{tmp_path / 'server.db'}",
        "ASSAY_SECRET_KEY": SECRET,
        "ASSAY_HOME": str(tmp_path),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ASSAY_DEV", raising=False)
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "assay.api.app:factory", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"server did not start:\n{(tmp_path / 'server.log').read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.server
def test_sdk_over_real_http(server, tmp_path):
    runner = CliRunner()
    created = runner.invoke(
        cli, ["user", "create", "--email", "lead@example.com", "--org", "Real", "--create-org"]
    )
    assert created.exit_code == 0, created.output
    password = re.search(r"Password: (\S+)", created.output).group(1)
    made = runner.invoke(cli, ["token", "create", "--email", "lead@example.com", "--org", "real"])
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]

    with Client(server, token) as sdk:
        assert sdk.health()["status"] == "ok"
        assert sdk.me().email == "lead@example.com"
        project = sdk.create_project("Over HTTP", TEXT_SCHEMA)
        source = tmp_path / "items.jsonl"
        source.write_text("".join(json.dumps({"text": f"line {i} " + "x" * 500}) + "\n" for i in range(1000)))
        report = sdk.import_items(project.id, source)
        assert report.created == 1000
        task = sdk.next_task(project.id)
        for _ in range(3):
            task = sdk.submit(project.id, task.lease_id, {"sentiment": "neutral"}, next=True).task
        assert sdk.progress(project.id).annotations == 3
        dest = tmp_path / "export.jsonl"
        sdk.export(project.id, dest, status="annotated")
        assert len(dest.read_text().splitlines()) == 3
        assert sum(1 for _ in sdk.iter_export(project.id)) == 1000
        with pytest.raises(NotFound, match="project 999 not found"):
            sdk.project(999)

    with Client.login(server, "lead@example.com", password) as again:
        assert again.me().email == "lead@example.com"
