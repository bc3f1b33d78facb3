"""Bulk import and export rates, and their peak memory, through assay's service layer (and optionally HTTP).

    python benchmarks/ingest.py --db sqlite|postgresql|both --rows 1000000 [--http] [--profile DIR]

Writes a JSON-lines file of ``--rows`` text items with metadata, imports it into a fresh database with
``assay.services.items.import_records`` over ``assay.formats.iter_records``, labels a share of the items
(plain SQL, not measured), then exports every item with its annotations through
``assay.services.exports.iter_export_batches`` and ``jsonl_chunks`` / ``parquet_chunks`` into a file. Each
phase runs in its own process, so the peak resident memory reported (``ru_maxrss``) is that phase's alone.
``--http`` also uploads the file to ``POST /projects/{id}/items/import`` of a real server (peak memory is
the server's). Targets on PostgreSQL: >= 100,000 items/s import, >= 200,000 rows/s export, < 1 GiB.
"""

from __future__ import annotations

import os
import sys

# This folder holds queue.py, which must not shadow the standard ``queue`` module in the phase processes.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from common import (  # noqa: E402
    build_world,
    machine_note,
    markdown_table,
    new_secret,
    run_server,
    scratch_database,
    workdir,
)

GIB = 1024 * 1024  # in KiB, the unit of ru_maxrss on Linux
TARGETS = {"import": 100_000, "export": 200_000}


# --- the input file ---------------------------------------------------------------------------------


def generate(path: Path, rows: int) -> float:
    """Write ``rows`` distinct items as JSON lines (text plus metadata); returns seconds taken."""
    import orjson

    words = [
        "the", "service", "was", "quick", "and", "friendly", "but", "the", "food", "arrived", "cold", "and",
        "the", "bill", "was", "wrong", "again", "delivery", "courier", "parcel", "late", "early", "great",
        "awful", "fine", "support", "refund", "order", "app",
    ]
    started = time.perf_counter()
    with open(path, "wb") as out:
        lines = []
        for i in range(rows):
            text = " ".join(words[(i * 31 + k * 17) % len(words)] for k in range(8 + i % 17))
            lines.append(orjson.dumps({
                "text": f"#{i} {text}",
                "external_id": f"ext-{i}",
                "priority": i % 5,
                "meta": {"source": "benchmark", "lang": "en", "batch": i // 10_000, "score": (i % 97) / 97},
            }, option=orjson.OPT_APPEND_NEWLINE))
            if len(lines) >= 10_000:
                out.write(b"".join(lines))
                lines.clear()
        out.write(b"".join(lines))
    return time.perf_counter() - started


# --- phases, each in its own process ----------------------------------------------------------------


def _maxrss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


TICK = os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    """CPU seconds (user + system, every thread) of this process so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _backend_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the benchmark database (from /proc)."""
    if not url.startswith("postgresql"):
        return {}
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,))]
    seconds = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        seconds[pid] = (int(fields[11]) + int(fields[12])) / TICK
    return seconds


