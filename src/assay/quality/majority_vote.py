"""Majority vote: the most frequent answer of each item, with an explicit tie rule."""

from __future__ import annotations

from typing import Literal

import numpy as np

from assay.errors import InvalidInput
from assay.quality._base import Aggregator, normalize_rows, row_argmax, row_max, row_sum, vote_matrix
from assay.quality.labels import Labels

__all__ = ["MajorityVote", "break_ties"]

TieBreak = Literal["lowest", "random"]


def break_ties(scores: np.ndarray, tie_break: TieBreak = "lowest", seed: int | None = 0) -> np.ndarray:
    """Index of the best class of each row of ``scores``.

    ``"lowest"``: among tied classes the lowest class code wins (the smallest name in the default sorted
    class order), which is also crowd-kit's rule when its columns are sorted (with pandas 3 they come in order
    of first appearance in the data). ``"random"``: a tied class drawn uniformly with ``seed``.
    """
    if tie_break == "lowest":
        return row_argmax(scores)
    if tie_break == "random":
        best = scores >= row_max(scores)[:, None]
        draws = np.random.default_rng(seed).random(scores.shape)
        return row_argmax(np.where(best, draws, -1.0))
    raise InvalidInput(f"tie_break must be 'lowest' or 'random', not {tie_break!r}")


class MajorityVote(Aggregator):
    r"""Majority vote: each item gets the class that most of its workers chose.

    Model: :math:`\hat z_i = \arg\max_k \sum_{w} [y_{iw} = k]`, and ``probas_`` is the share of votes per
    class. Assumes every worker is equally reliable and answers independently.

    Ties are broken explicitly: ``tie_break="lowest"`` (default) gives the lowest class code, that is the
    smallest class name in the default sorted order, a fixed rule that does not depend on the order of the
    rows; ``tie_break="random"`` draws one of the tied classes with the generator seeded by ``seed``.
    ``ties_`` tells which items were tied. Breaking ties by the overall class frequency (the class prior) was
    measured too: it is worse than the fixed rule on four of the nine public benchmark sets and better on one
    (``benchmarks/README-aggregation.md``), so it is not offered; a model that weighs workers (Wawa,
    Dawid-Skene) decides ties on evidence instead.

    Reference: the baseline of every crowdsourcing paper, e.g. Sheshadri & Lease, SQUARE (HCOMP 2013).

    Example:
        >>> from assay.quality import Labels, MajorityVote
        >>> rows = [("t1", "w1", "b"), ("t1", "w2", "a"), ("t2", "w1", "b"), ("t2", "w2", "b")]
        >>> labels = Labels.from_rows(rows)
        >>> MajorityVote().fit_predict(labels).to_dict()
        {'t1': 'a', 't2': 'b'}
    """

    def __init__(self, tie_break: TieBreak = "lowest", seed: int | None = 0) -> None:
        self.tie_break = tie_break
        self.seed = seed

    def _fit(self, labels: Labels) -> None:
        votes = vote_matrix(labels)
        self.ties_ = row_sum(votes == row_max(votes)[:, None]) > 1
        self._set_result(labels, normalize_rows(votes), break_ties(votes, self.tie_break, self.seed))
