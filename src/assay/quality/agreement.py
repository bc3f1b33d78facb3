"""Inter-annotator agreement: percent agreement, Cohen's kappa, Fleiss' kappa and Krippendorff's alpha.

Conventions: when the chance agreement is total (every rating is the same single class) the chance-corrected
coefficients are undefined; we return 1.0 there, because observed agreement is then perfect too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from assay.errors import EmptyInput, InvalidInput
from assay.quality._base import vote_matrix
from assay.quality.labels import Labels, LabelsLike, as_labels

__all__ = ["percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "rating_counts"]

Level = Literal["nominal", "ordinal", "interval", "ratio"]


def rating_counts(data: LabelsLike | np.ndarray | Sequence[Sequence[int]]) -> np.ndarray:
    """Items × classes matrix of how many raters chose each class; passes a count matrix through."""
    if isinstance(data, Labels | pd.DataFrame):
        return vote_matrix(as_labels(data))
    counts = np.asarray(data, dtype=np.float64)
    if counts.ndim != 2 or (counts < 0).any():
        raise InvalidInput("expected Labels, a labels frame, or an items × classes count matrix")
    return counts


def _pairs_agreeing(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per item with ≥ 2 ratings: share of agreeing rater pairs, and the rating count."""
    per_item = counts.sum(axis=1)
    rated = counts[per_item >= 2]
    n = per_item[per_item >= 2]
    if len(n) == 0:
        raise EmptyInput("agreement needs at least one item rated twice")
    return (rated * (rated - 1)).sum(axis=1) / (n * (n - 1)), n


def percent_agreement(data: LabelsLike | np.ndarray) -> float:
    r"""Mean share of agreeing rater pairs per item, :math:`\frac{1}{N}\sum_i \frac{\sum_k n_{ik}(n_{ik}-1)}
    {n_i(n_i - 1)}`, over items with at least two ratings; with two raters, the share of items they agree on.

    Example:
        >>> percent_agreement([[2, 0], [1, 1], [0, 3]])
        0.6666666666666666
    """
    agree, _ = _pairs_agreeing(rating_counts(data))
    return float(agree.mean())


def fleiss_kappa(data: LabelsLike | np.ndarray) -> float:
    r"""Fleiss' kappa for any number of raters per item: :math:`\kappa = (\bar P - P_e) / (1 - P_e)` with
    :math:`\bar P` the mean pairwise agreement per item and :math:`P_e = \sum_k p_k^2` from the pooled class
    shares. Items with fewer than two ratings are skipped; with a fixed number of raters per item this is
    exactly Fleiss (1971), "Measuring nominal scale agreement among many raters", Psych. Bulletin 76(5).

    Example (Fleiss' 10 × 5 example from Wikipedia, 14 raters):
        >>> round(fleiss_kappa([[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
        ...     [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0],
        ...     [0, 2, 2, 3, 7]]), 3)
        0.21
    """
    counts = rating_counts(data)
    agree, _ = _pairs_agreeing(counts)
    rated = counts[counts.sum(axis=1) >= 2]
    shares = rated.sum(axis=0) / rated.sum()
    chance = float((shares**2).sum())
    if chance >= 1.0:
        return 1.0
    return float((agree.mean() - chance) / (1.0 - chance))


def cohen_kappa(
    rater_a: Sequence[Any],
    rater_b: Sequence[Any],
    *,
    weights: Literal["linear", "quadratic"] | None = None,
    classes: Sequence[Any] | None = None,
) -> float:
    r"""Cohen's kappa of two raters on the same items: :math:`\kappa = (p_o - p_e) / (1 - p_e)`.

    ``weights="linear"`` or ``"quadratic"`` gives weighted kappa for ordered classes (order: ``classes``, else
    sorted values), with disagreement weights :math:`|i-j|` or :math:`(i-j)^2`. Cohen (1960), Educational and
    Psychological Measurement 20(1), 37-46.

    Example (50 items: both "yes" 20, both "no" 15, a yes / b no 5, a no / b yes 10):
        >>> a = ["yes"] * 25 + ["no"] * 25
        >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
        >>> round(cohen_kappa(a, b), 4)
        0.4
    """
    first, second = np.asarray(rater_a, dtype=object), np.asarray(rater_b, dtype=object)
    if len(first) != len(second):
        raise InvalidInput("both raters must rate the same items")
    if len(first) == 0:
        raise EmptyInput("cohen_kappa needs at least one rated item")
    names = list(classes) if classes is not None else sorted(set(first.tolist()) | set(second.tolist()))
    index = pd.Index(names)
    i, j = index.get_indexer(first), index.get_indexer(second)
    if (i < 0).any() or (j < 0).any():
        raise InvalidInput("ratings outside classes")
    k = len(names)
    observed = np.bincount(i * k + j, minlength=k * k).reshape(k, k) / len(first)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    grid = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(np.float64)
    if weights is None:
        disagreement = (grid > 0).astype(np.float64)
    elif weights in ("linear", "quadratic"):
        disagreement = grid if weights == "linear" else grid**2
    else:
        raise InvalidInput(f"weights must be None, 'linear' or 'quadratic', not {weights!r}")
    chance = float((disagreement * expected).sum())
    if chance == 0.0:
        return 1.0
    return float(1.0 - (disagreement * observed).sum() / chance)


