"""The generate job: fill model responses for a project's items from an OpenAI-compatible backend.

Resumable: each run handles only items without an ``ok`` response from the same model and version, so a
re-run after a crash, a cancel or failures retries exactly what is missing and keeps everything written.
Calls run ``concurrency`` at a time; results are written a batch at a time, each batch committed before
progress is reported. Progress: ``done`` counts items handled in this run (ok or failed), ``failed``
those that failed after every retry (their error is on the response row, status ``failed``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from assay.backends import BackendError, OpenAICompatible, allowed_hosts, check_backend_url
from assay.db.models import Item, Job, ModelResponse, Project, utcnow
from assay.jobs import JobContext, enqueue
from assay.schema.llm import prompt_turns
from assay.security.policies import Actor, ResponsePolicy
from assay.services.responses import upsert_results
from assay.settings import Settings

BATCH = 64
KEY_ENV = r"^(OPENAI_API_KEY|ASSAY_BACKEND_KEY_[A-Z0-9_]{1,50})$"


class GenerateParams(BaseModel):
    """What a generate job calls and how: backend, model, sampling, timeouts and retries."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=200, description="Model name sent to the backend and stored.")
    model_version: str = Field("", max_length=100, description="Version label stored with each response.")
    base_url: str = Field(min_length=1, max_length=2000, description="OpenAI-compatible base URL (…/v1).")
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1, le=1_000_000)
    timeout: float = Field(60.0, gt=0, le=600, description="Seconds per call.")
    max_retries: int = Field(3, ge=0, le=10, description="Retries per item after the first call.")
    backoff: float = Field(0.5, ge=0, le=60, description="First retry delay in seconds; doubles each retry.")
    concurrency: int = Field(4, ge=1, le=64, description="Calls in flight at once.")
    api_key_env: str | None = Field(
        None, pattern=KEY_ENV, description="Server environment variable holding the API key (never stored)."
    )
    limit: int | None = Field(None, ge=1, description="Handle at most this many items in a run.")


def _guard(params: GenerateParams, settings: Settings) -> None:
    check_backend_url(
        params.base_url,
        allow_hosts=allowed_hosts(settings.backend_allow_hosts),
        allow_loopback=settings.dev or settings.backend_allow_loopback,
    )


def start_generate(
    *, session: Session, actor: Actor, project: Project, params: GenerateParams, settings: Settings
) -> Job:
    """Check the backend URL against the egress rules and queue a generate job for the project."""
    ResponsePolicy.manage(actor)
    _guard(params, settings)
    return enqueue(
        session=session, actor=actor, project=project, kind="generate", params=params.model_dump(mode="json")
    )


# Tests swap this to reach an in-process fake backend through httpx.MockTransport.
backend_factory: Callable[..., OpenAICompatible] = OpenAICompatible


def _missing(project_id: int, model: str, version: str) -> Any:
    done = exists().where(
        and_(
            ModelResponse.item_id == Item.id,
            ModelResponse.model == model,
            ModelResponse.model_version == version,
            ModelResponse.status == "ok",
        )
    )
    return and_(Item.project_id == project_id, ~done)


def run_generate(ctx: JobContext) -> dict[str, Any]:
    """Job handler: call the backend for every item still missing an ok response (see module docstring)."""
    params = GenerateParams.model_validate(ctx.params)
    settings = ctx.settings or Settings()
    _guard(params, settings)
    api_key = ctx.secrets.get("api_key") or (
        os.environ.get(params.api_key_env) if params.api_key_env else None
    )
    assert ctx.project_id is not None
    where = _missing(ctx.project_id, params.model, params.model_version)
    with Session(ctx.engine.execution_options(assay_read_only=True)) as session:
        total = session.scalar(select(func.count()).select_from(Item).where(where)) or 0
        existing = (
            session.scalar(
                select(func.count())
                .select_from(ModelResponse)
                .where(
                    ModelResponse.project_id == ctx.project_id,
                    ModelResponse.model == params.model,
                    ModelResponse.model_version == params.model_version,
                    ModelResponse.status == "ok",
                )
            )
            or 0
        )
    if params.limit is not None:
        total = min(total, params.limit)
    done = failed = 0
    after = 0
    ctx.progress(0, total, 0)
    backend = backend_factory(
        params.base_url,
        params.model,
        api_key=api_key,
        temperature=params.temperature,
        max_tokens=params.max_tokens,
        timeout=params.timeout,
        max_retries=params.max_retries,
        backoff=params.backoff,
    )
    with backend, ThreadPoolExecutor(params.concurrency, thread_name_prefix="assay-generate") as pool:
        while done < total and not ctx.cancelled:
            with Session(ctx.engine.execution_options(assay_read_only=True)) as session:
                items = session.execute(
                    select(Item.id, Item.payload)
                    .where(where, Item.id > after)
                    .order_by(Item.id)
                    .limit(min(BATCH, total - done))
                ).all()
            if not items:
                break
            after = items[-1].id
            results = list(pool.map(lambda item: _call(backend, item.payload), items))
            rows = [_row(ctx, params, item.id, result) for item, result in zip(items, results, strict=True)]
            with ctx.engine.begin() as conn:
                upsert_results(conn, rows)
            done += len(rows)
            failed += sum(1 for row in rows if row["status"] == "failed")
            ctx.progress(done, total, failed)
    return {
        "generated": done - failed,
        "failed": failed,
        "already_present": existing,
        "cancelled": ctx.cancelled,
    }


def _call(
    backend: OpenAICompatible, payload: dict[str, Any]
) -> tuple[str | None, str | None, int, float | None]:
    messages = prompt_turns(payload)
    if messages is None:
        return None, "the item has no messages or prompt to answer", 0, None
    try:
        completion = backend.complete(messages)
    except BackendError as error:
        return None, error.message, error.attempts, None
    return completion.content, None, completion.attempts, completion.latency_ms


def _row(
    ctx: JobContext,
    params: GenerateParams,
    item_id: int,
    result: tuple[str | None, str | None, int, float | None],
) -> dict[str, Any]:
    content, error, attempts, latency = result
    return {
        "project_id": ctx.project_id,
        "item_id": item_id,
        "model": params.model,
        "model_version": params.model_version,
        "content": content,
        "status": "failed" if error else "ok",
        "error": error,
        "attempts": attempts,
        "latency_ms": latency,
        "job_id": ctx.job_id,
        "created_at": utcnow(),
    }
