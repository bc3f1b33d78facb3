"""Wawa (worker agreement with aggregate): majority vote re-weighted by agreement with majority vote."""

from __future__ import annotations

import numpy as np

from assay.quality._base import Aggregator, normalize_rows, vote_matrix
from assay.quality.labels import Labels
from assay.quality.majority_vote import TieBreak, break_ties

__all__ = ["Wawa", "agreement_with"]


def agreement_with(labels: Labels, label_index: np.ndarray) -> np.ndarray:
    """Per worker, the share of their answers equal to ``label_index`` of the item (0 for no answers)."""
    agree = labels.label == label_index[labels.item]
    total = np.bincount(labels.worker, minlength=labels.n_workers)
    hits = np.bincount(labels.worker, weights=agree, minlength=labels.n_workers)
    return hits / np.maximum(total, 1)


class Wawa(Aggregator):
    r"""Worker Agreement With Aggregate: a two-pass weighted majority vote.

    Model: first :math:`\tilde z_i` = majority vote; then each worker's skill is their agreement rate with it,
    :math:`s_w = \frac{1}{|I_w|}\sum_{i \in I_w} [y_{iw} = \tilde z_i]`, and
    :math:`\hat z_i = \arg\max_k \sum_w s_w [y_{iw} = k]`. Assumes the majority is right often enough to rank
    workers. Both passes break ties with ``tie_break`` (default: lowest class code).

    Reference: Appen (CrowdFlower) "worker agreement with aggregate"; crowd-kit's ``Wawa``.

    Example:
        >>> from assay.quality import Labels, Wawa
        >>> rows = [("t1", "w1", "a"), ("t1", "w2", "a"), ("t1", "w3", "b"),
        ...         ("t2", "w1", "b"), ("t2", "w2", "b"), ("t2", "w3", "a")]
        >>> Wawa().fit(Labels.from_rows(rows)).skills_.round(2).to_dict()
        {'w1': 1.0, 'w2': 1.0, 'w3': 0.0}
    """

    def __init__(self, tie_break: TieBreak = "lowest", seed: int | None = 0) -> None:
        self.tie_break = tie_break
        self.seed = seed

    def _fit(self, labels: Labels) -> None:
        first = break_ties(vote_matrix(labels), self.tie_break, self.seed)
        skills = agreement_with(labels, first)
        self.skills_array_ = skills
        self.skills_ = self._worker_series(labels, skills, "skill")
        votes = vote_matrix(labels, skills[labels.worker])
        self._set_result(labels, normalize_rows(votes), break_ties(votes, self.tie_break, self.seed))
