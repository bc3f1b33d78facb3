"""Scoring annotators on gold items: accuracy with Wilson score intervals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from assay.errors import InvalidInput
from assay.quality.labels import Labels, LabelsLike, as_labels

__all__ = ["wilson_interval", "gold_accuracy", "gold_codes"]

GoldLike = Mapping[Any, Any] | pd.Series


def wilson_interval(
    correct: Any, count: Any, confidence: float = 0.95
) -> tuple[np.ndarray | float, np.ndarray | float]:
    r"""Wilson score interval for a binomial proportion ``correct / count`` (vectorised).

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4n^2}}}
              {1 + \frac{z^2}{n}}

    Unlike the normal (Wald) interval it stays in [0, 1] and is sensible for tiny counts; for ``count = 0``
    the interval is the whole [0, 1]. Wilson, E. B. (1927), JASA 22(158), 209-212.

    Example:
        >>> low, high = wilson_interval(8, 10)
        >>> round(low, 4), round(high, 4)
        (0.4902, 0.9433)
    """
    if not 0 < confidence < 1:
        raise InvalidInput("confidence must lie strictly between 0 and 1")
    correct_arr = np.asarray(correct, dtype=np.float64)
    n = np.asarray(count, dtype=np.float64)
    if np.any(n < 0) or np.any(correct_arr < 0) or np.any(correct_arr > n):
        raise InvalidInput("need 0 <= correct <= count")
    z = float(ndtri(0.5 + confidence / 2))
    safe_n = np.where(n > 0, n, 1.0)
    p = correct_arr / safe_n
    denom = 1 + z * z / safe_n
    center = (p + z * z / (2 * safe_n)) / denom
    half = z * np.sqrt(p * (1 - p) / safe_n + z * z / (4 * safe_n * safe_n)) / denom
    low = np.where(n > 0, np.clip(center - half, 0.0, 1.0), 0.0)
    high = np.where(n > 0, np.clip(center + half, 0.0, 1.0), 1.0)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def gold_codes(labels: Labels, gold: GoldLike) -> np.ndarray:
    """Per item, the class code of its gold answer; ``-1`` for items without gold, ``-2`` for a gold answer
    that is not one of ``labels.label_names`` (so that no worker answer can match it)."""
    gold = pd.Series(gold) if not isinstance(gold, pd.Series) else gold
    truth = np.full(labels.n_items, -1, dtype=np.int64)
    where = pd.Index(labels.item_names).get_indexer(gold.index)
    known = where >= 0
    classes = pd.Index(labels.label_names).get_indexer(gold.to_numpy()[known])
    truth[where[known]] = np.where(classes >= 0, classes, -2)
    return truth


def gold_accuracy(data: LabelsLike, gold: GoldLike, confidence: float = 0.95) -> pd.DataFrame:
    """Each annotator's accuracy on gold items, with a Wilson interval.

    ``gold`` maps item name to its true class. Returns one row per worker who answered at least one gold item,
    indexed by worker name, with columns ``count``, ``correct``, ``accuracy``, ``low``, ``high``; sorted by
    worker name order of ``Labels``.

    Example:
        >>> labels = Labels.from_rows([("t1", "w1", "a"), ("t2", "w1", "b"), ("t1", "w2", "a")])
        >>> gold_accuracy(labels, {"t1": "a", "t2": "a"})[["count", "correct", "accuracy"]].to_dict("index")
        {'w1': {'count': 2, 'correct': 1, 'accuracy': 0.5}, 'w2': {'count': 1, 'correct': 1, 'accuracy': 1.0}}
    """
    labels = as_labels(data)
    truth = gold_codes(labels, gold)[labels.item]
    on_gold = truth != -1
    worker = labels.worker[on_gold]
    count = np.bincount(worker, minlength=labels.n_workers)
    correct = np.bincount(worker, weights=labels.label[on_gold] == truth[on_gold], minlength=labels.n_workers)
    correct = correct.astype(np.int64)
    low, high = wilson_interval(correct, count, confidence)
    seen = count > 0
    table = pd.DataFrame(
        {
            "count": count,
            "correct": correct,
            "accuracy": correct / np.maximum(count, 1),
            "low": low,
            "high": high,
        },
        index=pd.Index(labels.worker_names, name="worker"),
    )
    return table[seen]
