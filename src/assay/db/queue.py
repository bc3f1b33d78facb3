"""The queue's SQL: leasing, finishing and reclaiming items, correct under concurrency and fast.

PostgreSQL does each step as one statement (data-modifying CTEs, ``FOR UPDATE SKIP LOCKED``), so a
"submit and get next" cycle costs a handful of round trips. SQLite runs the same steps one statement at a
time inside ``BEGIN IMMEDIATE``, which already serialises writers.

Invariant kept by every function here, in the caller's transaction: for each item,
``n_done`` = its submitted annotations through the queue, ``n_leased`` = its leases in status ``leased``,
``n_done + n_leased <= overlap + extra_overlap`` whenever a lease is handed out, and ``complete`` =
``n_done >= overlap + extra_overlap``. ``extra_overlap`` is the per-item top-up of dynamic overlap (0 unless
consensus is unsure). Two quality exceptions: a gold item stays ``complete`` (out of the regular pool; the
queue hands gold out separately, once per person), hence ``complete OR ...`` on submit; and a review that
rejects an annotation turns its assignment to ``rejected`` and takes it out of ``n_done`` (services/review).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, DateTime, bindparam, text

ORDERS = {"priority": "i.priority DESC, i.id", "random": "i.sort_key"}


@dataclass(frozen=True, slots=True)
class Lease:
    """A lease handed to an annotator, with the item's payload."""

    id: int
    item_id: int
    expires_at: float
    payload: dict[str, Any]


def _payload(value: Any) -> dict[str, Any]:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _typed(sql: str) -> Any:
    return text(sql).bindparams(bindparam("created", type_=DateTime(timezone=True)))


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _user_lock_key(project_id: int, user_id: int) -> int:
    return zlib.crc32(f"lease:{project_id}:{user_id}".encode())


def psycopg_style(sql: str) -> str:
    """The same SQL with ``:name`` parameters written as psycopg's ``%(name)s`` (``::`` casts kept)."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql.replace("%", "%%"))


# --- reclaiming expired leases -------------------------------------------------------------------

_REAP_PG = text("""
WITH r AS (
  UPDATE assignments SET status = 'expired', finished_at = :now
  WHERE id IN (
    SELECT id FROM assignments
    WHERE project_id = :p AND status = 'leased' AND expires_at <= :now
      AND pg_try_advisory_xact_lock(:lock)
    ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
  RETURNING item_id
), c AS (SELECT item_id, count(*) AS n FROM r GROUP BY item_id)
UPDATE items SET n_leased = items.n_leased - c.n FROM c WHERE items.id = c.item_id
""")


def reap_expired(conn: Connection, *, project_id: int, now: float) -> int:
    """Return expired leases of a project to the pool; the number of items touched."""
    if _pg(conn):
        lock = zlib.crc32(f"reap:{project_id}".encode())
        return conn.execute(_REAP_PG, {"p": project_id, "now": now, "lock": lock}).rowcount
    rows = conn.execute(
        text(
            "UPDATE assignments SET status = 'expired', finished_at = :now "
            "WHERE project_id = :p AND status = 'leased' AND expires_at <= :now RETURNING item_id"
        ),
        {"p": project_id, "now": now},
    ).fetchall()
    counts: dict[int, int] = {}
    for (item_id,) in rows:
        counts[item_id] = counts.get(item_id, 0) + 1
    if counts:
        conn.execute(
            text("UPDATE items SET n_leased = n_leased - :n WHERE id = :i"),
            [{"n": n, "i": i} for i, n in counts.items()],
        )
    return len(counts)


# --- handing out leases --------------------------------------------------------------------------

_CURRENT = """
SELECT a.id, a.item_id, a.expires_at, i.payload FROM assignments a JOIN items i ON i.id = a.item_id
WHERE a.project_id = :p AND a.user_id = :u AND a.status = 'leased' AND a.expires_at > :now
ORDER BY a.id LIMIT 1
"""

_CANDIDATES = """
SELECT i.id FROM items i
WHERE i.project_id = :p AND {open} AND i.n_done + i.n_leased < :overlap + i.extra_overlap
  AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id AND a.user_id = :u)
