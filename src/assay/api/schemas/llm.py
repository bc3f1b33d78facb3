"""API models for model responses, generate and comparison requests, and jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field, model_validator

from assay.api.schemas.common import Public, Strict
from assay.services.generate import GenerateParams


class ResponseCreate(Strict):
    item_id: int = Field(ge=1)
    model: str = Field(min_length=1, max_length=200)
    model_version: str = Field("", max_length=100)
    content: str = Field(max_length=1_000_000)
    latency_ms: float | None = Field(None, ge=0)


class ResponsesCreate(Strict):
    responses: list[ResponseCreate] = Field(min_length=1, max_length=10_000)


class ResponsePublic(Public):
    id: int
    item_id: int
    model: str
    model_version: str
    content: str | None
    status: str
    error: str | None
    attempts: int
    latency_ms: float | None
    job_id: int | None
    created_at: datetime


class GenerateRequest(GenerateParams):
    """Start a generate job (fields as in ``GenerateParams``)."""


class ComparisonsRequest(Strict):
    models: list[str] = Field(min_length=2, max_length=100, description="'name' or 'name@version'.")
    source_project_id: int | None = Field(None, ge=1, description="Project holding prompts and responses.")
    pairs_per_prompt: int | None = Field(1, ge=1, le=1000)
    all_pairs: bool = False
    seed: int = 0

    @model_validator(mode="after")
    def _one_way(self) -> ComparisonsRequest:
        if self.all_pairs:
            self.pairs_per_prompt = None
        return self


class ComparisonsReport(Public):
    rows: int
    created: int
    duplicates: int


class JobPublic(Public):
    id: int
    kind: str
    project_id: int | None
    status: str
    params: dict[str, Any]
    result: dict[str, Any]
    progress_done: int
    progress_total: int | None
    progress_failed: int
    error: str | None
    attempts: int
    heartbeat_at: datetime | None
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
