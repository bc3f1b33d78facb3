"""Labeling-queue throughput of a real assay server, driven by ``wrk`` with one annotator per connection.

    python benchmarks/queue.py --db sqlite|postgresql|both --annotators 32 --seconds 15 --items 20000 --overlap 3

For each backend (and each PostgreSQL worker count) it builds a fresh database with one project, ``--items`` text
items and ``--annotators`` members with API tokens, starts ``uvicorn`` (uvloop, httptools, no access log), measures
``GET /api/v1/health`` as the HTTP ceiling, then loops every annotator through "submit and get next" with
``queue.lua``, and finally checks the queue's invariants in the database. ``--py-spy DIR`` samples the server
during the measured run and writes folded stacks plus a summary of where the time went.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder leads sys.path, and this file would shadow the standard ``queue`` module.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE] + [_HERE]

import argparse  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
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

QUEUE_LUA = Path(_HERE) / "queue.lua"
CEILING_LUA = Path(_HERE) / "ceiling.lua"
WRK_INSTALL = "wrk is not installed: `apt-get update && apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`."


@dataclass
class Result:
    db: str
    workers: int
    ceiling: dict[str, Any]
    load: dict[str, Any]
    annotations: int
    checks: dict[str, int]
    setup_s: float
    cpu: dict[str, float]  # CPU seconds spent during the measured run: server, database, wrk


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int], system_only: bool = False) -> float:
    """User + system (or system only) CPU time of processes, from /proc (processes that are gone count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[12]) if system_only else int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def server_pids(server: Any) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [server.pid, *(int(p) for p in children.read_text().split())]


def backend_pids(url: str) -> list[int]:
    """PostgreSQL backends connected to the benchmark database (none for SQLite: it runs in the server)."""
    if not url.startswith("postgresql"):
        return []
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                            (name,)).fetchall()
    return [row[0] for row in rows]


