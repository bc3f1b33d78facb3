"""Dawid-Skene: one full confusion matrix per worker, fitted by EM from a majority-vote start."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.quality._base import (
    Aggregator,
    column_mean,
    label_worker_matrix,
    normalize_rows,
    softmax_rows,
    vote_matrix,
)
from assay.quality.labels import Labels

__all__ = ["DawidSkene"]


class DawidSkene(Aggregator):
    r"""Dawid-Skene: every worker has a confusion matrix :math:`\pi^w_{kl} = P(y = l \mid z = k)`.

    Model: :math:`P(z_i = k \mid y) \propto p_k \prod_{w \in W_i} \pi^w_{k, y_{iw}}`, fitted by
    expectation-maximisation started from the (soft) majority vote and run to convergence. The M-step is
    the MAP estimate under a Dirichlet prior on every row of every worker's confusion matrix, that is
    pseudo-counts added to the worker's expected counts :math:`n^w_{kl}`:

    .. math:: \pi^w_{kl} \propto n^w_{kl} + s\,\bar\pi_{kl} + c\,\mu^w_{kl} + \alpha

    * ``shrinkage`` :math:`s` pseudo-labels per row towards the pooled confusion matrix :math:`\bar\pi` of
      all workers: a worker with a handful of labels is assumed to confuse classes like the average worker;
    * ``coin_shrinkage`` :math:`c` pseudo-labels per row towards the worker's own one-coin matrix
      :math:`\mu^w` (:math:`a_w` on the diagonal, :math:`(1 - a_w) / (K - 1)` elsewhere), where
      :math:`a_w = (\sum_k n^w_{kk} + 2\bar a) / (n_w + 2)` is their expected accuracy shrunk towards the
      crowd's :math:`\bar a` (a Beta prior worth 2 labels): a worker who is right on the classes we saw them
      answer is assumed right on the others too, so a true class they met once or never does not get an
      arbitrary row (this matters with many classes and few labels per worker);
    * ``smoothing`` :math:`\alpha` on every cell, so no probability is ever 0 and a class a worker never saw
      cannot break the log-likelihood.

    Both means are re-estimated from the expected counts at every M-step (empirical Bayes), so the prior
    pools partially between the full Dawid-Skene model, the one-coin model and the average worker, in the
    spirit of the hierarchical Dawid-Skene of Paun et al. (2018), "Comparing Bayesian models of annotation",
    TACL 6. ``shrinkage=0, coin_shrinkage=0`` gives plain additive smoothing. The class prior :math:`p` is
    the mean posterior (maximum likelihood). Iterations stop when the mean log-likelihood per label changes
    by less than ``tol``, or at ``max_iter``.

    Assumes workers answer independently given the true class, with a worker-specific but item-independent
    confusion matrix. Dawid, A. P. & Skene, A. M. (1979), "Maximum likelihood estimation of observer
    error-rates using the EM algorithm", JRSS C 28(1), 20-28.

    Both EM steps are one sparse matrix product each over the (item, worker·K + answer) indicator matrix.

    Learned: ``labels_``, ``probas_``, ``confusions_`` (workers × true class × answer, rows sum to 1),
    ``priors_`` (Series by class), ``skills_`` (expected accuracy :math:`\sum_k p_k \pi^w_{kk}` by worker),
    ``n_iter_``, ``loglik_history_``.

    Example:
        >>> from assay.quality import DawidSkene, Labels
        >>> rows = [("t1", "w1", "a"), ("t1", "w2", "a"), ("t1", "w3", "b"),
        ...         ("t2", "w1", "b"), ("t2", "w2", "b"), ("t2", "w3", "b")]
        >>> DawidSkene().fit_predict(Labels.from_rows(rows)).to_dict()
        {'t1': 'a', 't2': 'b'}
    """

    def __init__(
        self,
        max_iter: int = 100,
        tol: float = 1e-5,
        smoothing: float = 0.01,
        shrinkage: float = 2.0,
        coin_shrinkage: float = 2.0,
    ) -> None:
        if max_iter < 1 or tol < 0 or smoothing <= 0 or shrinkage < 0 or coin_shrinkage < 0:
            raise InvalidInput("need max_iter >= 1, tol >= 0, smoothing > 0 and non-negative shrinkage")
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.shrinkage = shrinkage
        self.coin_shrinkage = coin_shrinkage

    def _prior_counts(self, counts: np.ndarray) -> np.ndarray:
        """Dirichlet pseudo-counts (workers × answer × true class) from the expected counts ``counts``."""
        k = counts.shape[1]
        pooled = counts.sum(axis=0)
        pooled /= np.maximum(pooled.sum(axis=0, keepdims=True), 1e-300)
        prior = self.shrinkage * pooled + self.smoothing
        if self.coin_shrinkage == 0:
            return np.broadcast_to(prior, counts.shape)
        right = np.einsum("wkk->w", counts)
        total = counts.sum(axis=(1, 2))
        crowd = right.sum() / max(total.sum(), 1e-300)
        accuracy = (right + 2.0 * crowd) / (total + 2.0)
        wrong = (1.0 - accuracy) / max(k - 1, 1)
        eye = np.eye(k)
        coin = wrong[:, None, None] * (1.0 - eye) + accuracy[:, None, None] * eye
        return prior + self.coin_shrinkage * coin

    def _fit(self, labels: Labels) -> None:
        k, n_workers = labels.n_classes, labels.n_workers
        by_item = label_worker_matrix(labels)  # items × (worker·K + answer)
        by_answer = by_item.T.tocsr()
        probas = normalize_rows(vote_matrix(labels))
        history: list[float] = []
        for _ in range(self.max_iter):
            # M-step: expected counts n[w, answer, true] in one product, plus the prior, normalised
            # per true class.
            counts = (by_answer @ probas).reshape(n_workers, k, k)
            counts += self._prior_counts(counts)
            log_conf = np.log(counts) - np.log(counts.sum(axis=1, keepdims=True))
            priors = np.maximum(column_mean(probas), 1e-12)
            # E-step: log posterior = log prior + sum of the workers' log confusion entries.
            log_post = by_item @ log_conf.reshape(n_workers * k, k) + np.log(priors)
            probas, log_norm = softmax_rows(log_post)
            history.append(float(log_norm.sum()) / len(labels))
            if len(history) > 1 and abs(history[-1] - history[-2]) < self.tol:
                break
        self.n_iter_ = len(history)
        self.loglik_history_ = history
        self.confusions_ = np.exp(log_conf).transpose(0, 2, 1)
        self.priors_array_ = priors / priors.sum()
        self.priors_ = pd.Series(
            self.priors_array_, index=pd.Index(labels.label_names, name="label"), name="prior"
        )
        skills = np.einsum("wkk,k->w", self.confusions_, self.priors_array_)
        self.skills_array_ = skills
        self.skills_ = self._worker_series(labels, skills, "skill")
        self._set_result(labels, probas)
