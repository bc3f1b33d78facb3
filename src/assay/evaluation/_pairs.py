"""Battles aggregated per unordered model pair, so that fitting costs O(pairs), not O(battles).

``PairCounts`` holds, for each pair ``first < second`` that met at least once, how often ``first`` won, how
often ``second`` won, and how often they tied. One ``np.bincount`` on ``3·pair + cell`` builds it; a bootstrap
round is a multinomial draw over those cells, which resamples the battles exactly without touching them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from assay.evaluation.battles import Battles

__all__ = ["PairCounts", "aggregate", "observed_win_rate"]

WIN, LOSS, TIE = 0, 1, 2  # cells, from the point of view of ``first``


@dataclass(frozen=True, eq=False)
class PairCounts:
    """``counts[p] = [first wins, second wins, ties]`` for the pair ``(first[p], second[p])``."""

    n_models: int
    first: np.ndarray
    second: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    def with_counts(self, counts: np.ndarray) -> PairCounts:
        """The same pairs with other counts (a bootstrap draw)."""
        return PairCounts(self.n_models, self.first, self.second, counts)

    def resample(self, n_rounds: int, rng: np.random.Generator) -> np.ndarray:
        """``(n_rounds, pairs, 3)`` counts of battles drawn with replacement: one multinomial per round."""
        flat = self.counts.ravel()
        n = int(round(flat.sum()))
        draws = rng.multinomial(n, flat / flat.sum(), size=n_rounds)
        return draws.reshape(n_rounds, *self.counts.shape).astype(np.float64)

    def win_graph_components(self) -> int:
        """Strongly connected components of the "i beat or tied j" graph: the BT maximum-likelihood estimate
        without a prior exists (and is unique up to a shift) exactly when this is 1 (Ford, 1957)."""
        c = self.counts
        beats_second, beats_first = c[:, WIN] + c[:, TIE] > 0, c[:, LOSS] + c[:, TIE] > 0
        rows = np.concatenate([self.first[beats_second], self.second[beats_first]])
        cols = np.concatenate([self.second[beats_second], self.first[beats_first]])
        graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.n_models, self.n_models))
        return int(connected_components(graph, directed=True, connection="strong")[0])

    def graph_components(self) -> int:
        """Connected components of the comparison graph (ignoring who won)."""
        graph = csr_matrix((np.ones(len(self.first)), (self.first, self.second)), shape=(self.n_models,) * 2)
        return int(connected_components(graph, directed=False)[0])


def aggregate(battles: Battles, weights: np.ndarray | None = None) -> PairCounts:
    """Count wins, losses and ties per unordered pair (optionally weighting each battle)."""
    n = battles.n_models
    a, b, outcome = battles.model_a, battles.model_b, battles.outcome
    first, second = np.minimum(a, b), np.maximum(a, b)
    score_first = np.where(a == first, outcome, 1.0 - outcome)
    cell = np.where(score_first == 1.0, WIN, np.where(score_first == 0.0, LOSS, TIE))
    key = first * n + second
    if n * n * 3 <= 4 * len(key) + (1 << 20):  # dense bincount over all pairs is cheap
        flat = np.bincount(key * 3 + cell, weights=weights, minlength=n * n * 3).reshape(-1, 3)
        keys = np.flatnonzero(flat.sum(axis=1) > 0)
        counts = flat[keys]
    else:  # many models: only the pairs that met
        keys, inverse = np.unique(key, return_inverse=True)
        counts = np.bincount(inverse * 3 + cell, weights=weights, minlength=len(keys) * 3).reshape(-1, 3)
    return PairCounts(n, keys // n, keys % n, counts.astype(np.float64))


def observed_win_rate(battles: Battles) -> pd.DataFrame:
    """Models × models observed score of the row model against the column model (ties count half);
    NaN where the two never met and on the diagonal.

    Example:
        >>> battles = Battles.from_arena([{"model_a": "x", "model_b": "y", "winner": "tie"},
        ...                               {"model_a": "y", "model_b": "x", "winner": "model_a"}])
        >>> observed_win_rate(battles).loc["x", "y"]
        np.float64(0.25)
    """
    pairs = aggregate(battles)
    n = battles.n_models
    score = np.full((n, n), np.nan)
    c = pairs.counts
    score[pairs.first, pairs.second] = (c[:, WIN] + 0.5 * c[:, TIE]) / pairs.total
    score[pairs.second, pairs.first] = (c[:, LOSS] + 0.5 * c[:, TIE]) / pairs.total
    index = pd.Index(battles.models, name="model")
    return pd.DataFrame(score, index=index, columns=index.rename("opponent"))
