"""Apply Alembic migrations programmatically, safely when several processes start at once."""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
PG_LOCK_KEY = 0x61737361  # "assa": one advisory lock for schema changes


def alembic_config() -> Config:
    """An Alembic config pointing at assay's migration scripts."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database to ``revision``; concurrent callers wait for the first one."""
    config = alembic_config()
    if engine.dialect.name == "sqlite":
        lock_path = Path(engine.url.database or ".").with_suffix(".migrate.lock")
        with open(lock_path, "w") as lock, engine.connect() as conn:
            fcntl.flock(lock, fcntl.LOCK_EX)
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            conn.commit()
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            conn.commit()
