"""Local commands against a throw-away ASSAY_HOME: migrate, user and token creation, demo, serve checks."""

from __future__ import annotations

import os
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assay.api import create_app
from assay.db import make_engine
from assay.db.models import Item, Organization, Project
from assay.services import auth
from assay.settings import Settings

PASSWORD = re.compile(r"Password: (\S+)")


def test_migrate_reports_the_database(run, home):
    result = run("migrate")
    assert result.exit_code == 0, result.output
    assert "is up to date" in result.output and (home / "assay.db").exists()


def test_user_and_token_create_make_working_credentials(run, home):
    result = run(
        "user", "create", "--email", "Ada@Example.com", "--org", "Acme Labs", "--create-org", "--name", "Ada"
    )
    assert result.exit_code == 0, result.output
    assert "ada@example.com is now owner of 'Acme Labs' (slug acme-labs)" in result.output
    password = PASSWORD.search(result.output).group(1)

    result = run(
        "user",
        "create",
        "--email",
        "bob@example.com",
        "--org",
        "acme-labs",
        "--role",
        "reviewer",
        "--password",
        "bobs-long-password",
        "--skill",
        "fr",
    )
    assert result.exit_code == 0, result.output
    assert "now reviewer" in result.output and "Password:" not in result.output

    result = run("token", "create", "--email", "ada@example.com", "--org", "acme-labs")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("assay_")

    with TestClient(create_app(Settings())) as client:
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert (me["email"], me["role"]) == ("ada@example.com", "owner")
        login = client.post("/api/v1/auth/login", json={"email": "ada@example.com", "password": password})
        assert login.status_code == 200
        members = client.get("/api/v1/members", headers={"Authorization": f"Bearer {token}"}).json()
        assert {(m["email"], m["role"]) for m in members} == {
            ("ada@example.com", "owner"),
            ("bob@example.com", "reviewer"),
        }


def test_admin_errors_are_one_red_line(run, home):
    result = run("user", "create", "--email", "x@example.com", "--org", "nowhere")
    assert result.exit_code == 1
    assert "Error: no organization 'nowhere'; add --create-org" in result.stderr
    assert "Traceback" not in result.output

    run("user", "create", "--email", "x@example.com", "--org", "here", "--create-org")
    result = run("user", "create", "--email", "x@example.com", "--org", "here")
    assert result.exit_code == 1 and "already a member" in result.stderr

    result = run("token", "create", "--email", "nobody@example.com", "--org", "here")
    assert result.exit_code == 1 and "no user with e-mail" in result.stderr


@pytest.mark.parametrize("secret", [None, "short"])
def test_serve_and_token_refuse_a_missing_or_weak_secret(run, home, monkeypatch, secret):
    if secret is None:
        monkeypatch.delenv("ASSAY_SECRET_KEY")
    else:
        monkeypatch.setenv("ASSAY_SECRET_KEY", secret)
    monkeypatch.setattr("uvicorn.run", lambda *a, **k: pytest.fail("the server must not start"))
    for args in (["serve"], ["token", "create", "--email", "a@example.com", "--org", "x"]):
        result = run(*args)
        assert result.exit_code == 1
        assert "Error: ASSAY_SECRET_KEY" in result.stderr and "Traceback" not in result.output


def test_serve_migrates_once_then_starts_uvicorn_without_auto_migration(run, home, monkeypatch):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    result = run("serve", "--port", "8123", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "SQLite has one writer" in result.stderr
    [(target, kwargs)] = calls
    assert target == "assay.api.app:factory" and kwargs["factory"] is True
    assert (kwargs["port"], kwargs["workers"], kwargs["host"]) == (8123, 2, "127.0.0.1")
    assert kwargs["access_log"] is False
    assert os.environ["ASSAY_AUTO_MIGRATE"] == "0"
    monkeypatch.delenv("ASSAY_AUTO_MIGRATE")
    assert (home / "assay.db").exists()


def test_demo_is_created_once_and_its_password_never_reset(run, home, monkeypatch):
    monkeypatch.delenv("ASSAY_SECRET_KEY")
    result = run("demo", "--no-serve", "--port", "8765")
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8765/" in result.output and "demo@example.com" in result.output
    password = PASSWORD.search(result.output).group(1)
    assert (home / "secret_key").exists()  # dev mode: a generated secret

    again = run("demo", "--no-serve")
    assert again.exit_code == 0, again.output
    assert "not reset" in again.output and password not in again.output

    engine = make_engine(f"sqlite:///{home / 'assay.db'}")
    with Session(engine) as session:
        user = auth.authenticate(session=session, email="demo@example.com", password=password)
        assert session.scalar(select(func.count()).select_from(Organization)) == 1
        [project] = session.scalars(select(Project)).all()
        assert project.name == "Demo: sentiment and entities" and project.overlap == 1
        assert session.scalar(select(func.count()).where(Item.project_id == project.id)) == 50
        assert user.email == "demo@example.com"
    engine.dispose()


def test_demo_serves_unless_told_not_to(run, home, monkeypatch):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append(kwargs))
    result = run("demo", "--port", "8999")
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["port"] == 8999
    monkeypatch.delenv("ASSAY_AUTO_MIGRATE")
