"""MACE: each worker either knows the answer or spams from a personal answer distribution."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import digamma

from assay.errors import InvalidInput
from assay.quality._base import Aggregator, normalize_rows, softmax_rows, vote_matrix
from assay.quality.labels import Labels

__all__ = ["MACE"]


class MACE(Aggregator):
    r"""MACE (Multi-Annotator Competence Estimation).

    Model: the true class :math:`T_i` is uniform; on each item worker :math:`j` spams with probability
    :math:`1 - \theta_j` (:math:`S_{ij} \sim \mathrm{Bernoulli}(1 - \theta_j)`). Not spamming, they answer
    :math:`T_i`; spamming, they draw the answer from their own strategy :math:`\xi_j` (a distribution over
    classes), so :math:`P(y_{ij} = l \mid T_i = k) = \theta_j [l = k] + (1 - \theta_j)\,\xi_{jl}`. A constant
    answerer has :math:`\xi_j` on one class; a uniform random one has a flat :math:`\xi_j`; both get a low
    competence :math:`\theta_j`.

    Fitted by EM from the soft majority vote, deterministically: no random restarts are run, because of ten
    in the style of the original MACE none beats this start by more than 1e-4 log-likelihood per label on the
    nine public benchmark sets (``benchmarks/README-aggregation.md``). The M-step is either
    variational-Bayes (``method="vb"``, default) under priors :math:`\theta_j \sim
    \mathrm{Beta}(\beta, \alpha)` and :math:`\xi_j \sim \mathrm{Dirichlet}(\gamma)`, or plain EM with additive
    ``smoothing`` (``method="em"``). Defaults follow crowd-kit: :math:`\alpha = \beta = 0.5`,
    :math:`\gamma = 10`. Stops when the mean log-likelihood per label changes by less than ``tol``.

    Hovy, Berg-Kirkpatrick, Vaswani & Hovy (2013), "Learning whom to trust with MACE", NAACL-HLT, 1120-1130.

    Learned: ``labels_``, ``probas_``, ``competence_`` and ``skills_`` (:math:`\theta_j` by worker),
    ``spam_probas_`` (:math:`1 - \theta_j`), ``strategies_`` (workers × classes, :math:`\xi`).

    Example:
        >>> from assay.quality import MACE, Labels
        >>> rows = [("t1", "w1", "a"), ("t1", "w2", "a"), ("t1", "w3", "b"),
        ...         ("t2", "w1", "b"), ("t2", "w2", "b"), ("t2", "w3", "b")]
        >>> MACE().fit_predict(Labels.from_rows(rows)).to_dict()
        {'t1': 'a', 't2': 'b'}
    """

    def __init__(
        self,
        max_iter: int = 50,
        tol: float = 1e-5,
        method: Literal["vb", "em"] = "vb",
        alpha: float = 0.5,
        beta: float = 0.5,
        strategy_prior: float = 10.0,
        smoothing: float = 0.01,
    ) -> None:
        if method not in ("vb", "em"):
            raise InvalidInput(f"method must be 'vb' or 'em', not {method!r}")
        if max_iter < 1 or tol < 0 or min(alpha, beta, strategy_prior, smoothing) <= 0:
            raise InvalidInput("need max_iter >= 1, tol >= 0 and positive priors")
        self.max_iter = max_iter
        self.tol = tol
        self.method = method
        self.alpha = alpha
        self.beta = beta
        self.strategy_prior = strategy_prior
        self.smoothing = smoothing

    def _m_step(self, labels: Labels, knowing: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per worker (spam weight, knowing weight, strategy) from the expected 'knew it' share per label."""
        n_workers, k = labels.n_workers, labels.n_classes
        spamming = 1.0 - knowing
        know_count = np.bincount(labels.worker, weights=knowing, minlength=n_workers)
        spam_count = np.bincount(labels.worker, weights=spamming, minlength=n_workers)
        flat = np.bincount(labels.worker * k + labels.label, weights=spamming, minlength=n_workers * k)
        strategy_count = flat.reshape(n_workers, k)
        if self.method == "vb":
            total = digamma(know_count + spam_count + self.alpha + self.beta)
            spam = np.exp(digamma(spam_count + self.alpha) - total)
            know = np.exp(digamma(know_count + self.beta) - total)
            strategy = np.exp(
                digamma(strategy_count + self.strategy_prior)
                - digamma(strategy_count.sum(axis=1, keepdims=True) + k * self.strategy_prior)
            )
        else:
            total = know_count + spam_count + 2 * self.smoothing
            spam, know = (spam_count + self.smoothing) / total, (know_count + self.smoothing) / total
            strategy = normalize_rows(strategy_count + self.smoothing)
        return spam, know, strategy

    def _fit(self, labels: Labels) -> None:
        item, worker, label = labels.item, labels.worker, labels.label
        log_prior = np.log(np.full(labels.n_classes, 1.0 / labels.n_classes))
        probas = normalize_rows(vote_matrix(labels))
        knowing = probas[item, label]  # start: a label is 'known' as often as the majority backs it
        history: list[float] = []
        for _ in range(self.max_iter):
            spam, know, strategy = self._m_step(labels, knowing)
            by_spam = spam[worker] * strategy[worker, label]  # P(answer | spamming) · P(spam)
            by_knowing = know[worker]
            log_spam = np.log(by_spam)
            base = np.bincount(item, weights=log_spam, minlength=labels.n_items)
            lift = vote_matrix(labels, np.log(by_spam + by_knowing) - log_spam)
            probas, log_norm = softmax_rows(lift + base[:, None] + log_prior)
            knowing = probas[item, label] * by_knowing / (by_spam + by_knowing)
            history.append(float(log_norm.sum()) / len(labels))
            if len(history) > 1 and abs(history[-1] - history[-2]) < self.tol:
                break
        self.n_iter_ = len(history)
        self.loglik_history_ = history
        competence = know / (know + spam)
        self.competence_array_ = competence
        self.competence_ = self._worker_series(labels, competence, "competence")
        self.skills_ = self.competence_.rename("skill")
        self.spam_probas_ = self._worker_series(labels, 1.0 - competence, "spam_proba")
        self.strategies_ = normalize_rows(strategy)
        self._set_result(labels, probas)

    @property
    def strategies_frame_(self) -> pd.DataFrame:
        """``strategies_`` as a workers × classes frame."""
        return pd.DataFrame(self.strategies_, index=self.competence_.index, columns=self.probas_.columns)