ORDER BY {order} LIMIT 1
"""

_LEASE_PG = """
WITH pick AS ({candidates} FOR UPDATE SKIP LOCKED),
upd AS (
  UPDATE items SET n_leased = items.n_leased + 1 FROM pick WHERE items.id = pick.id
  RETURNING items.id, items.payload
),
ins AS (
  INSERT INTO assignments (project_id, item_id, user_id, status, leased_at, expires_at)
  SELECT :p, upd.id, :u, 'leased', :now, :exp FROM upd
  RETURNING id, item_id, expires_at
)
SELECT ins.id, ins.item_id, ins.expires_at, upd.payload FROM ins JOIN upd ON upd.id = ins.item_id
"""


def lock_annotator(conn: Connection, *, project_id: int, user_id: int) -> None:
    """Serialise one annotator's queue calls in a project (a double click must not take two leases)."""
    if _pg(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _user_lock_key(project_id, user_id)})


def current_lease(conn: Connection, *, project_id: int, user_id: int, now: float) -> Lease | None:
    """The annotator's unexpired lease in this project, if any."""
    row = conn.execute(text(_CURRENT), {"p": project_id, "u": user_id, "now": now}).first()
    return Lease(row[0], row[1], row[2], _payload(row[3])) if row else None


def lease_next(
    conn: Connection, *, project_id: int, user_id: int, overlap: int, order: str, now: float, expires: float
) -> Lease | None:
    """Lease the first open item this annotator has never been given; None when there is none."""
    open_clause = "i.complete = 0" if not _pg(conn) else "NOT i.complete"
    candidates = _CANDIDATES.format(open=open_clause, order=ORDERS[order])
    params = {"p": project_id, "u": user_id, "overlap": overlap, "now": now, "exp": expires}
    if _pg(conn):
        row = conn.execute(text(_LEASE_PG.format(candidates=candidates)), params).first()
        return Lease(row[0], row[1], row[2], _payload(row[3])) if row else None
    picked = conn.execute(text(candidates), params).first()
    if picked is None:
        return None
    return take_item(
        conn, project_id=project_id, user_id=user_id, item_id=picked[0], now=now, expires=expires
    )


def take_item(
    conn: Connection, *, project_id: int, user_id: int, item_id: int, now: float, expires: float
) -> Lease:
    """Lease an item the caller has already picked (and, on SQLite, holds the write lock for)."""
    payload = conn.execute(
        text("UPDATE items SET n_leased = n_leased + 1 WHERE id = :i RETURNING payload"), {"i": item_id}
    ).scalar_one()
    lease_id = conn.execute(
        text(
            "INSERT INTO assignments (project_id, item_id, user_id, status, leased_at, expires_at) "
            "VALUES (:p, :i, :u, 'leased', :now, :exp) RETURNING id"
        ),
        {"p": project_id, "i": item_id, "u": user_id, "now": now, "exp": expires},
    ).scalar_one()
    return Lease(lease_id, item_id, expires, _payload(payload))


# --- finishing leases ----------------------------------------------------------------------------

_SUBMIT_PG = _typed("""
WITH a AS (
  UPDATE assignments SET status = 'submitted', finished_at = :now
  WHERE id = :lease AND user_id = :u AND project_id = :p AND status = 'leased'
  RETURNING id, item_id, leased_at
), i AS (
  UPDATE items SET n_leased = items.n_leased - 1, n_done = items.n_done + 1,
                   complete = items.complete OR items.n_done + 1 >= :overlap + items.extra_overlap
  FROM a WHERE items.id = a.item_id RETURNING items.id
), ins AS (
  INSERT INTO annotations (project_id, item_id, user_id, assignment_id, value, schema_version,
                           lead_seconds, idempotency_key, created_at)
  SELECT :p, a.item_id, :u, a.id, CAST(:value AS jsonb), :sv, :now - a.leased_at, :key, :created FROM a
  RETURNING id, item_id, lead_seconds
), au AS (
  INSERT INTO audit_events (org_id, actor_id, action, object_type, object_id, ip, user_agent, details, created_at)
  SELECT :org, :u, 'annotation.create', 'annotation', CAST(ins.id AS varchar), :ip, :agent,
         jsonb_build_object('item_id', ins.item_id, 'lease_id', :lease), :created FROM ins
)
SELECT ins.id, ins.item_id, ins.lead_seconds, (SELECT count(*) FROM i) FROM ins
""")


