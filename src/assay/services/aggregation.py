"""One question's consensus from (item, annotator, value) rows: the aggregator, its confidences, agreement.

Pure functions over rows read by ``assay.services.consensus``; no database here. A method that cannot work
on the data falls back to majority vote, and every figure is finite (never NaN).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay.errors import AssayError
from assay.quality import (
    BinaryRelevance,
    Labels,
    fleiss_kappa,
    krippendorff_alpha,
    make_aggregator,
    percent_agreement,
)


@dataclass
class AggregateResult:
    """Consensus per item, annotator skills, the method that produced them, and the labels it read."""

    consensus: dict[int, tuple[Any, float, int]]  # item -> (value, confidence, n labels)
    skills: dict[int, float]
    method: str
    classes: list[Any] | None  # for confusion matrices; None for multi-choice
    labels: Labels | None


def _aggregator(method: str, weights: dict[int, float]) -> Any:
    if method == "weighted_majority_vote":
        return make_aggregator(method, weights=weights)
    return make_aggregator(method)


def plain(value: Any) -> Any:
    """A numpy scalar as a Python value; whole floats as ints (labels read back as they were given)."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def finite(number: Any, default: float = 0.0) -> float:
    """``number`` as a float, or ``default`` when it is NaN or infinite."""
    number = float(number)
    return number if math.isfinite(number) else default


def aggregate(
    question: Any, rows: list[tuple[int, int, Any]], method: str, weights: dict[int, float]
) -> AggregateResult:
    """Run ``method`` over one question's rows (multi-choice as one binary problem per option)."""
    counts = Counter(item for item, _, _ in rows)
    if question.kind == "multi_choice":
        classes = [o.value for o in question.options]
        model = BinaryRelevance(_aggregator(method, weights), classes=classes).fit(rows)
        consensus = {}
        for item, chosen, probas in zip(
            model.labels_.index, model.labels_.to_numpy(), model.probas_.to_numpy(), strict=True
        ):
            sure = np.minimum(1.0, np.maximum(probas, 1.0 - probas))
            value = [c for c, on in zip(classes, chosen, strict=True) if on]
            consensus[int(item)] = (value, finite(sure.min() if len(sure) else 1.0, 0.0), counts[int(item)])
        return AggregateResult(consensus, {}, method, None, None)
    if question.kind == "single_choice":
        classes = [o.value for o in question.options]
    elif question.kind == "pairwise":
        classes = ["A", "B", "tie"]
    else:
        classes = sorted({value for _, _, value in rows})
    items, users, values = zip(*rows, strict=True)
    labels = Labels.from_arrays(list(items), list(users), list(values), classes=classes)
    model = _aggregator(method, weights).fit(labels)
    probas = np.nan_to_num(model.probas_array_, nan=0.0)
    confidence = probas[np.arange(len(probas)), model.label_index_]
    consensus = {
        int(item): (plain(labels.label_names[code]), min(1.0, max(0.0, finite(sure))), counts[int(item)])
        for item, code, sure in zip(labels.item_names, model.label_index_, confidence, strict=True)
    }
    skills_series = getattr(model, "skills_", None)
    skills = {}
    if skills_series is not None:
        skills = {int(w): finite(s) for w, s in skills_series.items() if math.isfinite(float(s))}
    return AggregateResult(consensus, skills, method, [plain(c) for c in classes], labels)


def aggregate_safely(
    question: Any, rows: list[tuple[int, int, Any]], method: str, weights: dict[int, float]
) -> AggregateResult:
    """``aggregate``, falling back to majority vote when the method cannot work on the data."""
    try:
        return aggregate(question, rows, method, weights)
    except (AssayError, ValueError, FloatingPointError, np.linalg.LinAlgError):
        # A method that cannot work on this data (too little of it, degenerate) falls back to a plain vote.
        if method == "majority_vote":
            raise
        return aggregate(question, rows, "majority_vote", weights)


def agreement_of(
    question: Any, result: AggregateResult, rows: list[tuple[int, int, Any]]
) -> dict[str, float | None]:
    """Percent agreement, Fleiss' kappa and Krippendorff's alpha for one question (None where undefined)."""
    labels = result.labels
    if labels is None:  # multi-choice: each distinct set of options is one category
        items, users, values = zip(*rows, strict=True)
        labels = Labels.from_arrays(list(items), list(users), ["|".join(sorted(v)) for v in values])
    figures: dict[str, float | None] = {}
    level = "ordinal" if question.kind == "rating" else "nominal"
    for name, measure in (
        ("percent_agreement", percent_agreement),
        ("fleiss_kappa", fleiss_kappa),
        ("krippendorff_alpha", lambda data: krippendorff_alpha(data, level=level)),
    ):
        try:
            value = float(measure(labels))
            figures[name] = value if math.isfinite(value) else None
        except (AssayError, ValueError, ZeroDivisionError, FloatingPointError):
            figures[name] = None  # needs an item labeled twice, or more than one category
    return figures
