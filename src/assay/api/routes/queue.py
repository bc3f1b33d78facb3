"""The labeling queue: next task, submit (optionally with the next task), skip.

These are the hot path. On PostgreSQL a handler runs the whole cycle on the event loop through
``assay.db.async_pg`` (psycopg's async pool); where that path declines (SQLite, or a case it does not handle)
it makes exactly one trip to a small thread pool, where ``assay.services.labeling`` does the work.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import anyio
import orjson
from fastapi import APIRouter, Header, Path, Request, Response

from assay.api.deps import credentials
from assay.api.schemas.items import NextResponse, SkipRequest, SubmitRequest, SubmitResponse
from assay.services import labeling
from assay.services.auth import Credentials

router = APIRouter(tags=["queue"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]

# A few threads serve the queue: each cycle waits on the database for about a millisecond, so more threads
# only fight over the GIL (and hold more connections). Requests beyond this wait their turn in the event loop.
QUEUE_THREADS = 6
_limiter: anyio.CapacityLimiter | None = None


async def run_in_threadpool(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func`` on one of the queue's threads."""
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(QUEUE_THREADS)
    return await anyio.to_thread.run_sync(partial(func, *args, **kwargs), limiter=_limiter)


def dumps(body: dict[str, Any]) -> bytes:
    """A queue response body as JSON bytes (datetimes in UTC with a ``Z``)."""
    return orjson.dumps(body, option=orjson.OPT_UTC_Z)


def _json(body: dict[str, Any]) -> Response:
    return Response(dumps(body), media_type="application/json")


async def serve_next(state: Any, creds: Credentials, project_id: int) -> dict[str, Any]:
    """``tasks/next`` for a resolved request (shared by the route and ``assay.api.fast_queue``)."""
    common = {"key": state.secret, "creds": creds, "project_id": project_id}
    common["reap_interval"] = state.settings.reap_interval
    if state.engine.dialect.name == "postgresql":
        served = await labeling.serve_next_async(state.engine, **common)
        if served is not None:
            return served
    return await run_in_threadpool(labeling.serve_next, state.engine, fast=False, **common)


async def serve_submit(
    state: Any,
    creds: Credentials,
    project_id: int,
    lease_id: int,
    body: SubmitRequest,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """``tasks/{lease}/submit`` for a resolved request."""
    common = {"key": state.secret, "creds": creds, "project_id": project_id, "lease_id": lease_id}
    common |= {"value": body.value, "idempotency_key": idempotency_key, "then_next": body.next}
    common["reap_interval"] = state.settings.reap_interval
    if state.engine.dialect.name == "postgresql":
        served = await labeling.serve_submit_async(state.engine, **common)
        if served is not None:
            return served
    return await run_in_threadpool(labeling.serve_submit, state.engine, fast=False, **common)


async def serve_skip(
    state: Any, creds: Credentials, project_id: int, lease_id: int, body: SkipRequest
) -> dict[str, Any]:
    """``tasks/{lease}/skip`` for a resolved request."""
    return await run_in_threadpool(
        labeling.serve_skip,
        state.engine,
        key=state.secret,
        creds=creds,
        project_id=project_id,
        lease_id=lease_id,
        then_next=body.next,
        reap_interval=state.settings.reap_interval,
    )


# The routes below document the API (OpenAPI) and serve what the fast path hands over: requests it does not
# take on itself, such as malformed bodies, so that errors keep one format.


@router.post("/projects/{project_id}/tasks/next", response_model=NextResponse)
async def next_task(project_id: Id, request: Request) -> Response:
    """Lease the next item for you (or return the lease you already hold); ``task`` is null when done."""
    return _json(await serve_next(request.app.state, credentials(request), project_id))


@router.post("/projects/{project_id}/tasks/{lease_id}/submit", response_model=SubmitResponse)
async def submit(
    project_id: Id,
    lease_id: Id,
    body: SubmitRequest,
    request: Request,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> Response:
    """Submit your answer for a lease; retries are safe. With ``next: true`` the next task comes back too."""
    state = request.app.state
    return _json(await serve_submit(state, credentials(request), project_id, lease_id, body, idempotency_key))


@router.post("/projects/{project_id}/tasks/{lease_id}/skip", response_model=NextResponse)
async def skip(project_id: Id, lease_id: Id, body: SkipRequest, request: Request) -> Response:
    """Give the item back without labeling it; it will not be offered to you again."""
    return _json(await serve_skip(request.app.state, credentials(request), project_id, lease_id, body))
