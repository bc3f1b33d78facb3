"""Migration 0007 (the quality state's change counter) goes down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from assay.db import make_engine, upgrade
from assay.db.migrate import alembic_config
from tests.conftest import PG_ADMIN_URL, _pg_available


def _columns(engine) -> set[str]:  # type: ignore[no-untyped-def]
    return {c["name"] for c in inspect(engine).get_columns("quality_states")}


def _round_trip(engine) -> None:  # type: ignore[no-untyped-def]
    config = alembic_config()
    upgrade(engine)
    assert "generation" in _columns(engine)
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
        conn.commit()
    assert "generation" not in _columns(engine)
    upgrade(engine)
    assert "generation" in _columns(engine)
    default = next(c for c in inspect(engine).get_columns("quality_states") if c["name"] == "generation")[
        "default"
    ]
    assert "0" in str(default)  # rows refreshed before the upgrade read as generation 0


def test_sqlite_round_trip(tmp_path):
    _round_trip(make_engine(f"sqlite:///{tmp_path / 'round.db'}"))


def test_postgresql_round_trip():
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable at 127.0.0.1:5432")
        pytest.skip("PostgreSQL is not reachable")
    name = f"assay_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        _round_trip(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
