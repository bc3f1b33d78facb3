"""The labeling queue: next task, submit (optionally with the next task), skip.

These are the hot path, so each handler is async and makes exactly one trip to the thread pool, where
``assay.services.queue`` resolves the caller and the project and does the work (see its docstring).
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


def _json(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_UTC_Z), media_type="application/json")


@router.post("/projects/{project_id}/tasks/next", response_model=NextResponse)
async def next_task(project_id: Id, request: Request) -> Response:
    """Lease the next item for you (or return the lease you already hold); ``task`` is null when done."""
    state = request.app.state
    body = await run_in_threadpool(
        labeling.serve_next,
        state.engine,
        key=state.secret,
        creds=credentials(request),
        project_id=project_id,
        reap_interval=state.settings.reap_interval,
    )
    return _json(body)


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
    result = await run_in_threadpool(
        labeling.serve_submit,
        state.engine,
        key=state.secret,
        creds=credentials(request),
        project_id=project_id,
        lease_id=lease_id,
        value=body.value,
        idempotency_key=idempotency_key,
        then_next=body.next,
        reap_interval=state.settings.reap_interval,
    )
    return _json(result)


@router.post("/projects/{project_id}/tasks/{lease_id}/skip", response_model=NextResponse)
async def skip(project_id: Id, lease_id: Id, body: SkipRequest, request: Request) -> Response:
    """Give the item back without labeling it; it will not be offered to you again."""
    state = request.app.state
    result = await run_in_threadpool(
        labeling.serve_skip,
        state.engine,
        key=state.secret,
        creds=credentials(request),
        project_id=project_id,
        lease_id=lease_id,
        then_next=body.next,
        reap_interval=state.settings.reap_interval,
    )
    return _json(result)
