"""One question's consensus from (item, annotator, answer) rows: the aggregator, its confidences, agreement.

Pure functions over rows read by ``assay.services.consensus``; no database here. A method that cannot work
on the data falls back to majority vote, and every figure is finite (never NaN).

Choice-like kinds (single and multi choice, pairwise, rating) run through the project's aggregation method,
each distinct answer a class. For ratings that keeps what the model-based methods learn about annotators;
where the method leaves a tie between values (say 1, 4 and 5, once each), the value nearest the item's
median rating wins instead of the smallest. A rubric is one rating per criterion; safety flags are a
multi-choice over categories, with the median severity of those who flagged.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import median_low
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
from assay.schema import MultiChoice, Rating
from assay.schema.llm import SEVERITIES

Row = tuple[int, int, Any]  # (item, annotator, answer in read form)


@dataclass
class Person:
    """One annotator on one question: answers counted, answers equal to consensus, skill, confusions."""

    n_labels: int = 0
    agreed: int = 0
    skill: float | None = None
    confusion: dict[str, Any] | None = None


@dataclass
class Outcome:
    """A question's consensus per item (stored value, confidence, n labels), who agreed, and its figures."""

    consensus: dict[int, tuple[Any, float, int]]
    method: str
    figures: dict[str, Any] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=lambda: defaultdict(Person))
    fell_back: bool = False


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


def mean_or_none(values: list[float]) -> float | None:
    """The mean of the finite values, or None when there are none."""
    kept = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(kept)) if kept else None


def _classes(question: Any, rows: list[Row]) -> list[Any]:
    if question.kind == "single_choice":
        return [o.value for o in question.options]
    if question.kind == "pairwise":
        return (
            ["A", "B"]
            + (["tie"] if question.allow_tie else [])
            + (["both_bad"] if question.allow_both_bad else [])
        )
    return sorted({value for _, _, value in rows})


def _nearest_median(
    codes: np.ndarray, probas: np.ndarray, classes: list[Any], rows: list[Row], labels: Labels
) -> None:
    """Ratings: among values the method rates equally likely, pick the one nearest the item's median."""
    top = probas.max(axis=1, keepdims=True)
    tied = np.flatnonzero((np.abs(probas - top) <= 1e-12).sum(axis=1) > 1)
    if not len(tied):
        return
    position = {name: i for i, name in enumerate(labels.item_names.tolist())}
    given: dict[int, list[float]] = defaultdict(list)
    wanted = set(tied.tolist())
    for item, _, value in rows:
        if position[item] in wanted:
            given[position[item]].append(float(value))
    values = np.asarray([float(c) for c in classes])
    for row in tied.tolist():
        candidates = np.flatnonzero(np.abs(probas[row] - top[row]) <= 1e-12)
        middle = float(np.median(given[row])) if given[row] else float(values[candidates].mean())
        codes[row] = int(candidates[np.argmin(np.abs(values[candidates] - middle))])


def aggregate(question: Any, rows: list[Row], method: str, weights: dict[int, float]) -> AggregateResult:
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
    classes = _classes(question, rows)
    items, users, values = zip(*rows, strict=True)
    labels = Labels.from_arrays(list(items), list(users), list(values), classes=classes)
    model = _aggregator(method, weights).fit(labels)
    probas = np.nan_to_num(model.probas_array_, nan=0.0)
    codes = np.asarray(model.label_index_).copy()
    if question.kind == "rating":
        _nearest_median(codes, probas, classes, rows, labels)
    confidence = probas[np.arange(len(probas)), codes]
    consensus = {
        int(item): (plain(labels.label_names[code]), min(1.0, max(0.0, finite(sure))), counts[int(item)])
        for item, code, sure in zip(labels.item_names, codes, confidence, strict=True)
    }
    skills_series = getattr(model, "skills_", None)
    skills = {}
    if skills_series is not None:
        skills = {int(w): finite(s) for w, s in skills_series.items() if math.isfinite(float(s))}
    return AggregateResult(consensus, skills, method, [plain(c) for c in classes], labels)


def aggregate_safely(
    question: Any, rows: list[Row], method: str, weights: dict[int, float]
) -> AggregateResult:
    """``aggregate``, falling back to majority vote when the method cannot work on the data."""
    try:
        return aggregate(question, rows, method, weights)
    except (AssayError, ValueError, FloatingPointError, np.linalg.LinAlgError):
        # A method that cannot work on this data (too little of it, degenerate) falls back to a plain vote.
        if method == "majority_vote":
            raise
        return aggregate(question, rows, "majority_vote", weights)


def _measure(measure: Any, labels: Labels) -> float | None:
    try:
        value = float(measure(labels))
    except (AssayError, ValueError, ZeroDivisionError, FloatingPointError):
        return None  # needs an item labeled twice, or more than one category
    return value if math.isfinite(value) else None


