"""Shared pieces of the benchmarks: throw-away databases, a labeling world, a real server, tables.

Everything here targets 127.0.0.1 only. PostgreSQL databases are named ``assay_bench_*`` and dropped on exit.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
SENTIMENT_SCHEMA: dict[str, Any] = {
    "inputs": [{"name": "text", "type": "text"}],
    "questions": [{"name": "sentiment", "kind": "single_choice", "options": ["positive", "negative", "neutral"]}],
}
REPO = Path(__file__).resolve().parent.parent


def new_secret() -> str:
    """A 48-character server secret."""
    return secrets.token_urlsafe(36)


# --- throw-away databases -------------------------------------------------------------------------


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


@contextlib.contextmanager
def scratch_database(kind: str, workdir: Path, tag: str) -> Iterator[str]:
    """A fresh, empty database (SQLite file under ``workdir`` or PostgreSQL ``assay_bench_<tag>_<pid>``)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'{tag}.db'}"
        return
    name = f"assay_bench_{tag}_{os.getpid()}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.format(name=name)
    finally:
        if os.environ.get("ASSAY_BENCH_KEEP") == "1":
            print(f"kept database {name} (ASSAY_BENCH_KEEP=1): drop it when done", file=sys.stderr)
        else:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards (kept when ASSAY_BENCH_KEEP=1, for post-mortems)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if os.environ.get("ASSAY_BENCH_KEEP") != "1":
            shutil.rmtree(path, ignore_errors=True)


# --- a labeling world: org, owner, annotators with tokens, one project -----------------------------


@dataclass
class World:
    """What the setup created: ids and the API tokens of the annotators."""

    org_id: int
    owner_id: int
    project_id: int
    owner_token: str
    annotator_tokens: list[str] = field(default_factory=list)


def build_world(url: str, secret: str, *, annotators: int, overlap: int = 1, items: int = 0) -> World:
    """Migrate ``url``, then create an org, a sentiment project, ``items`` text items and the annotators."""
    from sqlalchemy.orm import Session

    from assay.db import make_engine, upgrade
    from assay.formats import Record
    from assay.security.policies import Actor
    from assay.services import auth, orgs, projects
    from assay.services import items as item_service
    from assay.settings import Settings

    key = Settings(secret_key=secret, database_url=url).resolved_secret()
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            user = orgs.create_user(session=session, email="owner@bench.example", password="owner-password-123")
            org = orgs.create_org(session=session, name="bench", owner=user)
            owner = Actor(user_id=user.id, org_id=org.id, role="owner", email=user.email)
            _, owner_token = auth.create_token(session=session, key=key, actor=owner, name="bench")
            session.commit()
            project = projects.create_project(session=session, actor=owner, data={
                "name": "bench", "label_schema": SENTIMENT_SCHEMA, "overlap": overlap,
            })
            world = World(org.id, user.id, project.id, owner_token)
            if items:
                records = (Record(i + 1, {"text": f"benchmark item number {i}: {_words(i)}"}) for i in range(items))
                item_service.import_records(session=session, actor=owner, project=project, records=records)
            for n in range(annotators):
                # A fixed password skips generating one; hashing still costs a few ms per member.
                _, member, _ = orgs.add_member(session=session, actor=owner, email=f"annotator{n}@bench.example",
                                               role="annotator", password="annotator-password-123")
                actor = Actor(user_id=member.id, org_id=org.id, role="annotator", email=member.email)
                _, token = auth.create_token(session=session, key=key, actor=actor, name="bench")
                session.commit()
                world.annotator_tokens.append(token)
        return world
    finally:
        engine.dispose()


_VOCABULARY = [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
    "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "the",
    "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "service", "delivery", "was", "great", "awful",
    "fine", "slow", "fast", "cheap", "expensive", "friendly", "rude",
]


def _words(seed: int, n: int = 12) -> str:
    words = _VOCABULARY
    return " ".join(words[(seed * 7919 + k * 104729) % len(words)] for k in range(n))


# --- a real server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running uvicorn with assay; ``pid`` is the uvicorn master (workers are its children)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_peaks_kib(self) -> dict[int, int]:
        """VmHWM (peak resident memory, KiB) of the server process and its workers."""
        peaks = {}
        for pid in [self.pid, *_children(self.pid)]:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[pid] = int(line.split()[1])
        return peaks


def _children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    return []


@contextlib.contextmanager
def run_server(url: str, secret: str, home: Path, *, workers: int = 1, extra_env: dict[str, str] | None = None,
               app: str = "assay.api.app:factory") -> Iterator[Server]:
    """Start ``uvicorn --factory assay.api.app:factory`` (uvloop, httptools, no access log) and wait for it."""
    port = free_port()
    log = home / f"server-{port}.log"
    env = {**os.environ, "ASSAY_DATABASE_URL": url, "ASSAY_SECRET_KEY": secret, "ASSAY_HOME": str(home),
           "ASSAY_AUTO_MIGRATE": "0", **(extra_env or {})}
    command = [sys.executable, "-m", "uvicorn", "--factory", app, "--host", "127.0.0.1",
               "--port", str(port), "--loop", "uvloop", "--http", "httptools", "--no-access-log",
               "--workers", str(workers), "--log-level", "warning"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    server = Server(process, port, log)
    try:
        _wait_ready(server, workers)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_ready(server: Server, workers: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log.read_text()[-4000:]}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{server.base}/api/v1/health", timeout=2) as response:
                if response.status == 200 and (workers == 1 or len(_children(server.pid)) >= workers):
                    time.sleep(0.5 if workers == 1 else 2.0)  # let every worker finish importing
                    return
        time.sleep(0.2)
    raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{server.log.read_text()[-4000:]}")


# --- output ----------------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_note() -> str:
    """One line saying what the numbers were measured on."""
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPU(s), load average {load:.2f} at the end, Python {sys.version.split()[0]}"