def _reliability_counts(data: Any, values: Sequence[Any] | None) -> tuple[np.ndarray, np.ndarray]:
    """Units × values count matrix and the sorted value labels, from Labels/frames or a coders × units matrix
    with ``NaN`` (or ``None``) for missing ratings."""
    if isinstance(data, Labels | pd.DataFrame):
        labels = as_labels(data)
        counts = vote_matrix(labels)
        names = labels.label_names
    else:
        matrix = pd.DataFrame(np.asarray(data, dtype=object))
        if matrix.ndim != 2:
            raise InvalidInput("reliability data must be a coders × units matrix")
        long = matrix.stack().dropna()  # one entry per (coder, unit) rating
        if len(long) == 0:
            raise EmptyInput("no ratings")
        units = long.index.get_level_values(1).to_numpy()
        codes, names = pd.factorize(long.to_numpy(), sort=True)
        flat = np.bincount(units * len(names) + codes, minlength=matrix.shape[1] * len(names))
        counts = flat.reshape(matrix.shape[1], len(names)).astype(np.float64)
        names = np.asarray(names)
    if values is not None:
        order = pd.Index(names).get_indexer(list(values))
        if len(order) != len(names) or (order < 0).any():
            raise InvalidInput("values must list every rated value exactly once")
        counts, names = counts[:, order], np.asarray(list(values), dtype=object)
    return counts, names


def krippendorff_alpha(
    data: LabelsLike | np.ndarray | Sequence[Sequence[Any]],
    level: Level = "nominal",
    *,
    values: Sequence[Any] | None = None,
) -> float:
    r"""Krippendorff's alpha, :math:`\alpha = 1 - D_o / D_e`, for any number of coders and missing ratings.

    ``data``: ``Labels`` / a labels frame (units = items, coders = workers), or a coders × units matrix with
    ``NaN`` or ``None`` where a coder did not rate a unit. Built from the coincidence matrix
    :math:`o_{ck} = \sum_u \frac{\#\{(c, k) \text{ pairs in } u\}}{m_u - 1}` over units with :math:`m_u \ge 2`
    ratings, with the difference function of ``level``: nominal :math:`[c \ne k]`; ordinal (ranks in sorted
    order, or in the order of ``values``) :math:`(\sum_{g=c}^{k} n_g - \frac{n_c + n_k}{2})^2`; interval
    :math:`(c - k)^2`; ratio :math:`((c - k)/(c + k))^2`. Krippendorff (2011), "Computing Krippendorff's
    alpha-reliability", Annenberg School for Communication, Departmental Paper 43.

    Example (Krippendorff's 4 coders × 12 units example, with missing data):
        >>> nan = float("nan")
        >>> reliability = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        ...                [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        ...                [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        ...                [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
        >>> round(krippendorff_alpha(reliability, "nominal"), 3)
        0.743
    """
    counts, names = _reliability_counts(data, values)
    pairable = counts.sum(axis=1)
    counts = counts[pairable >= 2]
    m = pairable[pairable >= 2]
    if len(m) == 0:
        raise EmptyInput("krippendorff_alpha needs at least one unit rated twice")
    coincidence = (counts / (m - 1)[:, None]).T @ counts
    coincidence[np.diag_indices_from(coincidence)] -= (counts / (m - 1)[:, None]).sum(axis=0)
    totals = coincidence.sum(axis=1)
    n = totals.sum()
    delta = _difference(level, names, totals)
    observed = (coincidence * delta).sum()
    expected = (np.outer(totals, totals) * delta).sum() / (n - 1)
    if expected == 0.0:
        return 1.0
    return float(1.0 - observed / expected)


def _difference(level: Level, names: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Squared difference δ²(c, k) between the rated values for a measurement level."""
    if level == "nominal":
        return 1.0 - np.eye(len(names))
    if level == "ordinal":
        cumulative = np.concatenate([[0.0], np.cumsum(totals)])
        rank = np.arange(len(names))
        low, high = np.minimum.outer(rank, rank), np.maximum.outer(rank, rank)
        between = cumulative[high + 1] - cumulative[low]
        return (between - (totals[:, None] + totals[None, :]) / 2) ** 2
    try:
        numbers = np.asarray(names, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{level} alpha needs numeric values") from exc
    diff = np.subtract.outer(numbers, numbers)
    if level == "interval":
        return diff**2
    if level == "ratio":
        total = np.add.outer(numbers, numbers)
        return np.divide(diff, total, out=np.zeros_like(diff), where=total != 0) ** 2
    raise InvalidInput(f"level must be nominal, ordinal, interval or ratio, not {level!r}")
