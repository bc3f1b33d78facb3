"""Storage layer: SQLAlchemy models, engines, migrations and the SQL that needs to be fast."""

from assay.db.engine import is_sqlite, make_engine, read_only, session_factory
from assay.db.migrate import upgrade

__all__ = ["is_sqlite", "make_engine", "read_only", "session_factory", "upgrade"]
