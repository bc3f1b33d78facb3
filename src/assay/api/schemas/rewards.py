"""Reward models, scoring and active selection of the next comparisons."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from assay.api.schemas.common import Public, Strict

MAX_SCORE = 1000


class RewardModelCreate(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    encoder: Literal["all-MiniLM-L6-v2", "hashing"] | None = Field(
        None, description="Frozen text encoder; all-MiniLM-L6-v2 where installed by default."
    )
    l2: float = Field(1.0, gt=0, le=1e6, description="L2 penalty of the Bradley-Terry head.")
    holdout: float = Field(0.2, gt=0, lt=1, description="Share of comparisons held out for the metrics.")
    seed: int = Field(0, ge=0, le=2**31)
    question: str | None = None


class RewardModelPublic(Public):
    id: int
    project_id: int
    name: str
    method: str
    encoder: str
    n_pairs: int
    metrics: dict[str, Any]
    created_at: datetime


class ScoreItem(Strict):
    prompt: str = Field(max_length=100_000)
    response: str = Field(max_length=100_000)


class ScoreRequest(Strict):
    items: list[ScoreItem] = Field(min_length=1, max_length=MAX_SCORE)


class NextComparisonsRequest(Strict):
    k: int = Field(10, ge=1, le=1000, description="How many pairs.")
    reward_model_id: int | None = Field(None, ge=1, description="Model whose uncertainty guides the choice.")
    strategy: Literal["uncertainty", "information", "disagreement"] = "uncertainty"
    disagreement_weight: float = Field(0.5, ge=0, le=1, description="Weight of rater disagreement.")
    per_prompt: int | None = Field(1, ge=1, description="At most this many pairs per prompt.")
    create: bool = Field(False, description="Add the pairs to the project as comparison items.")
    seed: int = Field(0, ge=0, le=2**31)
