"""One-coin Dawid-Skene: one accuracy per worker, errors spread evenly over the other classes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.quality._base import Aggregator, column_mean, normalize_rows, softmax_rows, vote_matrix
from assay.quality.labels import Labels

__all__ = ["OneCoinDawidSkene", "one_coin_log_posterior", "one_coin_logs"]


def one_coin_log_posterior(
    labels: Labels, log_right: np.ndarray, log_wrong: np.ndarray, log_priors: np.ndarray
) -> np.ndarray:
    r"""Items × classes unnormalised log posterior when label ``r`` is right with log probability
    ``log_right[r]`` and names each wrong class with log probability ``log_wrong[r]``:
    :math:`\log p_k + \sum_r \log w_r + \sum_{r: y_r = k} (\log c_r - \log w_r)`."""
    base = np.bincount(labels.item, weights=log_wrong, minlength=labels.n_items)
    return vote_matrix(labels, log_right - log_wrong) + base[:, None] + log_priors


def one_coin_logs(correct: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Log probability of the right answer and of each wrong one, for accuracies ``correct``."""
    correct = np.clip(correct, 1e-12, 1 - 1e-12)
    return np.log(correct), np.log1p(-correct) - np.log(max(n_classes - 1, 1))


class OneCoinDawidSkene(Aggregator):
    r"""One-coin Dawid-Skene: worker :math:`w` answers the true class with probability :math:`s_w` and any
    other class with probability :math:`(1 - s_w) / (K - 1)`.

    Model: :math:`P(z_i = k \mid y) \propto p_k \prod_{w} s_w^{[y_{iw} = k]}
    \left(\frac{1 - s_w}{K - 1}\right)^{[y_{iw} \ne k]}`, fitted by EM from the soft majority vote. The M-step
    is :math:`s_w = (\sum_{i} P(z_i = y_{iw}) + \alpha) / (n_w + K\alpha)`: the smoothing pulls workers with
    few labels towards chance accuracy :math:`1/K` and keeps :math:`s_w` strictly in (0, 1). Stops when the
    mean log-likelihood per label changes by less than ``tol``.

    Assumes one skill per worker, the same on every class. Zhang, Chen, Zhou & Jordan (2016), "Spectral
    methods meet EM: a provably optimal algorithm for crowdsourcing", JMLR 17.

    Example:
        >>> from assay.quality import Labels, OneCoinDawidSkene
        >>> rows = [("t1", "w1", "a"), ("t1", "w2", "a"), ("t1", "w3", "b"),
        ...         ("t2", "w1", "b"), ("t2", "w2", "b"), ("t2", "w3", "a")]
        >>> model = OneCoinDawidSkene().fit(Labels.from_rows(rows))
        >>> model.labels_.to_dict(), bool(model.skills_["w1"] > model.skills_["w3"])
        ({'t1': 'a', 't2': 'b'}, True)
    """

    def __init__(self, max_iter: int = 100, tol: float = 1e-5, smoothing: float = 0.01) -> None:
        if max_iter < 1 or tol < 0 or smoothing <= 0:
            raise InvalidInput("need max_iter >= 1, tol >= 0 and smoothing > 0")
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing

    def _fit(self, labels: Labels) -> None:
        k = labels.n_classes
        per_worker = np.bincount(labels.worker, minlength=labels.n_workers)
        probas = normalize_rows(vote_matrix(labels))
        history: list[float] = []
        for _ in range(self.max_iter):
            hits = np.bincount(
                labels.worker, weights=probas[labels.item, labels.label], minlength=labels.n_workers
            )
            skills = (hits + self.smoothing) / (per_worker + k * self.smoothing)
            priors = np.maximum(column_mean(probas), 1e-12)
            log_right, log_wrong = one_coin_logs(skills, k)
            log_post = one_coin_log_posterior(
                labels, log_right[labels.worker], log_wrong[labels.worker], np.log(priors)
            )
            probas, log_norm = softmax_rows(log_post)
            history.append(float(log_norm.sum()) / len(labels))
            if len(history) > 1 and abs(history[-1] - history[-2]) < self.tol:
                break
        self.n_iter_ = len(history)
        self.loglik_history_ = history
        self.skills_array_ = skills
        self.skills_ = self._worker_series(labels, skills, "skill")
        self.priors_array_ = priors / priors.sum()
        self.priors_ = pd.Series(
            self.priors_array_, index=pd.Index(labels.label_names, name="label"), name="prior"
        )
        self._set_result(labels, probas)
