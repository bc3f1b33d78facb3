"""One consensus refresh per project at a time, across threads and processes, held outside any transaction.

A refresh computes for seconds on a large project; it must not hold a database transaction (on SQLite, the
write lock) meanwhile. PostgreSQL: a session-level advisory lock on a connection of its own in autocommit
mode (idle, not "idle in transaction"), released by the server if the process dies. SQLite: ``flock`` on a
small per-project file beside the database, which the kernel releases with the process; an in-memory
database has no file and no other process, so a thread lock does.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

_POLL = (0.02, 0.5)  # first and longest wait between tries, seconds
_thread_locks: dict[tuple[int, int], threading.Lock] = {}
_guard = threading.Lock()


def _key(project_id: int) -> int:
    return zlib.crc32(f"quality:{project_id}".encode())


@contextmanager
def refresh_lock(engine: Engine, project_id: int, *, timeout: float) -> Iterator[bool]:
    """Hold the project's refresh lock; yields False (holding nothing) when ``timeout`` seconds pass first."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, project_id, timeout) as held:
            yield held
        return
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file::memory:"):
        with _file_lock(Path(database), project_id, timeout) as held:
            yield held
        return
    with _thread_lock(engine, project_id, timeout) as held:
        yield held


def _wait(attempt: int) -> None:
    time.sleep(min(_POLL[1], _POLL[0] * 2**attempt))


@contextmanager
def _pg_lock(engine: Engine, project_id: int, timeout: float) -> Iterator[bool]:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        attempt = 0
        while not conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": _key(project_id)}):
            if time.monotonic() >= deadline:
                yield False
                return
            _wait(attempt)
            attempt += 1
        try:
            yield True
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _key(project_id)})


@contextmanager
def _file_lock(database: Path, project_id: int, timeout: float) -> Iterator[bool]:
    folder = database.with_name(database.name + ".locks")
    os.makedirs(folder, exist_ok=True)
    deadline = time.monotonic() + timeout
    # One open file per holder: flock belongs to the open file, so threads of one process exclude each other.
    with open(folder / f"quality-{project_id}.lock", "a+b") as handle:
        attempt = 0
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                _wait(attempt)
                attempt += 1
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def _thread_lock(engine: Engine, project_id: int, timeout: float) -> Iterator[bool]:
    with _guard:
        lock = _thread_locks.setdefault((id(engine), project_id), threading.Lock())
    if not lock.acquire(timeout=timeout):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()
