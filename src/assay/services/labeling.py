"""The labeling loop per request: what the API's queue routes call.

``serve_next``/``serve_submit``/``serve_skip`` resolve the caller and the project in one query and run the
reference loop (``assay.services.queue``). On PostgreSQL the common case takes two round trips instead (that
query, then one call of the ``assay_labeling_step`` function, both in autocommit mode), falling back to the
reference loop for anything unusual (a retry, a late submit, a clash, an empty pool, a project with gold or
qualification).
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import anyio
import orjson
from sqlalchemy import Engine

from assay.db import async_pg
from assay.db import queue as sql
from assay.db.engine import writer_turn
from assay.db.models import utcnow
from assay.errors import NotFound
from assay.security.policies import Actor
from assay.security.tokens import hash_token
from assay.services import auth
from assay.services.auth import Credentials, QueueProject
from assay.services.projects import cached_schema, remember_schema
from assay.services.queue import (
    AnnotationRow,
    SubmitResult,
    UseReference,
    check_can_label,
    lease_for,
    needs_payload,
    next_task,
    reap_due,
    skip,
    submit,
    submit_params,
)

# --- per request: what the API calls -------------------------------------------------------------


def task_body(lease: sql.Lease | None, project_id: int) -> dict[str, Any] | None:
    """The JSON shape of a task (``TaskPublic``); the payload may be pre-encoded JSON."""
    if lease is None:
        return None
    return {
        "lease_id": lease.id,
        "project_id": project_id,
        "expires_at": datetime.fromtimestamp(lease.expires_at, UTC),
        "item": {"id": lease.item_id, "payload": lease.payload},
    }


def _submit_body(result: SubmitResult, project_id: int) -> dict[str, Any]:
    a = result.annotation
    return {
        "annotation": {
            "id": a.id,
            "item_id": a.item_id,
            "user_id": a.user_id,
            "value": a.value,
            "schema_version": a.schema_version,
            "lead_seconds": a.lead_seconds,
            "created_at": a.created_at if a.created_at.tzinfo else a.created_at.replace(tzinfo=UTC),
        },
        "replayed": result.replayed,
        "task": task_body(result.next, project_id),
    }


def serve_next(
    engine: Engine,
    *,
    key: bytes,
    creds: Credentials,
    project_id: int,
    reap_interval: float,
    fast: bool = True,
) -> dict[str, Any]:
    """``POST tasks/next`` for one request: the caller's current or new task (``{"task": null}`` when done)."""
    if fast and engine.dialect.name == "postgresql":
        served = _cycle_pg(engine, key, creds, project_id, reap_interval)
        if served is not None:
            return {"task": task_body(served[1], project_id)}
    with writer_turn(engine), engine.connect() as conn:
        actor, project = auth.actor_for_project(conn, key=key, creds=creds, project_id=project_id)
        lease = next_task(conn=conn, actor=actor, project=project, reap_interval=reap_interval)
    return {"task": task_body(lease, project_id)}


def serve_submit(
    engine: Engine,
    *,
    key: bytes,
    creds: Credentials,
    project_id: int,
    lease_id: int,
    value: dict,
    idempotency_key: str | None,
    then_next: bool,
    reap_interval: float,
    fast: bool = True,
) -> dict[str, Any]:
    """``POST tasks/{lease}/submit`` for one request, optionally with the next task."""
    if fast and engine.dialect.name == "postgresql":
        work = (lease_id, value, idempotency_key, then_next)
        served = _cycle_pg(engine, key, creds, project_id, reap_interval, work)
        if served is not None:
            return _submit_body(served[0], project_id) | {"task": task_body(served[1], project_id)}
    with writer_turn(engine), engine.connect() as conn:
        actor, project = auth.actor_for_project(conn, key=key, creds=creds, project_id=project_id)
        result = submit(
            conn=conn,
            actor=actor,
            project=project,
            lease_id=lease_id,
            value=value,
            idempotency_key=idempotency_key,
            then_next=then_next,
            reap_interval=reap_interval,
        )
    return _submit_body(result, project_id)


async def serve_next_async(
    engine: Engine, *, key: bytes, creds: Credentials, project_id: int, reap_interval: float
) -> dict[str, Any] | None:
    """``serve_next``'s PostgreSQL fast path on the event loop; None: call ``serve_next(fast=False)``."""
    served = await cycle_pg_async(engine, key, creds, project_id, reap_interval)
    return None if served is None else {"task": task_body(served[1], project_id)}


