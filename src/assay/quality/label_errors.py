"""Label-error detection by confident learning, from given labels and out-of-sample predictions."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from assay.errors import EmptyInput, InvalidInput

__all__ = [
    "confident_thresholds",
    "confident_joint",
    "find_label_issues",
    "rank_label_issues",
    "self_confidence",
]

FilterBy = Literal[
    "prune_by_noise_rate", "prune_by_class", "both", "confident_learning", "predicted_neq_given"
]


def _checked(labels: Any, pred_probs: Any) -> tuple[np.ndarray, np.ndarray]:
    given = np.asarray(labels)
    probs = np.asarray(pred_probs, dtype=np.float64)
    if probs.ndim != 2 or given.ndim != 1 or len(given) != len(probs):
        raise InvalidInput("need labels of shape (n,) and pred_probs of shape (n, k)")
    if len(given) == 0:
        raise EmptyInput("no examples")
    if not np.issubdtype(given.dtype, np.integer) or given.min() < 0 or given.max() >= probs.shape[1]:
        raise InvalidInput("labels must be integer class indices in 0..k-1")
    if not np.isfinite(probs).all() or (probs < 0).any():
        raise InvalidInput("pred_probs must be finite and non-negative")
    return given.astype(np.int64), probs


def self_confidence(labels: Any, pred_probs: Any) -> np.ndarray:
    """The predicted probability of each example's given label (low = suspicious)."""
    given, probs = _checked(labels, pred_probs)
    return probs[np.arange(len(given)), given]


def confident_thresholds(labels: Any, pred_probs: Any) -> np.ndarray:
    r"""Per class :math:`t_j`, the mean predicted probability of class j over examples labelled j. A class
    that no example carries gets :math:`t_j = 1` (only certain predictions count for it)."""
    given, probs = _checked(labels, pred_probs)
    k = probs.shape[1]
    sums = np.bincount(given, weights=probs[np.arange(len(given)), given], minlength=k)
    counts = np.bincount(given, minlength=k)
    return np.divide(sums, counts, out=np.ones(k), where=counts > 0)


def confident_joint(labels: Any, pred_probs: Any, *, calibrate: bool = True) -> np.ndarray:
    r"""k × k counts :math:`C[i][j]` of examples labelled i whose confidently predicted class is j.

    An example counts towards the class j with the highest :math:`\hat p_j` among the classes where
    :math:`\hat p_j \ge t_j`; examples above no threshold are not counted. ``calibrate`` rescales each row to
    the
    number of examples given label i (Northcutt, Jiang & Chuang 2021, eq. 2)."""
    given, probs = _checked(labels, pred_probs)
    k = probs.shape[1]
    above = probs >= confident_thresholds(given, probs) - 1e-6
    guess = np.where(above, probs, -np.inf).argmax(axis=1)
    counted = above.any(axis=1)
    joint = np.bincount(given[counted] * k + guess[counted], minlength=k * k).reshape(k, k).astype(np.float64)
    if calibrate:
        row = joint.sum(axis=1, keepdims=True)
        per_class = np.bincount(given, minlength=k)[:, None]
        joint = np.divide(joint, row, out=np.zeros_like(joint), where=row > 0) * per_class
    return joint


def find_label_issues(
    labels: Any, pred_probs: Any, *, filter_by: FilterBy = "prune_by_noise_rate"
) -> np.ndarray:
    r"""Boolean mask of examples whose given label is likely wrong (confident learning).

    ``labels``: integer class indices (n,); ``pred_probs``: out-of-sample predicted probabilities (n × k),
    e.g.
    from cross-validation. With ``C`` the calibrated confident joint, :math:`m_{ij} = \mathrm{round}(C_{ij})`
    examples are expected to carry label i while being j. Methods: ``prune_by_noise_rate`` (default): for each
    i ≠ j flag the :math:`m_{ij}` examples labelled i with the largest margin :math:`\hat p_j - \hat p_i`;
    ``prune_by_class``: for each i flag the :math:`\sum_{j \ne i} m_{ij}` examples labelled i with the lowest
    self-confidence; ``both``: flagged by both; ``confident_learning``: the off-diagonal examples of the
    confident joint; ``predicted_neq_given``: argmax ≠ given. Except for the last two, at least one example
    per
    class stays unflagged, and an example whose given label is the model's argmax is never flagged.

    Northcutt, Jiang & Chuang (2021), "Confident learning: estimating uncertainty in dataset labels", JAIR 70.

    Example:
        >>> probs = [[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.95, 0.05], [0.15, 0.85]]
        >>> find_label_issues([0, 0, 1, 1, 1, 1], probs).tolist()
        [False, False, False, False, True, False]
    """
    given, probs = _checked(labels, pred_probs)
    n, k = probs.shape
    predicted = probs.argmax(axis=1)
    if filter_by == "predicted_neq_given":
        return predicted != given
    if filter_by == "confident_learning":
        above = probs >= confident_thresholds(given, probs) - 1e-6
        guess = np.where(above, probs, -np.inf).argmax(axis=1)
        return above.any(axis=1) & (guess != given)
    if filter_by not in ("prune_by_noise_rate", "prune_by_class", "both"):
        raise InvalidInput(f"unknown filter_by {filter_by!r}")
    to_prune = np.rint(confident_joint(given, probs)).astype(np.int64)
    np.fill_diagonal(to_prune, 0)
    per_class = np.bincount(given, minlength=k)
    by_noise = np.zeros(n, dtype=bool)
    by_class = np.zeros(n, dtype=bool)
    for i in range(k):
        members = np.flatnonzero(given == i)
        budget = min(int(to_prune[i].sum()), max(int(per_class[i]) - 1, 0))  # keep one example per class
        if budget == 0:
            continue
        order = np.argsort(probs[members, i], kind="stable")
        by_class[members[order[:budget]]] = True
        for j in np.flatnonzero(to_prune[i]).tolist():
            count = min(int(to_prune[i, j]), budget)
            margin = probs[members, j] - probs[members, i]
            by_noise[members[np.argsort(-margin, kind="stable")[:count]]] = True
    mask = {"prune_by_noise_rate": by_noise, "prune_by_class": by_class, "both": by_noise & by_class}[
        filter_by
    ]
    return mask & (predicted != given)


def rank_label_issues(labels: Any, pred_probs: Any, mask: np.ndarray | None = None) -> np.ndarray:
    """Indices of examples, most suspicious first (lowest self-confidence; ties by index). With ``mask`` (e.g.
    from :func:`find_label_issues`) only the flagged examples are ranked.

    Example:
        >>> rank_label_issues([0, 1, 1], [[0.9, 0.1], [0.7, 0.3], [0.4, 0.6]]).tolist()
        [1, 2, 0]
    """
    scores = self_confidence(labels, pred_probs)
    order = np.argsort(scores, kind="stable")
    if mask is None:
        return order
    flagged = np.asarray(mask, dtype=bool)
    if flagged.shape != scores.shape:
        raise InvalidInput("mask must have one entry per example")
    return order[flagged[order]]
