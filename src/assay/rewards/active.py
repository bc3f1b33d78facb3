"""Active preference learning: which pairs people should judge next.

A pair is worth a human judgment when the reward model cannot call it (``P(a ≻ b)`` near ½), when a
judgment would move the model most (expected information under its Laplace posterior), or when the people
who already judged it disagree. ``acquisition_scores`` mixes these; ``select_pairs`` takes the best ``k``.
"""

from __future__ import annotations

import numpy as np

from assay.errors import InvalidInput

__all__ = [
    "acquisition_scores",
    "expected_information",
    "pair_uncertainty",
    "select_pairs",
    "vote_disagreement",
]


def pair_uncertainty(proba: np.ndarray) -> np.ndarray:
    """``1 - |2p - 1|``: 1 for a coin flip, 0 for a certain call.

    Example:
        >>> pair_uncertainty(np.array([0.5, 0.75, 1.0])).tolist()
        [1.0, 0.5, 0.0]
    """
    return 1.0 - np.abs(2.0 * np.asarray(proba, dtype=np.float64) - 1.0)


def vote_disagreement(first: np.ndarray, second: np.ndarray, ties: np.ndarray | None = None) -> np.ndarray:
    """``1 - |2f - 1|`` with ``f`` the share of votes for the first response (ties half); 0 without votes.

    Example:
        >>> vote_disagreement(np.array([3, 2, 0]), np.array([0, 2, 0])).tolist()
        [0.0, 1.0, 0.0]
    """
    first, second = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    ties = np.zeros_like(first) if ties is None else np.asarray(ties, dtype=np.float64)
    total = first + second + ties
    share = np.divide(first + ties / 2, total, out=np.full_like(total, 0.5), where=total > 0)
    return np.where(total > 0, 1.0 - np.abs(2.0 * share - 1.0), 0.0)


def expected_information(differences: np.ndarray, covariance: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Information (nats) one judgment of each pair adds to a Bradley-Terry head with Laplace posterior
    ``covariance``: ``½·log(1 + p(1-p)·dᵀΣd)``, the log-determinant gain of the posterior precision."""
    d = np.asarray(differences, dtype=np.float64)
    spread = np.einsum("ij,jk,ik->i", d, covariance, d)
    p = np.asarray(proba, dtype=np.float64)
    return 0.5 * np.log1p(p * (1 - p) * np.maximum(spread, 0.0))


def acquisition_scores(
    proba: np.ndarray,
    *,
    information: np.ndarray | None = None,
    disagreement: np.ndarray | None = None,
    disagreement_weight: float = 0.5,
) -> np.ndarray:
    """Worth of judging each pair: model uncertainty (or information, rescaled to [0, 1] when given) mixed
    with rater ``disagreement`` as ``(1-w)·model + w·disagreement``."""
    if not 0 <= disagreement_weight <= 1:
        raise InvalidInput("disagreement_weight must be in [0, 1]")
    if information is not None:
        info = np.asarray(information, dtype=np.float64)
        top = info.max() if len(info) else 0.0
        model = info / top if top > 0 else np.zeros_like(info)
    else:
        model = pair_uncertainty(proba)
    if disagreement is None:
        return model
    return (1 - disagreement_weight) * model + disagreement_weight * np.asarray(
        disagreement, dtype=np.float64
    )


def select_pairs(
    scores: np.ndarray,
    k: int,
    *,
    groups: np.ndarray | None = None,
    per_group: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Indices of the ``k`` best-scoring pairs (random order among equal scores), at most ``per_group`` per
    group (e.g. per prompt) so one hard prompt does not take the whole batch.

    Example:
        >>> select_pairs(np.array([0.1, 0.9, 0.5, 0.8]), 2, groups=np.array([0, 1, 2, 1]), per_group=1).tolist()
        [1, 2]
    """
    scores = np.asarray(scores, dtype=np.float64)
    if k < 0:
        raise InvalidInput("k must be >= 0")
    jitter = np.random.default_rng(seed).random(len(scores))
    order = np.lexsort((jitter, -scores))
    if groups is None or per_group is None:
        return order[:k]
    taken: dict[object, int] = {}
    chosen = []
    for index in order:
        group = groups[index].item() if hasattr(groups[index], "item") else groups[index]
        if taken.get(group, 0) >= per_group:
            continue
        taken[group] = taken.get(group, 0) + 1
        chosen.append(index)
        if len(chosen) == k:
            break
    return np.asarray(chosen, dtype=np.int64)