def agreement_of(question: Any, result: AggregateResult, rows: list[Row]) -> dict[str, float | None]:
    """Percent agreement, Fleiss' kappa and Krippendorff's alpha for one question (None where undefined).

    Ratings get alpha at the ordinal level (``krippendorff_alpha``) and at the interval level too.
    """
    labels = result.labels
    if labels is None:  # multi-choice: each distinct set of options is one category
        items, users, values = zip(*rows, strict=True)
        labels = Labels.from_arrays(list(items), list(users), ["|".join(sorted(v)) for v in values])
    rating = question.kind == "rating"
    figures = {
        "percent_agreement": _measure(percent_agreement, labels),
        "fleiss_kappa": _measure(fleiss_kappa, labels),
        "krippendorff_alpha": _measure(
            lambda data: krippendorff_alpha(data, level="ordinal" if rating else "nominal"), labels
        ),
    }
    if rating:
        figures["krippendorff_alpha_interval"] = _measure(
            lambda data: krippendorff_alpha(data, level="interval"), labels
        )
    return figures


def choice_outcome(question: Any, rows: list[Row], method: str, weights: dict[int, float]) -> Outcome:
    """Consensus, per-annotator agreement and confusions, and agreement figures of a choice-like question."""
    result = aggregate_safely(question, rows, method, weights)
    outcome = Outcome(result.consensus, result.method, fell_back=result.method != method)
    outcome.figures = agreement_of(question, result, rows)
    position = {c: i for i, c in enumerate(result.classes)} if result.classes is not None else {}
    matrices: dict[int, np.ndarray] = {}
    for item, user, value in rows:
        person = outcome.people[user]
        truth = result.consensus[item][0]
        person.n_labels += 1
        if question.kind == "multi_choice":
            person.agreed += int(frozenset(truth) == value)
            continue
        person.agreed += int(truth == plain(value))
        matrix = matrices.get(user)
        if matrix is None:
            matrix = matrices[user] = np.zeros((len(position), len(position)), dtype=np.int64)
        matrix[position[truth], position[plain(value)]] += 1
    for user, matrix in matrices.items():
        outcome.people[user].confusion = {"classes": result.classes, "matrix": matrix.tolist()}
    for user, skill in result.skills.items():
        outcome.people[user].skill = skill
    return outcome


def rubric_outcome(question: Any, rows: list[Row], method: str, weights: dict[int, float]) -> Outcome:
    """A rubric: each criterion's score aggregated as a rating; the item's confidence is its least sure one."""
    per_criterion: dict[str, Outcome] = {}
    for criterion in question.criteria:
        scale = Rating(name=criterion.name, min=question.min, max=question.max)
        picked = [
            (item, user, scores[criterion.name]) for item, user, scores in rows if criterion.name in scores
        ]
        if picked:
            per_criterion[criterion.name] = choice_outcome(scale, picked, method, weights)
    counts = Counter(item for item, _, _ in rows)
    consensus: dict[int, tuple[Any, float, int]] = {}
    for item, n in counts.items():
        found = {c: o.consensus[item] for c, o in per_criterion.items() if item in o.consensus}
        value = {c: v for c, (v, _, _) in found.items()}
        consensus[item] = (value, min((conf for _, conf, _ in found.values()), default=1.0), n)
    used = {o.method for o in per_criterion.values()}
    outcome = Outcome(consensus, used.pop() if len(used) == 1 else method)
    outcome.fell_back = any(o.fell_back for o in per_criterion.values())
    for item, user, scores in rows:
        person = outcome.people[user]
        person.n_labels += 1
        person.agreed += int(all(consensus[item][0].get(c) == s for c, s in scores.items()))
    for user, person in outcome.people.items():
        person.skill = mean_or_none(
            [
                o.people[user].skill
                for o in per_criterion.values()
                if user in o.people and o.people[user].skill is not None
            ]
        )
    criteria = {c: {**o.figures, "items": len(o.consensus)} for c, o in per_criterion.items()}
    outcome.figures = {
        name: mean_or_none([f[name] for f in criteria.values() if f.get(name) is not None])
        for name in ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "krippendorff_alpha_interval")
    }
    outcome.figures["criteria"] = criteria
    return outcome


def safety_outcome(question: Any, rows: list[Row], method: str, weights: dict[int, float]) -> Outcome:
    """Safety flags: flags by the method as a multi-choice; severity the median of those who flagged."""
    categories = MultiChoice(name=question.name, options=question.categories)
    flags = choice_outcome(
        categories, [(item, user, answer[0]) for item, user, answer in rows], method, weights
    )
    severities: dict[int, list[int]] = defaultdict(list)
    for item, _, (given, severity) in rows:
        if given and severity is not None:
            severities[item].append(SEVERITIES.index(severity))
    consensus = {}
    for item, (chosen, confidence, n) in flags.consensus.items():
        severity = SEVERITIES[median_low(severities[item])] if chosen and severities[item] else None
        consensus[item] = ({"flags": chosen, "severity": severity}, confidence, n)
    outcome = Outcome(consensus, flags.method, flags.figures, fell_back=flags.fell_back)
    for item, user, (given, severity) in rows:
        truth = consensus[item][0]
        person = outcome.people[user]
        person.n_labels += 1
        person.agreed += int(
            set(truth["flags"]) == set(given) and (not given or truth["severity"] == severity)
        )
    return outcome