def wrk(script: Path, url: str, *, threads: int, connections: int, seconds: float, args: list[str] = ()) -> dict:
    """Run wrk with ``script`` and return the JSON line its ``done()`` printed."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{round(seconds)}s", "--timeout", "10s",
               "-s", str(script), url]
    if args:
        command += ["--", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    output = done.stdout
    if done.returncode:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    for line in output.splitlines():
        if line.startswith("ASSAY_RESULT "):
            return json.loads(line.removeprefix("ASSAY_RESULT "))
    raise RuntimeError(f"wrk printed no result:\n{output}")


# Every check counts rows that break an invariant; all must be 0.
CHECKS = {
    "over_assigned": """
        SELECT count(*) FROM (SELECT item_id FROM assignments WHERE project_id = :p AND status IN ('submitted', 'leased')
                              GROUP BY item_id HAVING count(*) > :overlap) s""",
    "duplicate_pairs": """
        SELECT count(*) FROM (SELECT item_id, user_id FROM assignments WHERE project_id = :p
                              GROUP BY item_id, user_id HAVING count(*) > 1) s""",
    "duplicate_annotations": """
        SELECT count(*) FROM (SELECT item_id, user_id FROM annotations WHERE project_id = :p
                              GROUP BY item_id, user_id HAVING count(*) > 1) s""",
    "n_done_mismatch": """
        SELECT count(*) FROM items i LEFT JOIN (SELECT item_id, count(*) AS n FROM annotations WHERE project_id = :p
                                                GROUP BY item_id) a ON a.item_id = i.id
        WHERE i.project_id = :p AND i.n_done <> coalesce(a.n, 0)""",
    "n_leased_mismatch": """
        SELECT count(*) FROM items i LEFT JOIN (SELECT item_id, count(*) AS n FROM assignments
                                                WHERE project_id = :p AND status = 'leased' GROUP BY item_id) a
          ON a.item_id = i.id
        WHERE i.project_id = :p AND i.n_leased <> coalesce(a.n, 0)""",
    "complete_mismatch": """
        SELECT count(*) FROM items WHERE project_id = :p
          AND (CASE WHEN complete THEN 1 ELSE 0 END) <> (CASE WHEN n_done >= :overlap THEN 1 ELSE 0 END)""",
    "over_labeled": "SELECT count(*) FROM items WHERE project_id = :p AND n_done > :overlap",
}


def warm_up(base: str, project_id: int, tokens: list[str], cycles: int = 2) -> None:
    """Each annotator takes a task and submits it ``cycles`` times, one request at a time."""
    import urllib.request

    def post(path: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(f"{base}{path}", data=data, method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    for token in tokens:
        task = post(f"/api/v1/projects/{project_id}/tasks/next", token).get("task")
        for _ in range(cycles):
            if task is None:
                break
            answer = {"value": {"sentiment": "positive"}, "next": True}
            task = post(f"/api/v1/projects/{project_id}/tasks/{task['lease_id']}/submit", token, answer).get("task")


def analyze(url: str) -> None:
    """Refresh planner statistics after the bulk import (the product does not, yet: see README)."""
    from sqlalchemy import text

    from assay.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()


def count_annotations(url: str, project_id: int) -> int:
    from sqlalchemy import text

    from assay.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM annotations WHERE project_id = :p"),
                                {"p": project_id}).scalar_one()
    finally:
        engine.dispose()


def verify(url: str, project_id: int, overlap: int) -> dict[str, int]:
    """Count invariant violations (over-assignment, duplicate pairs, counters out of step)."""
    from sqlalchemy import text

    from assay.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {name: conn.execute(text(sql), {"p": project_id, "overlap": overlap}).scalar_one()
                    for name, sql in CHECKS.items()}
    finally:
        engine.dispose()


def py_spy(pid: int, seconds: float, out: Path, binary: str) -> subprocess.Popen[bytes]:
    """Sample the server (and its workers) without pausing it; folded stacks go to ``out``."""
    return subprocess.Popen(
        # --gil: only samples that hold the GIL, i.e. where Python spends CPU (waits on the database drop out).
        [binary, "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--gil", "--rate", "250",
         "--duration", str(int(seconds)), "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )


def summarize_folded(path: Path, top: int = 25) -> str:
    """Self and inclusive sample shares per function, from py-spy's folded stacks."""
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"{total} samples", "", "self %  function"]
    lines += [f"{100 * n / total:5.1f}  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "incl %  function (assay, sqlalchemy, fastapi, starlette, pydantic, psycopg, sqlite)"]
    interesting = ("assay", "sqlalchemy", "fastapi", "starlette", "pydantic", "psycopg", "sqlite", "anyio")
    picked = [(f, n) for f, n in inclusive.most_common() if any(k in f for k in interesting)]
    lines += [f"{100 * n / total:5.1f}  {frame}" for frame, n in picked[:top * 2]]
    return "\n".join(lines)


def run_one(db: str, workers: int, args: argparse.Namespace) -> Result:
    secret = new_secret()
    with workdir(f"assay-bench-queue-{db}-") as home, scratch_database(db, home, f"queue_w{workers}") as url:
        started = time.monotonic()
        world = build_world(url, secret, annotators=args.annotators, overlap=args.overlap, items=args.items)
        setup_s = time.monotonic() - started
        if args.analyze:
            analyze(url)
        tokens = home / "tokens.txt"
        tokens.write_text("\n".join(world.annotator_tokens) + "\n")
        n = args.annotators
        env = dict(item.split("=", 1) for item in args.server_env)
        with run_server(url, secret, home, workers=workers, app=args.app, extra_env=env) as server:
            ceiling = wrk(CEILING_LUA, server.base, threads=n, connections=n, seconds=min(args.seconds, 10))
            # Warm caches and prepared statements with a few sequential cycles (left out of the rate). Not
            # with wrk: requests it abandons at its end would still be running when the measured run starts.
            warm_up(server.base, world.project_id, world.annotator_tokens)
            queue_args = [str(world.project_id), str(tokens)]
            before = count_annotations(url, world.project_id)
            profiler = None
            if args.py_spy:
                args.py_spy.mkdir(parents=True, exist_ok=True)
                folded = args.py_spy / f"queue-{db}-w{workers}.folded"
                profiler = py_spy(server.pid, args.seconds, folded, args.py_spy_bin)
            pids = server_pids(server)
            backends = backend_pids(url)
            cpu_before = (cpu_seconds(pids), cpu_seconds(backends), resource.getrusage(resource.RUSAGE_CHILDREN),
                          cpu_seconds(pids, system_only=True))
            load = wrk(QUEUE_LUA, server.base, threads=n, connections=n, seconds=args.seconds, args=queue_args)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = {
                "server": cpu_seconds(pids) - cpu_before[0],
                "server_system": cpu_seconds(pids, system_only=True) - cpu_before[3],
                # Backends opened during the run started from zero; closed ones are lost (the pool keeps them).
                "database": cpu_seconds(backend_pids(url)) - cpu_before[1],
                "wrk": (children.ru_utime + children.ru_stime) - (cpu_before[2].ru_utime + cpu_before[2].ru_stime),
            }
            if profiler is not None:
                profiler.wait(timeout=60)
            time.sleep(0.5)  # let in-flight requests finish before counting
            annotations = count_annotations(url, world.project_id) - before
        checks = verify(url, world.project_id, args.overlap)
        if profiler is not None and folded.exists():
            summary = summarize_folded(folded)
            (args.py_spy / f"queue-{db}-w{workers}.txt").write_text(summary + "\n")
            print(f"\n## py-spy, {db}, {workers} worker(s)\n\n```\n{summary}\n```\n", file=sys.stderr)
    return Result(db, workers, ceiling, load, annotations, checks, setup_s, cpu)


def ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def report(results: list[Result], args: argparse.Namespace) -> str:
    headers = ["database", "workers", "ceiling req/s (health)", "ceiling p50 / p99 ms", "annotations/s",
               "p50 ms", "p95 ms", "p99 ms", "max ms", "CPU ms/annotation: server + db", "non-2xx",
               "over-assigned", "other violations"]
    rows = []
    for r in results:
        other = sum(v for k, v in r.checks.items() if k != "over_assigned")
        rows.append([
            r.db, r.workers, f"{r.ceiling['requests'] / r.ceiling['seconds']:,.0f}",
            f"{ms(r.ceiling['p50'])} / {ms(r.ceiling['p99'])}", f"{r.annotations / r.load['seconds']:,.0f}",
            ms(r.load["p50"]), ms(r.load["p95"]), ms(r.load["p99"]), ms(r.load["max"]),
            f"{1000 * r.cpu['server'] / max(r.annotations, 1):.2f} + {1000 * r.cpu['database'] / max(r.annotations, 1):.2f}",
            r.load["non_2xx"] + r.load["socket_errors"], r.checks["over_assigned"],
            other if other == 0 else json.dumps({k: v for k, v in r.checks.items() if v}),
        ])
    app = "" if args.app == "assay.api.app:factory" else f", app {args.app} {' '.join(args.server_env)}"
    title = (f"Queue: {args.annotators} annotators (one wrk connection each), {args.seconds:g} s, "
             f"{args.items:,} items, overlap {args.overlap}{', ANALYZE after loading' if args.analyze else ''}{app}; "
             f"{machine_note()}")
    note = ("CPU ms/annotation is CPU time (from /proc) of the uvicorn processes and of the PostgreSQL backends over "
            "the measured run, divided by annotations: it does not depend on how busy the machine was.")
    return f"{title}\n\n{markdown_table(headers, rows)}\n\n{note}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--annotators", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--overlap", type=int, default=3)
    parser.add_argument("--pg-workers", default="1,2", help="PostgreSQL worker counts to try, comma-separated")
    parser.add_argument("--sqlite-workers", default="1", help="SQLite worker counts (more than 1 contends)")
    parser.add_argument("--analyze", action="store_true",
                        help="run ANALYZE after loading the items, before the server starts")
    parser.add_argument("--app", default="assay.api.app:factory",
                        help="uvicorn app factory to serve, to A/B a candidate change kept outside src/")
    parser.add_argument("--server-env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment for the server (e.g. PYTHONPATH for --app)")
    parser.add_argument("--py-spy", type=Path, metavar="DIR", help="profile the server into DIR with py-spy")
    parser.add_argument("--py-spy-bin", default=shutil.which("py-spy") or "py-spy")
    args = parser.parse_args()
    if args.seconds > 20:
        parser.error("keep load runs bounded: --seconds 20 at most")
    if shutil.which("wrk") is None:
        print(WRK_INSTALL, file=sys.stderr)
        return 1
    plan = []
    if args.db in ("sqlite", "both"):
        plan += [("sqlite", int(w)) for w in args.sqlite_workers.split(",")]
    if args.db in ("postgresql", "both"):
        plan += [("postgresql", int(w)) for w in args.pg_workers.split(",")]
    results = []
    for db, workers in plan:
        print(f"running {db} with {workers} worker(s)…", file=sys.stderr)
        result = run_one(db, workers, args)
        print(f"  setup {result.setup_s:.1f} s; annotations {result.annotations}; wrk: {json.dumps(result.load)}; "
              f"CPU s: {json.dumps({k: round(v, 2) for k, v in result.cpu.items()})}; checks: {result.checks}",
              file=sys.stderr)
        results.append(result)
    print(report(results, args))
    failed = any(any(r.checks.values()) for r in results)
    return 2 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