async def serve_submit_async(
    engine: Engine,
    *,
    key: bytes,
    creds: Credentials,
    project_id: int,
    lease_id: int,
    value: dict,
    idempotency_key: str | None,
    then_next: bool,
    reap_interval: float,
) -> dict[str, Any] | None:
    """``serve_submit``'s PostgreSQL fast path on the event loop; None: call ``serve_submit(fast=False)``."""
    work = (lease_id, value, idempotency_key, then_next)
    served = await cycle_pg_async(engine, key, creds, project_id, reap_interval, work)
    if served is None:
        return None
    return _submit_body(served[0], project_id) | {"task": task_body(served[1], project_id)}


def serve_skip(
    engine: Engine,
    *,
    key: bytes,
    creds: Credentials,
    project_id: int,
    lease_id: int,
    then_next: bool,
    reap_interval: float,
) -> dict[str, Any]:
    """``POST tasks/{lease}/skip`` for one request, optionally with the next task."""
    with writer_turn(engine), engine.connect() as conn:
        actor, project = auth.actor_for_project(conn, key=key, creds=creds, project_id=project_id)
        lease = skip(
            conn=conn,
            actor=actor,
            project=project,
            lease_id=lease_id,
            then_next=then_next,
            reap_interval=reap_interval,
        )
    return {"task": task_body(lease, project_id)}


# --- PostgreSQL: the common case in two round trips (credentials, then one labeling step) ----------------------------------------------

_MEMBER_PROJECT_PG = {kind: sql.psycopg_style(query) for kind, query in auth.MEMBER_PROJECT_SQL.items()}
_SCHEMA_PG = (
    "SELECT CAST(definition AS text) FROM project_schemas WHERE project_id = %(p)s AND version = %(v)s"
)
_PAYLOAD_PG = sql.psycopg_style(
    "SELECT i.payload FROM assignments a JOIN items i ON i.id = a.item_id "
    "WHERE a.id = :lease AND a.user_id = :u AND a.project_id = :p"
)
_TOUCH_TOKEN_PG = sql.psycopg_style(auth.TOUCH_TOKEN_SQL) + " RETURNING id"  # every step query returns a row
_UNIQUE_VIOLATION = "23505"

# (lease id, value, idempotency key, then next) for a submit
Work = tuple[int, dict, str | None, bool]
# What a step generator yields: a query and its parameters; it is sent the first row back (None if none).
Query = tuple[str, dict[str, Any]]


@dataclass
class _Stepped:
    actor: Actor
    project: QueueProject
    params: dict[str, Any]
    value: dict | None
    cycle: sql.Cycle


def _steps(
    database: Any, key: bytes, creds: Credentials, project_id: int, reap_interval: float, work: Work | None
) -> Generator[Query, Any, _Stepped]:
    """One labeling step as the queries it needs, for a sync or an async driver; raises UseReference."""
    now_dt = utcnow()
    row = yield _MEMBER_PROJECT_PG[creds.kind], {"h": hash_token(creds.secret, key), "pid": project_id}
    actor, project, stale = auth.member_and_project(row, creds, project_id, now_dt)
    check_can_label(actor, project)
    if project.quality:
        raise UseReference
    if stale:
        yield _TOUCH_TOKEN_PG, {"now": now_dt, "id": actor.token_id}
    params: dict[str, Any]
    value = None
    if work is None:
        now = time.time()
        params = {"p": project.id, "u": actor.user_id, "overlap": project.overlap, "now": now}
        params["exp"] = now + project.lease_seconds
    else:
        lease_id, value, idempotency_key, _ = work
        schema = cached_schema(database, project.id, project.schema_version)
        if schema is None:
            found = yield _SCHEMA_PG, {"p": project.id, "v": project.schema_version}
            schema = remember_schema(
                database, project.id, project.schema_version, found[0] if found else None
            )
        payload = None
        if needs_payload(schema):
            found = yield _PAYLOAD_PG, {"lease": lease_id, "u": actor.user_id, "p": project.id}
            if found is None:
                raise NotFound(f"lease {lease_id} not found")
            payload = found[0]
        value = schema.validate_value(value, payload=payload)
        params = submit_params(actor, project, lease_id, value, idempotency_key)
    args = sql.step_args(
        project_id=project.id,
        user_id=actor.user_id,
        order=project.priority_order,
        params=params,
        submit=work is not None,
        then_next=work is not None and work[3],
        reap=reap_due(project.id, params["now"], reap_interval),
    )
    row = yield sql.STEP_PG, args
    return _Stepped(actor, project, params, value, sql.cycle_of(row))