@dataclass(frozen=True, slots=True)
class Submitted:
    """The annotation a submit created."""

    annotation_id: int
    item_id: int
    lead_seconds: float


def submit_leased(
    conn: Connection,
    *,
    lease_id: int,
    project_id: int,
    user_id: int,
    org_id: int,
    overlap: int,
    value: dict[str, Any],
    schema_version: int,
    key: str | None,
    now: float,
    created: datetime,
    ip: str | None,
    agent: str | None,
) -> Submitted | None:
    """Turn a lease in status ``leased`` into an annotation (plus audit row); None when not leased."""
    params = {
        "lease": lease_id,
        "p": project_id,
        "u": user_id,
        "org": org_id,
        "overlap": overlap,
        "value": orjson.dumps(value).decode(),
        "sv": schema_version,
        "key": key,
        "now": now,
        "created": created,
        "ip": ip,
        "agent": agent,
    }
    if _pg(conn):
        row = conn.execute(_SUBMIT_PG, params).first()
        return Submitted(row[0], row[1], row[2]) if row else None
    row = conn.execute(
        text(
            "UPDATE assignments SET status = 'submitted', finished_at = :now "
            "WHERE id = :lease AND user_id = :u AND project_id = :p AND status = 'leased' "
            "RETURNING item_id, leased_at"
        ),
        params,
    ).first()
    if row is None:
        return None
    item_id, leased_at = row
    conn.execute(
        text(
            "UPDATE items SET n_leased = n_leased - 1, n_done = n_done + 1, "
            "complete = (complete OR n_done + 1 >= :overlap + extra_overlap) WHERE id = :i"
        ),
        {"i": item_id, "overlap": overlap},
    )
    annotation_id = _insert_annotation(conn, params, item_id=item_id, lead=now - leased_at)
    _insert_audit(conn, params, annotation_id=annotation_id, item_id=item_id)
    return Submitted(annotation_id, item_id, now - leased_at)


_ANNOTATION_SQL = (
    "INSERT INTO annotations (project_id, item_id, user_id, assignment_id, value, schema_version, "
    "lead_seconds, idempotency_key, created_at) "
    "VALUES (:p, :i, :u, :lease, {value}, :sv, :lead, :key, :created) RETURNING id"
)
_AUDIT_SQL = (
    "INSERT INTO audit_events (org_id, actor_id, action, object_type, object_id, ip, user_agent, details, "
    "created_at) VALUES (:org, :u, 'annotation.create', 'annotation', :obj, :ip, :agent, {details}, :created)"
)
# JSON arrives as text; PostgreSQL needs it cast to jsonb, SQLite stores the text as it is.
_INSERT_ANNOTATION = {
    "sqlite": _typed(_ANNOTATION_SQL.format(value=":value")),
    "postgresql": _typed(_ANNOTATION_SQL.format(value="CAST(:value AS jsonb)")),
}
_INSERT_AUDIT = {
    "sqlite": _typed(_AUDIT_SQL.format(details=":details")),
    "postgresql": _typed(_AUDIT_SQL.format(details="CAST(:details AS jsonb)")),
}


def _insert_annotation(conn: Connection, params: dict[str, Any], *, item_id: int, lead: float) -> int:
    stmt = _INSERT_ANNOTATION[conn.dialect.name]
    return conn.execute(stmt, {**params, "i": item_id, "lead": lead}).scalar_one()


def _insert_audit(conn: Connection, params: dict[str, Any], *, annotation_id: int, item_id: int) -> None:
    details = orjson.dumps({"item_id": item_id, "lease_id": params["lease"]}).decode()
    conn.execute(_INSERT_AUDIT[conn.dialect.name], {**params, "obj": str(annotation_id), "details": details})


def submit_reclaimed(
    conn: Connection, *, lease_id: int, item_id: int, overlap: int, params: dict[str, Any], lead: float
) -> int | None:
    """Accept work on a lease that expired and was reclaimed, if the item still has room; else None."""
    room = conn.execute(
        text(
            "UPDATE items SET n_done = n_done + 1, "
            "complete = (complete OR n_done + 1 >= :overlap + extra_overlap) WHERE id = :i "
            "AND n_done + n_leased < :overlap + extra_overlap RETURNING id"
        ),
        {"i": item_id, "overlap": overlap},
    ).first()
    if room is None:
        return None
    conn.execute(
        text("UPDATE assignments SET status = 'submitted', finished_at = :now WHERE id = :lease"),
        {"now": params["now"], "lease": lease_id},
    )
    full = {**params, "lease": lease_id}
    annotation_id = _insert_annotation(conn, full, item_id=item_id, lead=lead)
    _insert_audit(conn, full, annotation_id=annotation_id, item_id=item_id)
    return annotation_id


