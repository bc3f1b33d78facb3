"""The generate job: fill model responses for a project's items from a model backend.

Two backends, chosen by ``backend``: ``openai`` calls any OpenAI-compatible HTTP server at ``base_url``
(``concurrency`` calls at a time); ``hf`` runs a local Hugging Face model from ``model_path`` inside the job's
process (``batch_size`` conversations at a time; optional extra ``assay[local]``). Both retry with backoff and
record each item's failure the same way.

Resumable: each run handles only items without an ``ok`` response from the same model and version, so a
re-run after a crash, a cancel or failures retries exactly what is missing and keeps everything written.
Results are written a batch at a time, each batch committed before progress is reported. Progress: ``done``
counts items handled in this run (ok or failed), ``failed`` those that failed after every retry (their error
is on the response row, status ``failed``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from assay.backends import BackendError, Completion, OpenAICompatible, allowed_hosts, check_backend_url
from assay.backends.hf import LocalHF, check_model_path, missing_extra
from assay.db.models import Item, Job, ModelResponse, Project, utcnow
from assay.errors import InvalidInput
from assay.jobs import JobContext, enqueue
from assay.schema.llm import prompt_turns
from assay.security.policies import Actor, ResponsePolicy
from assay.services.responses import upsert_results
from assay.settings import Settings

BATCH = 64
KEY_ENV = r"^(OPENAI_API_KEY|ASSAY_BACKEND_KEY_[A-Z0-9_]{1,50})$"
NO_PROMPT = "the item has no messages or prompt to answer"

Result = tuple[str | None, str | None, int, float | None]  # content, error, attempts, latency in ms


class GenerateParams(BaseModel):
    """What a generate job calls and how: backend, model, sampling, timeouts and retries."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["openai", "hf"] = Field(
        "openai", description="openai: an OpenAI-compatible server; hf: a local Hugging Face model folder."
    )
    model: str = Field(
        "", max_length=200, description="Model name sent to the backend and stored (hf: the folder's name)."
    )
    model_version: str = Field("", max_length=100, description="Version label stored with each response.")
    base_url: str | None = Field(
        None, min_length=1, max_length=2000, description="openai: the server's base URL (…/v1)."
    )
    model_path: str | None = Field(
        None, min_length=1, max_length=4096, description="hf: the model folder on the server."
    )
    temperature: float | None = Field(None, ge=0, le=2, description="Sampling temperature (hf: 0 is greedy).")
    max_tokens: int | None = Field(None, ge=1, le=1_000_000, description="Longest answer, in tokens.")
    seed: int | None = Field(None, ge=0, le=2**32 - 1, description="hf: seed for reproducible sampling.")
    timeout: float = Field(60.0, gt=0, le=600, description="openai: seconds per call.")
    max_retries: int = Field(3, ge=0, le=10, description="Retries per item after the first call.")
    backoff: float = Field(0.5, ge=0, le=60, description="First retry delay in seconds; doubles each retry.")
    concurrency: int = Field(4, ge=1, le=64, description="openai: calls in flight at once.")
    batch_size: int = Field(8, ge=1, le=512, description="hf: conversations generated together.")
    api_key_env: str | None = Field(
        None,
        pattern=KEY_ENV,
        description="openai: server environment variable holding the API key (never stored).",
    )
    limit: int | None = Field(None, ge=1, description="Handle at most this many items in a run.")

    @model_validator(mode="after")
    def _fields_of_the_backend(self) -> GenerateParams:
        if self.backend == "openai":
            if not self.base_url:
                raise ValueError("base_url is required for the openai backend")
            if self.model_path is not None:
                raise ValueError("model_path is for the hf backend; set backend to 'hf'")
            if not self.model:
                raise ValueError("model is required for the openai backend")
            return self
        if not self.model_path:
            raise ValueError("model_path (a model folder on the server) is required for the hf backend")
        if self.base_url is not None or self.api_key_env is not None:
            raise ValueError("base_url and api_key_env are for the openai backend")
        if not self.model:
            self.model = Path(self.model_path.rstrip("/\\")).name[:200] or "local"
        return self