class _Meter:
    """Wall time, this process's CPU time and the database backends' CPU time of one phase."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.backends = _backend_cpu(url)
        self.cpu = _own_cpu()
        self.started = time.perf_counter()

    def read(self) -> dict[str, float]:
        seconds = time.perf_counter() - self.started
        cpu = _own_cpu() - self.cpu
        after = _backend_cpu(self.url)  # backends the pool still holds; new ones count from zero
        db_cpu = sum(value - self.backends.get(pid, 0.0) for pid, value in after.items())
        return {"seconds": seconds, "cpu_s": round(cpu, 2), "db_cpu_s": round(db_cpu, 2)}


def _context(url: str, project_id: int) -> tuple[Any, Any, Any]:
    from sqlalchemy.orm import Session

    from assay.db import make_engine
    from assay.db.models import Project
    from assay.security.policies import Actor

    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        project = session.get(Project, project_id)
        actor = Actor(user_id=project.created_by, org_id=project.org_id, role="owner")
    return engine, project, actor


def phase_import(url: str, project_id: int, file: Path) -> dict[str, Any]:
    from sqlalchemy.orm import Session

    from assay.formats import iter_records
    from assay.services.items import import_records

    engine, project, actor = _context(url, project_id)
    baseline = _maxrss_kib()
    meter = _Meter(url)
    with Session(engine, expire_on_commit=False) as session:
        report = import_records(session=session, actor=actor, project=project, records=iter_records(file, "jsonl"))
    return {"rows": report.rows, "created": report.created, **meter.read(), "baseline_kib": baseline}


def phase_export(url: str, project_id: int, file: Path, fmt: str) -> dict[str, Any]:
    from assay.services import exports

    engine, _, _ = _context(url, project_id)
    baseline = _maxrss_kib()
    meter = _Meter(url)
    rows = 0
    with open(file, "wb") as out:
        for chunk in exports.export_chunks(engine=engine, project_id=project_id, fmt=fmt):
            out.write(chunk)
            if fmt == "jsonl":
                rows += chunk.count(b"\n")
    measured = meter.read()
    if fmt == "parquet":
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(file).metadata.num_rows
    return {"rows": rows, "bytes": file.stat().st_size, **measured, "baseline_kib": baseline}


def run_phase(args: argparse.Namespace) -> None:
    """Entry point of a phase process: prints one JSON line with the result and the peak memory."""
    run = (lambda: phase_import(args.url, args.project, args.file)) if args.phase == "import" else (
        lambda: phase_export(args.url, args.project, args.file, args.phase.removeprefix("export-")))
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        result = profiler.runcall(run)
        stats_path = args.profile / f"{args.phase}-{args.db_kind}.prof"
        profiler.dump_stats(stats_path)
        with open(stats_path.with_suffix(".txt"), "w") as out:
            stats = pstats.Stats(str(stats_path), stream=out)
            stats.sort_stats("tottime").print_stats(30)
            stats.sort_stats("cumulative").print_stats(40)
    else:
        result = run()
    result["maxrss_kib"] = _maxrss_kib()
    print("ASSAY_PHASE " + json.dumps(result))


def spawn(phase: str, url: str, project_id: int, file: Path, db: str, profile: Path | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--phase", phase, "--url", url, "--project", str(project_id),
               "--file", str(file), "--db-kind", db]
    if profile:
        command += ["--profile", str(profile)]
    done = subprocess.run(command, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("ASSAY_PHASE "):
            return json.loads(line.removeprefix("ASSAY_PHASE "))
    raise RuntimeError(f"phase {phase} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")


# --- orchestration ----------------------------------------------------------------------------------


def new_project(url: str, owner_id: int, org_id: int, name: str) -> int:
    from common import SENTIMENT_SCHEMA
    from sqlalchemy.orm import Session

    from assay.db import make_engine
    from assay.security.policies import Actor
    from assay.services import projects

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            actor = Actor(user_id=owner_id, org_id=org_id, role="owner")
            return projects.create_project(session=session, actor=actor,
                                           data={"name": name, "label_schema": SENTIMENT_SCHEMA}).id
    finally:
        engine.dispose()


def analyze(url: str) -> None:
    """Refresh planner statistics after the import (the product does not, yet: see README)."""
    from sqlalchemy import text

    from assay.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()


def annotate(url: str, project_id: int, user_id: int, every: int) -> int:
    """Give every ``every``-th item one annotation, in plain SQL, so exports carry nested annotations."""
    from datetime import UTC, datetime

    from sqlalchemy import bindparam, text
    from sqlalchemy.types import DateTime

    from assay.db import make_engine

    engine = make_engine(url)
    value = "CAST(:value AS jsonb)" if engine.dialect.name == "postgresql" else ":value"
    statement = text(
        "INSERT INTO annotations (project_id, item_id, user_id, value, schema_version, lead_seconds, created_at) "
        f"SELECT project_id, id, :u, {value}, 1, 2.5, :created FROM items WHERE project_id = :p AND id % :every = 0"
    ).bindparams(bindparam("created", type_=DateTime(timezone=True)))
    try:
        with engine.begin() as conn:
            return conn.execute(statement, {"u": user_id, "p": project_id, "every": every, "created": datetime.now(UTC),
                                            "value": '{"sentiment": "positive"}'}).rowcount
    finally:
        engine.dispose()


def http_import(url: str, secret: str, home: Path, token: str, project_id: int, file: Path) -> dict[str, Any]:
    import httpx

    with run_server(url, secret, home) as server:
        def body():  # type: ignore[no-untyped-def]
            with open(file, "rb") as source:
                while chunk := source.read(1 << 20):
                    yield chunk

        started = time.perf_counter()
        response = httpx.post(f"{server.base}/api/v1/projects/{project_id}/items/import?format=jsonl",
                              content=body(), headers={"Authorization": f"Bearer {token}",
                                                       "Content-Type": "application/x-ndjson"}, timeout=1800)
        seconds = time.perf_counter() - started
        response.raise_for_status()
        peaks = server.rss_peaks_kib()
    report = response.json()
    return {"rows": report["rows"], "created": report["created"], "seconds": seconds, "maxrss_kib": max(peaks.values())}


def run_db(db: str, args: argparse.Namespace, source: Path, home: Path) -> list[list[Any]]:
    secret = new_secret()
    rows: list[list[Any]] = []
    with scratch_database(db, home, "ingest") as url:
        world = build_world(url, secret, annotators=0)

        def add(phase: str, result: dict[str, Any], unit: str, target: int | None) -> None:
            rate = result["rows"] / result["seconds"]
            peak = result["maxrss_kib"]
            ok = (target is None or db != "postgresql" or rate >= target) and peak < GIB
            rows.append([db, phase, f"{result['rows']:,}", f"{result['seconds']:.1f}", f"{rate:,.0f} {unit}",
                         f"{peak / 1024:,.0f} MiB", "yes" if ok else "**no**"])
            print(f"  {db} {phase}: {json.dumps(result)}", file=sys.stderr)

        result = spawn("import", url, world.project_id, source, db, args.profile)
        add("import (service)", result, "items/s", TARGETS["import"])
        if args.http:
            project_id = new_project(url, world.owner_id, world.org_id, "bench-http")
            result = http_import(url, secret, home, world.owner_token, project_id, source)
            add("import (HTTP upload)", result, "items/s", None)
        if args.analyze:
            analyze(url)
        labeled = annotate(url, world.project_id, world.owner_id, args.annotate_every)
        print(f"  {db}: {labeled:,} items given an annotation", file=sys.stderr)
        for fmt in args.formats.split(","):
            result = spawn(f"export-{fmt}", url, world.project_id, home / f"export.{fmt}", db, args.profile)
            add(f"export ({fmt}, {result['bytes'] / 1e6:,.0f} MB)", result, "rows/s", TARGETS["export"])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="jsonl,parquet", help="export formats, comma-separated")
    parser.add_argument("--annotate-every", type=int, default=10, help="every N-th item gets one annotation")
    parser.add_argument("--analyze", action="store_true", help="run ANALYZE after the import, before exporting")
    parser.add_argument("--http", action="store_true", help="also import through the HTTP upload endpoint")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="cProfile each phase into DIR (slower)")
    # Internal: run one phase in this process.
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--project", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db-kind", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        run_phase(args)
        return 0
    if args.profile:
        args.profile = args.profile.resolve()
        args.profile.mkdir(parents=True, exist_ok=True)
    table: list[list[Any]] = []
    with workdir("assay-bench-ingest-") as home:
        source = home / "items.jsonl"
        seconds = generate(source, args.rows)
        print(f"generated {args.rows:,} rows ({source.stat().st_size / 1e6:,.0f} MB) in {seconds:.1f} s",
              file=sys.stderr)
        for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
            print(f"running {db}…", file=sys.stderr)
            table += run_db(db, args, source, home)
    headers = ["database", "phase", "rows", "seconds", "rate", "peak RSS", "meets target"]
    print(f"Ingest: {args.rows:,} rows{', ANALYZE after the import' if args.analyze else ''}; {machine_note()}\n")
    print(markdown_table(headers, table))
    print(f"\nTargets (PostgreSQL): import >= {TARGETS['import']:,} items/s, export >= {TARGETS['export']:,} rows/s; "
          "peak RSS < 1 GiB everywhere.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
