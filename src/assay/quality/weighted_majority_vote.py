"""Weighted majority vote: votes weighted per worker, by given weights or by accuracy on gold items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.quality._base import Aggregator, normalize_rows, vote_matrix
from assay.quality.gold import GoldLike, gold_accuracy
from assay.quality.labels import Labels
from assay.quality.majority_vote import TieBreak, break_ties

__all__ = ["WeightedMajorityVote"]


class WeightedMajorityVote(Aggregator):
    r"""Majority vote where each worker's vote counts with a weight :math:`s_w \ge 0`.

    Model: :math:`\hat z_i = \arg\max_k \sum_w s_w [y_{iw} = k]`; ``probas_``: the normalised weighted votes.
    Give either ``weights`` (worker name → weight) or ``gold`` (item name → true class): with ``gold`` the
    weight of a worker is their Laplace-smoothed accuracy on gold items, ``(correct + smoothing) /
    (count + 2 · smoothing)``. Workers without a weight get ``default_weight``; when that is ``None``, the
    pooled accuracy over all gold answers (with ``gold``) or the mean given weight (with ``weights``).
    Ties follow ``tie_break`` as in :class:`~assay.quality.MajorityVote`.

    Assumes a worker's accuracy is the same on every item (the one-coin model); accuracy weights are a simple,
    robust choice (Littlestone & Warmuth 1994 use multiplicative weights in the same spirit).

    Example:
        >>> from assay.quality import Labels, WeightedMajorityVote
        >>> labels = Labels.from_rows([("t1", "w1", "a"), ("t1", "w2", "b"), ("t1", "w3", "b")])
        >>> WeightedMajorityVote(weights={"w1": 0.9, "w2": 0.3, "w3": 0.3}).fit_predict(labels).to_dict()
        {'t1': 'a'}
    """

    def __init__(
        self,
        weights: Mapping[Any, float] | pd.Series | None = None,
        *,
        gold: GoldLike | None = None,
        default_weight: float | None = None,
        smoothing: float = 1.0,
        tie_break: TieBreak = "lowest",
        seed: int | None = 0,
    ) -> None:
        if (weights is None) == (gold is None):
            raise InvalidInput("give exactly one of weights= or gold=")
        self.weights = weights
        self.gold = gold
        self.default_weight = default_weight
        self.smoothing = smoothing
        self.tie_break = tie_break
        self.seed = seed

    def _worker_weights(self, labels: Labels) -> np.ndarray:
        if self.gold is not None:
            table = gold_accuracy(labels, self.gold)
            given = (table["correct"] + self.smoothing) / (table["count"] + 2 * self.smoothing)
            pooled = (table["correct"].sum() + self.smoothing) / (table["count"].sum() + 2 * self.smoothing)
            fallback = float(pooled) if self.default_weight is None else self.default_weight
        else:
            given = pd.Series(self.weights, dtype=np.float64)
            mean = float(given.mean()) if len(given) else 1.0
            fallback = mean if self.default_weight is None else self.default_weight
        weights = given.reindex(pd.Index(labels.worker_names)).fillna(fallback).to_numpy(np.float64)
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise InvalidInput("worker weights must be finite and non-negative")
        return weights

    def _fit(self, labels: Labels) -> None:
        weights = self._worker_weights(labels)
        self.skills_array_ = weights
        self.skills_ = self._worker_series(labels, weights, "skill")
        votes = vote_matrix(labels, weights[labels.worker])
        self._set_result(labels, normalize_rows(votes), break_ties(votes, self.tie_break, self.seed))
