"""CLI fixtures: a runner, a private ASSAY_HOME for local commands, and remote commands wired to the app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result
from typer.testing import CliRunner

from assay.cli.main import app
from assay.sdk import Client

STRONG_SECRET = "cli-test-secret-" + "s" * 32


@pytest.fixture
def run(monkeypatch) -> Callable[..., Result]:
    """Invoke ``assay`` with arguments; wide output so Rich does not wrap what tests look for."""
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture
def home(monkeypatch, tmp_path):
    """A fresh ASSAY_HOME with a SQLite database and a strong secret; dev mode off."""
    for name in ("ASSAY_DATABASE_URL", "ASSAY_DEV", "ASSAY_AUTO_MIGRATE", "ASSAY_URL", "ASSAY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSAY_HOME", str(tmp_path))
    monkeypatch.setenv("ASSAY_SECRET_KEY", STRONG_SECRET)
    return tmp_path


@pytest.fixture
def remote(monkeypatch, client, org):
    """Remote commands talk to the in-process app as the test organization's owner."""
    monkeypatch.setattr(
        "assay.cli.remote.client_factory", lambda url, token: Client(url, token, http=client, backoff=0)
    )
    monkeypatch.setenv("ASSAY_TOKEN", org.owner.token)
    return org
