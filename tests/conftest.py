"""Shared fixtures: a throw-away database per backend (SQLite and PostgreSQL), the app, and an organization
per test so tests never see each other's rows."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assay.db import make_engine, upgrade

PG_ADMIN_URL = os.environ.get("ASSAY_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TEST_SECRET = "test-secret-" + "x" * 40

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _pg_available() -> bool:
    try:
        with create_engine(PG_ADMIN_URL).connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated, empty database of each backend, dropped after the session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'assay.db'}"
        upgrade(make_engine(url))
        yield url
        return
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not reachable")
    name = f"assay_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str):  # type: ignore[no-untyped-def]
    """An engine on the session's database."""
    engine = make_engine(database_url, pool_size=40)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Settings for a test server: fixed strong secret, no auto-migration, leases swept on every call."""
    from assay.settings import Settings

    home: Path = tmp_path_factory.mktemp("home")
    return Settings(
        home=home,
        database_url=database_url,
        secret_key=TEST_SECRET,
        auto_migrate=False,
        reap_interval=0.0,
        max_body_bytes=256 * 1024,
        job_workers=0,  # tests run jobs explicitly; tests/jobs starts its own worker
    )


@pytest.fixture(scope="session")
def app(settings, engine):  # type: ignore[no-untyped-def]
    """The real app over the session's database."""
    from assay.api import create_app

    return create_app(settings, engine=engine)


@pytest.fixture(scope="session")
def client(app):  # type: ignore[no-untyped-def]
    """An HTTP client for the app (in-process)."""
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def org(engine, client):  # type: ignore[no-untyped-def]
    """A fresh organization with an owner; ``org.member(role)`` adds people and returns their auth headers."""
    from tests.factories import OrgWorld

    return OrgWorld.create(engine, client, name=f"org-{secrets.token_hex(4)}")
