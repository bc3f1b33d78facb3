"""Engines for SQLite (WAL, foreign keys, BEGIN IMMEDIATE) and PostgreSQL, and session helpers."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = {"assay_read_only": True}


def _dump_json(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# JSON columns are read and written with orjson (several times faster than the standard library).
JSON_CODEC = {"json_serializer": _dump_json, "json_deserializer": orjson.loads}


def make_engine(url: str, *, pool_size: int = 40) -> Engine:
    """Create an engine with assay's connection settings for the backend named in ``url``."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max(pool_size // 4, 5),
        pool_recycle=1800,  # no per-checkout ping: it costs a round trip on every request
        # psycopg 3: server-side prepared statements after the first use of a query.
        connect_args={"prepare_threshold": 1} if "psycopg" in url else {},
        **JSON_CODEC,
    )


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **JSON_CODEC)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, issue BEGIN so that we can make it BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        # One writer at a time: taking the write lock up front avoids SQLITE_BUSY_SNAPSHOT when a
        # transaction that has read later writes. Read-only work opts out and runs beside writers.
        if conn.get_execution_options().get("assay_read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


_writer_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def writer_turn(engine: Engine) -> AbstractContextManager[object]:
    """Queue this thread behind the process's other SQLite writers (no-op on PostgreSQL).

    SQLite has one write lock; threads that meet it busy-wait in its busy handler, sleeping in growing
    steps, which turns a few ms of work into seconds of tail latency under load. Waiting on a Python lock
    first hands the database over the moment it is free. Other processes still meet the busy handler.
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _writer_locks.get(engine)
    if lock is None:
        lock = _writer_locks.setdefault(engine, threading.Lock())
    return lock


def is_sqlite(engine_or_conn) -> bool:  # type: ignore[no-untyped-def]
    """True when the engine or connection talks to SQLite."""
    return engine_or_conn.dialect.name == "sqlite"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to ``engine`` that keeps objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def read_only(engine: Engine) -> Iterator[Session]:
    """A session for long reads (exports) that never takes SQLite's write lock."""
    with Session(engine.execution_options(**READ_ONLY), expire_on_commit=False) as session, session.begin():
        yield session