def release(conn: Connection, *, lease_id: int, user_id: int, project_id: int, now: float) -> int | None:
    """Give a leased item back (skip); it is not offered to this annotator again. Returns the item id."""
    row = conn.execute(
        text(
            "UPDATE assignments SET status = 'skipped', finished_at = :now "
            "WHERE id = :lease AND user_id = :u AND project_id = :p AND status = 'leased' RETURNING item_id"
        ),
        {"now": now, "lease": lease_id, "u": user_id, "p": project_id},
    ).first()
    if row is None:
        return None
    conn.execute(text("UPDATE items SET n_leased = n_leased - 1 WHERE id = :i"), {"i": row[0]})
    return row[0]


# --- PostgreSQL: a whole labeling step in one round trip -----------------------------------------
#
# ``step_pg`` calls the server-side function ``assay_labeling_step`` (migration 0006): the periodic sweep (when
# due), the annotator's advisory lock, the submit and the lease, as one call in autocommit mode, so one round
# trip and no BEGIN/COMMIT. Inside, each statement takes a fresh snapshot: the lock is held before the
# current lease is looked up (a double click cannot take two leases), and the submitted item is locked before
# the next one is picked (submit and lease in one statement could lock them the other way round, and two
# annotators doing that crosswise deadlock).

STEP_PG = (
    "SELECT * FROM assay_labeling_step(%(p)s, %(u)s, %(org)s, %(overlap)s, %(random)s, %(lock)s, %(reap_lock)s,"
    " %(lease)s, %(value)s, %(sv)s, %(key)s, %(now)s, %(exp)s, %(created)s, %(ip)s, %(agent)s, %(next)s)"
)
_SUBMIT_KEYS = ("lease", "value", "sv", "key", "created", "ip", "agent", "org")


@dataclass(frozen=True, slots=True)
class Cycle:
    """What one labeling step did: the annotation written (if a submit) and the lease handed out."""

    submitted: Submitted | None
    lease: tuple[int, int, float, str] | None  # id, item id, expires at, payload as JSON text


def step_args(
    *,
    project_id: int,
    user_id: int,
    order: str,
    params: dict[str, Any],
    submit: bool,
    then_next: bool,
    reap: bool,
) -> dict[str, Any]:
    """The parameters of one ``STEP_PG`` call (see ``step_pg``)."""
    args = {name: params.get(name) for name in _SUBMIT_KEYS} if submit else dict.fromkeys(_SUBMIT_KEYS)
    args.update(
        p=project_id,
        u=user_id,
        overlap=params["overlap"],
        random=order == "random",
        lock=_user_lock_key(project_id, user_id),
        reap_lock=zlib.crc32(f"reap:{project_id}".encode()) if reap else None,
        now=params["now"],
        exp=params["exp"],
        next=then_next or not submit,
    )
    return args


def cycle_of(row: Any) -> Cycle:
    """The ``Cycle`` in a row of ``STEP_PG``."""
    done = Submitted(row[0], row[1], row[2]) if row[0] is not None else None
    lease = (row[3], row[4], row[5], row[6]) if row[3] is not None else None
    return Cycle(done, lease)


def step_pg(
    pg: Any,
    *,
    project_id: int,
    user_id: int,
    order: str,
    params: dict[str, Any],
    submit: bool,
    then_next: bool,
    reap: bool,
) -> Cycle:
    """Submit and/or lease in one call on a psycopg connection in autocommit mode.

    ``params`` holds ``p u overlap now exp`` and, for a submit, ``lease value sv key created ip agent org``.
    A submit that finds no lease in status ``leased`` writes nothing and leases nothing (``submitted`` None).
    """
    args = step_args(
        project_id=project_id,
        user_id=user_id,
        order=order,
        params=params,
        submit=submit,
        then_next=then_next,
        reap=reap,
    )
    return cycle_of(pg.execute(STEP_PG, args).fetchone())
