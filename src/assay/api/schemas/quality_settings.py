"""A project's quality settings, mixed into the project create / update / public models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Aggregation = Literal[
    "majority_vote",
    "weighted_majority_vote",
    "wawa",
    "dawid_skene",
    "one_coin_dawid_skene",
    "glad",
    "mace",
]
# Settings that PATCH may set back to null (null switches the feature off).
NULLABLE_SETTINGS = frozenset({"pause_below", "confidence_threshold", "max_overlap"})


class QualitySettingsCreate(BaseModel):
    gold_rate: float = Field(
        0.0, ge=0, le=1, description="Share of each annotator's tasks that are gold items."
    )
    qualification_size: int = Field(
        0,
        ge=0,
        le=1000,
        description="Gold items an annotator answers before real work; 0 = no qualification.",
    )
    qualification_pass: float = Field(
        0.8, ge=0, le=1, description="Share of qualification answers needed to pass."
    )
    pause_below: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Pause annotators whose running gold accuracy falls below this; null = off.",
    )
    pause_min_gold: int = Field(
        10, ge=1, le=10_000, description="Gold answers needed before pausing can happen."
    )
    aggregation: Aggregation = Field(
        "majority_vote", description="How consensus is inferred from the labels."
    )
    confidence_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Items whose consensus confidence is below this get more labels; null = off.",
    )
    max_overlap: int | None = Field(
        None, ge=1, le=100, description="The most labels dynamic overlap asks for."
    )
    review_rate: float = Field(0.0, ge=0, le=1, description="Share of annotations sampled for random review.")


class QualitySettingsUpdate(BaseModel):
    gold_rate: float | None = Field(None, ge=0, le=1)
    qualification_size: int | None = Field(None, ge=0, le=1000)
    qualification_pass: float | None = Field(None, ge=0, le=1)
    pause_below: float | None = Field(None, ge=0, le=1)
    pause_min_gold: int | None = Field(None, ge=1, le=10_000)
    aggregation: Aggregation | None = None
    confidence_threshold: float | None = Field(None, ge=0, le=1)
    max_overlap: int | None = Field(None, ge=1, le=100)
    review_rate: float | None = Field(None, ge=0, le=1)


class QualitySettingsPublic(BaseModel):
    gold_rate: float = 0.0
    qualification_size: int = 0
    qualification_pass: float = 0.8
    pause_below: float | None = None
    pause_min_gold: int = 10
    aggregation: str = "majority_vote"
    confidence_threshold: float | None = None
    max_overlap: int | None = None
    review_rate: float = 0.0
