"""SDK methods for LLM data: model responses, generate jobs, comparison items, jobs, training exports."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from assay.api.schemas.llm import ComparisonsReport, JobPublic, ResponsePublic

if TYPE_CHECKING:
    from assay.sdk._files import PathOrFile, Progress
    from assay.sdk._http import Http

TrainingKind = Literal["sft", "preferences", "ranking_pairs"]
FINISHED = ("done", "failed", "cancelled")


class LLMMethods:
    """Mixed into ``Client``: everything about model responses and the jobs that make them."""

    _http: Http

    def responses(
        self,
        project_id: int,
        *,
        item_id: int | None = None,
        model: str | None = None,
        status: Literal["ok", "failed"] | None = None,
        page_size: int = 100,
    ) -> Iterator[ResponsePublic]:
        """Every model response of a project in id order, page by page (managers)."""
        after: int | None = None
        while True:
            page = self._http.json(
                "GET",
                f"/projects/{project_id}/responses",
                params={
                    "item_id": item_id,
                    "model": model,
                    "status": status,
                    "after": after,
                    "limit": page_size,
                },
            )
            yield from (ResponsePublic.model_validate(row) for row in page["items"])
            after = page.get("next_cursor")
            if after is None:
                return

    def add_responses(self, project_id: int, responses: list[dict[str, Any]]) -> list[ResponsePublic]:
        """Attach responses (``item_id``, ``model``, ``model_version``, ``content``) to items; all or nothing."""
        body = self._http.json(
            "POST", f"/projects/{project_id}/responses", json={"responses": responses}, retry=False
        )
        return [ResponsePublic.model_validate(row) for row in body]

    def generate(
        self,
        project_id: int,
        *,
        model: str | None = None,
        base_url: str | None = None,
        backend: Literal["openai", "hf"] = "openai",
        model_path: str | None = None,
        **options: Any,
    ) -> JobPublic:
        """Queue a generate job: an OpenAI-compatible ``base_url``, or ``backend="hf"`` with a ``model_path``
        on the server (options: model_version, temperature, max_tokens, seed, max_retries, batch_size, ...)."""
        body = {"backend": backend, "model": model, "base_url": base_url, "model_path": model_path, **options}
        body = {key: value for key, value in body.items() if value is not None}
        job = self._http.json("POST", f"/projects/{project_id}/generate", json=body, retry=False)
        return JobPublic.model_validate(job)

    def make_comparisons(
        self,
        project_id: int,
        models: list[str],
        *,
        source_project_id: int | None = None,
        pairs_per_prompt: int = 1,
        all_pairs: bool = False,
        seed: int = 0,
    ) -> ComparisonsReport:
        """Create blind A/B comparison items from the responses of ``models`` (``name`` or ``name@version``)."""
        body = self._http.json(
            "POST",
            f"/projects/{project_id}/comparisons",
            retry=False,
            json={
                "models": models,
                "source_project_id": source_project_id,
                "pairs_per_prompt": pairs_per_prompt,
                "all_pairs": all_pairs,
                "seed": seed,
            },
        )
        return ComparisonsReport.model_validate(body)

    def job(self, job_id: int) -> JobPublic:
        """One job with its status and progress."""
        return JobPublic.model_validate(self._http.json("GET", f"/jobs/{job_id}"))

    def jobs(self, project_id: int | None = None, *, status: str | None = None) -> list[JobPublic]:
        """Recent jobs of the organization, or of one project, newest first."""
        path = f"/projects/{project_id}/jobs" if project_id is not None else "/jobs"
        return [
            JobPublic.model_validate(row) for row in self._http.json("GET", path, params={"status": status})
        ]

    def cancel_job(self, job_id: int) -> JobPublic:
        """Cancel a queued or running job (what it wrote is kept)."""
        return JobPublic.model_validate(self._http.json("POST", f"/jobs/{job_id}/cancel"))

    def resume_job(self, job_id: int) -> JobPublic:
        """Queue a failed or cancelled job again (or a done one with failed items); generate resumes."""
        return JobPublic.model_validate(self._http.json("POST", f"/jobs/{job_id}/resume", retry=False))

    def wait_for_job(
        self,
        job_id: int,
        *,
        poll: float = 1.0,
        timeout: float | None = None,
        on_progress: Callable[[JobPublic], None] | None = None,
    ) -> JobPublic:
        """Poll a job until it is done, failed or cancelled; TimeoutError after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if on_progress:
                on_progress(job)
            if job.status in FINISHED:
                return job
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} is still {job.status}")
            time.sleep(poll)

    def export_training(
        self,
        project_id: int,
        dest: PathOrFile,
        kind: TrainingKind,
        format: Literal["jsonl", "parquet"] = "jsonl",
        *,
        question: str | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Stream SFT rows, TRL preference pairs or ranking pairs into ``dest``; returns the bytes written."""
        from assay.sdk._client import _copy

        params = {"kind": kind, "format": format, "question": question}
        with self._http.stream(f"/projects/{project_id}/export/training", params=params) as response:
            if not isinstance(dest, str | os.PathLike):
                return _copy(response, dest, None, progress)
            path = Path(dest)
            part = path.with_name(path.name + ".part")
            try:
                with open(part, "wb") as out:
                    written = _copy(response, out, None, progress)
                part.replace(path)
            finally:
                part.unlink(missing_ok=True)
            return written