def _guard(params: GenerateParams, settings: Settings) -> Path | None:
    """Check the backend against the server's rules; for ``hf`` the resolved model folder."""
    if params.backend == "hf":
        folder = check_model_path(
            params.model_path or "",
            roots=allowed_hosts(settings.local_model_dirs),
            allow_any=settings.dev,
        )
        if (why := missing_extra()) is not None:
            raise InvalidInput(why, details=[{"loc": ["backend"], "msg": why}])
        return folder
    check_backend_url(
        params.base_url or "",
        allow_hosts=allowed_hosts(settings.backend_allow_hosts),
        allow_loopback=settings.dev or settings.backend_allow_loopback,
    )
    return None


def start_generate(
    *, session: Session, actor: Actor, project: Project, params: GenerateParams, settings: Settings
) -> Job:
    """Check the backend (URL egress rules, or the local model folder) and queue a generate job."""
    ResponsePolicy.manage(actor)
    _guard(params, settings)
    return enqueue(
        session=session, actor=actor, project=project, kind="generate", params=params.model_dump(mode="json")
    )


# Tests swap these to reach an in-process fake backend through httpx.MockTransport, or a doctored model.
backend_factory: Callable[..., OpenAICompatible] = OpenAICompatible
local_factory: Callable[..., LocalHF] = LocalHF


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


def _open_backend(params: GenerateParams, folder: Path | None, api_key: str | None) -> Any:
    if params.backend == "hf":
        return local_factory(
            folder,
            temperature=params.temperature,
            max_new_tokens=params.max_tokens,
            seed=params.seed,
            batch_size=params.batch_size,
            max_retries=params.max_retries,
            backoff=params.backoff,
        )
    return backend_factory(
        params.base_url,
        params.model,
        api_key=api_key,
        temperature=params.temperature,
        max_tokens=params.max_tokens,
        timeout=params.timeout,
        max_retries=params.max_retries,
        backoff=params.backoff,
    )


def run_generate(ctx: JobContext) -> dict[str, Any]:
    """Job handler: call the backend for every item still missing an ok response (see module docstring)."""
    params = GenerateParams.model_validate(ctx.params)
    settings = ctx.settings or Settings()
    folder = _guard(params, settings)
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
    # A local model answers a batch per step, so progress (and a cancel) is seen after each of its batches.
    step = params.batch_size if params.backend == "hf" else BATCH
    with ExitStack() as stack:
        backend = stack.enter_context(_open_backend(params, folder, api_key))
        answer: Callable[[Sequence[dict[str, Any]]], list[Result]]
        if params.backend == "hf":
            answer = partial(_answer_local, backend)
        else:
            pool = stack.enter_context(
                ThreadPoolExecutor(params.concurrency, thread_name_prefix="assay-generate")
            )
            answer = partial(_answer_remote, pool, backend)
        while done < total and not ctx.cancelled:
            with Session(ctx.engine.execution_options(assay_read_only=True)) as session:
                items = session.execute(
                    select(Item.id, Item.payload)
                    .where(where, Item.id > after)
                    .order_by(Item.id)
                    .limit(min(step, total - done))
                ).all()
            if not items:
                break
            after = items[-1].id
            results = answer([item.payload for item in items])
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


def _result(outcome: Completion | BackendError) -> Result:
    if isinstance(outcome, BackendError):
        return None, outcome.message, outcome.attempts, None
    return outcome.content, None, outcome.attempts, outcome.latency_ms


def _call(backend: OpenAICompatible, payload: dict[str, Any]) -> Result:
    messages = prompt_turns(payload)
    if messages is None:
        return None, NO_PROMPT, 0, None
    try:
        return _result(backend.complete(messages))
    except BackendError as error:
        return _result(error)


def _answer_remote(
    pool: ThreadPoolExecutor, backend: OpenAICompatible, payloads: Sequence[dict[str, Any]]
) -> list[Result]:
    return list(pool.map(lambda payload: _call(backend, payload), payloads))


def _answer_local(backend: LocalHF, payloads: Sequence[dict[str, Any]]) -> list[Result]:
    conversations = [prompt_turns(payload) for payload in payloads]
    answered = iter(backend.complete_many([c for c in conversations if c is not None]))
    return [(None, NO_PROMPT, 0, None) if c is None else _result(next(answered)) for c in conversations]


def _row(ctx: JobContext, params: GenerateParams, item_id: int, result: Result) -> dict[str, Any]:
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
