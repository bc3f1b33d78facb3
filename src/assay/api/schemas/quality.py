"""Quality: gold answers, consensus, agreement, annotator reliability, review."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from assay.api.schemas.common import Public, Strict
from assay.api.schemas.items import AnnotationPublic


class GoldSet(Strict):
    value: dict[str, Any] = Field(
        description="The known answer by question name; may cover only some questions."
    )


class GoldPublic(Public):
    item_id: int
    value: dict[str, Any]
    created_at: datetime


class Rate(Public):
    """A share with its Wilson 95% interval; ``accuracy`` is null when ``count`` is 0."""

    count: int
    correct: int
    accuracy: float | None
    low: float
    high: float


class ReviewRate(Rate):
    accepted: int
    rejected: int
    corrected: int


class CriterionFigures(Public):
    """Agreement on one rubric criterion (its scores treated as a rating)."""

    items: int = 0
    percent_agreement: float | None = None
    fleiss_kappa: float | None = None
    krippendorff_alpha: float | None = None
    krippendorff_alpha_interval: float | None = None


class QuestionFigures(Public):
    kind: str
    method: str | None = Field(
        None,
        description="How the consensus was made: the aggregation method, or span_vote, relation_vote, "
        "mean_rank (Borda) or medoid (free text).",
    )
    items: int = 0
    labels: int = 0
    annotators: int = 0
    mean_confidence: float | None = None
    percent_agreement: float | None = None
    fleiss_kappa: float | None = None
    krippendorff_alpha: float | None = Field(
        None, description="Nominal level; ordinal for ratings (for a rubric: the mean over criteria)."
    )
    krippendorff_alpha_interval: float | None = Field(
        None, description="Ratings and rubrics: interval level."
    )
    f1: float | None = Field(
        None, description="Spans and relations: mean pairwise F1 of the annotators' answers (exact match)."
    )
    overlap_f1: float | None = Field(None, description="Spans: mean pairwise F1 over labelled characters.")
    kendall_tau: float | None = Field(None, description="Rankings: mean pairwise Kendall τ-b.")
    text_similarity: float | None = Field(
        None, description="Free text: mean pairwise word-overlap F1 of the answers."
    )
    criteria: dict[str, CriterionFigures] | None = Field(
        None, description="Rubrics: agreement per criterion."
    )


class QualitySummary(Public):
    method: str
    refreshed_at: datetime | None
    annotations: int
    items: int
    annotators: int
    gold_items: int
    questions: dict[str, QuestionFigures]
    fallbacks: list[str] = Field(
        description="Questions where the method could not run and majority vote did."
    )


class AnnotatorQuestion(Public):
    labels: int
    agreement: Rate
    gold: Rate
    skill: float | None


class AnnotatorQuality(Public):
    user_id: int
    email: str
    name: str
    status: str = Field(description="qualifying, active, failed or paused.")
    reason: str | None
    reinstated_by: int | None
    labels: int
    agreement: Rate = Field(description="Answers equal to the consensus.")
    gold: Rate = Field(description="Answers on gold items that match the gold answer.")
    review: ReviewRate = Field(description="Reviewed annotations that were accepted.")
    score: Rate = Field(description="Gold and review judgements together.")
    questions: dict[str, AnnotatorQuestion]


class ConfusionPublic(Public):
    question: str
    user_id: int | None
    classes: list[Any]
    matrix: list[list[int]] = Field(description="Rows: consensus answer; columns: the answer given.")


class ConsensusValue(Public):
    value: Any
    confidence: float
    method: str
    n_labels: int


class Disagreement(Public):
    item_id: int
    confidence: float
    consensus: dict[str, ConsensusValue]
    votes: dict[str, dict[str, int]]


class AnnotatorStatePublic(Public):
    project_id: int
    user_id: int
    status: str
    reason: str | None
    reinstated_by: int | None
    reinstated_at: datetime | None
    paused_at: datetime | None
    qualified_at: datetime | None


class MyStanding(Public):
    status: str = Field(description="qualifying, active, failed or paused.")


class PauseRequest(Strict):
    reason: str = Field("", max_length=300)


class RefreshResult(Public):
    recomputed: bool
    summary: QualitySummary


class ReviewTaskPublic(Public):
    annotation: AnnotationPublic
    annotator_email: str
    payload: dict[str, Any]
    consensus: dict[str, ConsensusValue]
    reason: str


class ReviewCreate(Strict):
    verdict: Literal["accept", "reject", "correct"]
    value: dict[str, Any] | None = Field(
        None, description="The corrected answer (only with verdict 'correct')."
    )
    comment: str = Field("", max_length=10_000)


class ReviewPublic(Public):
    id: int
    annotation_id: int
    item_id: int
    annotator_id: int
    reviewer_id: int | None
    verdict: str
    corrected_value: dict[str, Any] | None
    comment: str
    created_at: datetime