def _cycle_pg(
    engine: Engine,
    key: bytes,
    creds: Credentials,
    project_id: int,
    reap_interval: float,
    work: Work | None = None,
) -> tuple[SubmitResult | None, sql.Lease | None] | None:
    """One labeling step on the psycopg connection itself; None sends the request down the reference path."""
    steps = _steps(engine.url, key, creds, project_id, reap_interval, work)
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        pg.autocommit = True  # each statement is its own transaction: no BEGIN/COMMIT round trips
        try:
            stepped = _drive(pg, steps)
        except UseReference:
            return None
        except Exception as error:
            if getattr(error, "sqlstate", None) == _UNIQUE_VIOLATION:
                return None  # a clash on the idempotency key: the reference path sorts it out
            raise
        finally:
            if pg.closed:
                raw.invalidate()  # the connection broke: the pool must not hand it out again
            else:
                pg.autocommit = False
    finally:
        raw.close()
    lease = None
    if _needs_refill(stepped, work):
        lease = _refill(engine, stepped.actor, stepped.project, reap_interval)
    return _outcome(stepped, work, lease)


async def cycle_pg_async(
    engine: Engine,
    key: bytes,
    creds: Credentials,
    project_id: int,
    reap_interval: float,
    work: Work | None = None,
) -> tuple[SubmitResult | None, sql.Lease | None] | None:
    """``_cycle_pg`` on the event loop (psycopg's async connection); None: take the reference path."""
    steps = _steps(engine.url, key, creds, project_id, reap_interval, work)
    pool = await async_pg.pool_for(engine)
    try:
        async with pool.connection() as pg:
            stepped = await _drive_async(pg, steps)
    except UseReference:
        return None
    except Exception as error:
        if getattr(error, "sqlstate", None) == _UNIQUE_VIOLATION:
            return None
        raise
    lease = None
    if _needs_refill(stepped, work):
        lease = await anyio.to_thread.run_sync(
            partial(_refill, engine, stepped.actor, stepped.project, reap_interval)
        )
    return _outcome(stepped, work, lease)


def _drive(pg: Any, steps: Generator[Query, Any, _Stepped]) -> _Stepped:
    """Run the step's queries on a psycopg connection."""
    query = next(steps)
    while True:
        cursor = pg.execute(*query)
        try:
            query = steps.send(cursor.fetchone())
        except StopIteration as finished:
            return finished.value


async def _drive_async(pg: Any, steps: Generator[Query, Any, _Stepped]) -> _Stepped:
    """Run the step's queries on a psycopg async connection."""
    query = next(steps)
    while True:
        cursor = await pg.execute(*query)
        try:
            query = steps.send(await cursor.fetchone())
        except StopIteration as finished:
            return finished.value


def _needs_refill(stepped: _Stepped, work: Work | None) -> bool:
    """The step leased nothing although a task was wanted (and any submit went through)."""
    wants_next = work is None or work[3]
    return (
        stepped.cycle.lease is None and wants_next and (work is None or stepped.cycle.submitted is not None)
    )


def _outcome(
    stepped: _Stepped, work: Work | None, refilled: sql.Lease | None
) -> tuple[SubmitResult | None, sql.Lease | None] | None:
    cycle = stepped.cycle
    lease = sql.Lease(*cycle.lease[:3], orjson.Fragment(cycle.lease[3])) if cycle.lease else refilled
    if work is None:
        return None, lease
    if cycle.submitted is None:
        return None
    done = cycle.submitted
    annotation = AnnotationRow(
        done.annotation_id,
        done.item_id,
        stepped.actor.user_id,
        stepped.value or {},
        stepped.project.schema_version,
        done.lead_seconds,
        stepped.params["created"],
    )
    return SubmitResult(annotation, None, replayed=False), lease


def _refill(engine: Engine, actor: Actor, project: QueueProject, reap_interval: float) -> sql.Lease | None:
    """The pool looked empty: sweep expired leases and try once more."""
    with engine.connect() as conn:
        lease = lease_for(conn, actor, project, reap_interval, force_reap=True)
        conn.commit()
    return lease
