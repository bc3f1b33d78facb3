"""GLAD: worker ability and item difficulty, fitted by EM with vectorised Newton steps in the M-step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.quality._base import Aggregator, normalize_rows, softmax_rows, vote_matrix
from assay.quality.labels import Labels
from assay.quality.one_coin_dawid_skene import one_coin_log_posterior

__all__ = ["GLAD"]

_BETA_BOUND = 10.0  # exp(±10) spans any plausible difficulty and keeps exp() finite
_MAX_STEP = 2.0  # a Newton step far from the optimum is cut to this before the safeguard


class GLAD(Aggregator):
    r"""GLAD (Generative model of Labels, Abilities and Difficulties).

    Model: worker :math:`w` answers item :math:`i` correctly with probability
    :math:`\sigma(\alpha_w e^{\beta_i})` and otherwise names one of the :math:`K-1` other classes uniformly;
    :math:`\alpha_w \in \mathbb{R}` is the ability (negative for adversarial workers), :math:`e^{\beta_i} > 0`
    the inverse difficulty. Gaussian priors :math:`\alpha \sim N(\mu_\alpha, 1)`,
    :math:`\beta \sim N(\mu_\beta, 1)`
    (both means 1, as crowd-kit). EM: the E-step gives :math:`P(z_i = k)`; the M-step raises the expected
    log-likelihood Q with ``m_step_iter`` sweeps of safeguarded Newton steps, alternating all :math:`\alpha`
    (given :math:`\beta`, one concave problem per worker) and all :math:`\beta` (one problem per item), from
    the analytic gradient :math:`\partial Q / \partial x_r = P(z_i = y_r) - \sigma(x_r)` for
    :math:`x_r = \alpha_w e^{\beta_i}`, summed with ``np.bincount``. Class priors are fixed, as in the paper
    and crowd-kit: uniform, or ``priors`` (class name → probability). Stops when the mean log-likelihood per
    label changes by less than ``tol``.

    Assumes independent answers given the true class, and errors that do not depend on the true class.
    Whitehill, Ruvolo, Wu, Bergsma & Movellan (2009), "Whose vote should count more: optimal integration of
    labels from labelers of unknown expertise", NeurIPS 22.

    Learned: ``labels_``, ``probas_``, ``alphas_`` and ``skills_`` (by worker), ``betas_`` (by item),
    ``priors_``.

    Example:
        >>> from assay.quality import GLAD, Labels
        >>> rows = [("t1", "w1", "a"), ("t1", "w2", "a"), ("t1", "w3", "b"),
        ...         ("t2", "w1", "b"), ("t2", "w2", "b"), ("t2", "w3", "a")]
        >>> GLAD().fit_predict(Labels.from_rows(rows)).to_dict()
        {'t1': 'a', 't2': 'b'}
    """

    def __init__(
        self,
        max_iter: int = 100,
        tol: float = 1e-5,
        m_step_iter: int = 5,
        alpha_prior_mean: float = 1.0,
        beta_prior_mean: float = 1.0,
        priors: Mapping[Any, float] | None = None,
    ) -> None:
        if max_iter < 1 or m_step_iter < 1 or tol < 0:
            raise InvalidInput("need max_iter >= 1, m_step_iter >= 1 and tol >= 0")
        self.max_iter = max_iter
        self.tol = tol
        self.m_step_iter = m_step_iter
        self.alpha_prior_mean = alpha_prior_mean
        self.beta_prior_mean = beta_prior_mean
        self.priors = priors

    def _class_priors(self, labels: Labels) -> np.ndarray:
        if self.priors is None:
            return np.full(labels.n_classes, 1.0 / labels.n_classes)
        given = pd.Series(self.priors, dtype=np.float64).reindex(pd.Index(labels.label_names)).fillna(0.0)
        if (given < 0).any() or given.sum() <= 0:
            raise InvalidInput("class priors must be non-negative with a positive sum")
        return np.maximum(given.to_numpy() / given.sum(), 1e-12)

    def _log_probs(
        self, labels: Labels, alphas: np.ndarray, betas: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per label: log P(right) = log σ(x) and log P(a given wrong class) = log(1 - σ(x)) - log(K - 1)."""
        x = alphas[labels.worker] * np.exp(betas[labels.item])
        soft = np.log1p(np.exp(-np.abs(x)))  # stable softplus pieces: log σ(x) = -(soft + max(-x, 0))
        log_right = -(soft + np.maximum(-x, 0.0))
        log_wrong = -(soft + np.maximum(x, 0.0)) - np.log(max(labels.n_classes - 1, 1))
        return log_right, log_wrong

    def _label_terms(
        self, labels: Labels, right: np.ndarray, alphas: np.ndarray, betas: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per label: x, σ(x) and its term of Q, ``right·log σ(x) + (1 - right)·log((1 - σ(x)) / (K - 1))``,
        written as ``right·x - max(x, 0) - log(1 + e^{-|x|}) - (1 - right)·log(K - 1)``."""
        x = alphas[labels.worker] * np.exp(betas[labels.item])
        tail = np.exp(-np.abs(x))
        sigma = np.where(x >= 0, 1.0, tail) / (1.0 + tail)
        q_label = right * x - np.maximum(x, 0.0) - np.log1p(tail)
        if labels.n_classes > 2:
            q_label -= (1.0 - right) * np.log(labels.n_classes - 1)
        return x, sigma, q_label

    def _sweep_block(
        self, labels: Labels, right: np.ndarray, params: list[np.ndarray], block: int, terms: tuple | None
    ) -> tuple | None:
        """One safeguarded Newton step on α (``block=0``, one concave problem per worker given β) or on β
        (``block=1``, one problem per item given α, with Fisher information as curvature). A parameter whose
        own part of Q does not improve has its step halved, up to 4 times, then keeps its old value: every
        sweep raises Q, which makes the whole fit a generalised EM. ``terms`` are the per-label terms at the
        current parameters when known; returns them at the new parameters when known (saves one pass)."""
        index, size = (labels.worker, labels.n_workers) if block == 0 else (labels.item, labels.n_items)
        mean = self.alpha_prior_mean if block == 0 else self.beta_prior_mean
        old = params[block]

        def evaluate(value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            trial = [value, params[1]] if block == 0 else [params[0], value]
            return self._label_terms(labels, right, *trial)

        def block_q(value: np.ndarray, q_label: np.ndarray) -> np.ndarray:
            return np.bincount(index, weights=q_label, minlength=size) - 0.5 * (value - mean) ** 2

        x, sigma, q_label = terms if terms is not None else evaluate(old)
        q_old = block_q(old, q_label)
        dx = np.exp(params[1])[labels.item] if block == 0 else x  # dx/dα = e^β, dx/dβ = x
        slope = right - sigma
        grad = np.bincount(index, weights=slope * dx, minlength=size) - (old - mean)
        curvature = np.bincount(index, weights=sigma * (1.0 - sigma) * dx * dx, minlength=size) + 1.0
        step = np.clip(grad / curvature, -_MAX_STEP, _MAX_STEP)
        value = old.copy()
        pending = np.ones(size, dtype=bool)
        for _ in range(5):
            trial = np.where(pending, old + step, value)
            if block == 1:
                trial = np.clip(trial, -_BETA_BOUND, _BETA_BOUND)
            trial_terms = evaluate(trial)
            improved = pending & (block_q(trial, trial_terms[2]) >= q_old)
            value[improved] = trial[improved]
            pending &= ~improved
            if not pending.any():
                params[block] = value
                return trial_terms  # value == trial everywhere
            step = step / 2
        params[block] = value
        return None

    def _fit(self, labels: Labels) -> None:
        alphas = np.full(labels.n_workers, self.alpha_prior_mean, dtype=np.float64)
        betas = np.full(labels.n_items, self.beta_prior_mean, dtype=np.float64)
        probas = normalize_rows(vote_matrix(labels))
        priors = self._class_priors(labels)
        history: list[float] = []
        for _ in range(self.max_iter):
            right = probas[labels.item, labels.label]
            params = [alphas, betas]
            terms = None
            for _ in range(self.m_step_iter):
                terms = self._sweep_block(labels, right, params, 0, terms)
                terms = self._sweep_block(labels, right, params, 1, terms)
            alphas, betas = params
            log_right, log_wrong = self._log_probs(labels, alphas, betas)
            probas, log_norm = softmax_rows(
                one_coin_log_posterior(labels, log_right, log_wrong, np.log(priors))
            )
            history.append(float(log_norm.sum()) / len(labels))
            if len(history) > 1 and abs(history[-1] - history[-2]) < self.tol:
                break
        self.n_iter_ = len(history)
        self.loglik_history_ = history
        self.alphas_array_, self.betas_array_ = alphas, betas
        self.alphas_ = self._worker_series(labels, alphas, "alpha")
        self.skills_ = self.alphas_.rename("skill")
        self.betas_ = pd.Series(betas, index=pd.Index(labels.item_names, name="task"), name="beta")
        self.priors_array_ = priors / priors.sum()
        self.priors_ = pd.Series(
            self.priors_array_, index=pd.Index(labels.label_names, name="label"), name="prior"
        )
        self._set_result(labels, probas)
