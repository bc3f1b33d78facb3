"""The Bradley-Terry head: L2-regularised logistic regression on feature differences of preference pairs."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

from assay.errors import InvalidInput

__all__ = ["BradleyTerryHead"]


class BradleyTerryHead:
    """Linear reward ``r(x) = w·x`` fitted so that ``P(chosen ≻ rejected) = σ(w·(x_chosen - x_rejected))``.

    Loss: ``-Σ_n c_n log σ(w·d_n) + (l2/2)·|w|²`` over differences ``d_n`` with weights ``c_n`` (no intercept:
    swapping the sides flips the probability exactly). L-BFGS on the exact gradient; the objective is
    strictly convex for ``l2 > 0``, so the optimum is unique and finite even for separable data.
    ``covariance_`` is the Laplace posterior covariance (inverse Hessian at the optimum), used by active
    learning to measure how much a new judgment would teach the model.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> head = BradleyTerryHead().fit(rng.normal(size=(200, 3)) + [2.0, 0.0, 0.0])
        >>> bool(head.coef_[0] > 1)
        True
    """

    def __init__(self, l2: float = 1.0, *, max_iter: int = 500) -> None:
        self.l2 = l2
        self.max_iter = max_iter

    def fit(self, differences: np.ndarray, weights: np.ndarray | None = None) -> BradleyTerryHead:
        """Fit on ``(n, dim)`` differences ``x_chosen - x_rejected`` (optionally weighted)."""
        d = np.asarray(differences, dtype=np.float64)
        if d.ndim != 2 or len(d) == 0:
            raise InvalidInput("need a non-empty (n_pairs, dim) matrix of feature differences")
        if not np.isfinite(d).all():
            raise InvalidInput("feature differences must be finite")
        if not (np.isfinite(self.l2) and self.l2 > 0):
            raise InvalidInput("l2 must be a finite number > 0")
        c = np.ones(len(d)) if weights is None else np.asarray(weights, dtype=np.float64)

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            margin = d @ w
            value = -(c * log_expit(margin)).sum() + 0.5 * self.l2 * w @ w
            grad = -d.T @ (c * expit(-margin)) + self.l2 * w
            return float(value), grad

        result = minimize(
            objective, np.zeros(d.shape[1]), jac=True, method="L-BFGS-B",
            options={"maxiter": self.max_iter, "gtol": 1e-8},
        )  # fmt: skip
        self.coef_ = result.x
        self.n_iter_ = int(result.nit)
        self._d, self._c = d, c
        self._covariance: np.ndarray | None = None
        return self

    @property
    def covariance_(self) -> np.ndarray:
        """Laplace posterior covariance of ``coef_`` given the training pairs (see ``posterior_covariance``)."""
        if self._covariance is None:
            self._covariance = self.posterior_covariance(self._d, self._c)
        return self._covariance

    def posterior_covariance(self, differences: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """``(Σ c p(1-p) d dᵀ + l2·I)⁻¹`` at ``coef_`` over the given judged pairs (the Laplace posterior)."""
        d = np.asarray(differences, dtype=np.float64).reshape(-1, len(self.coef_))
        c = np.ones(len(d)) if weights is None else np.asarray(weights, dtype=np.float64)
        p = expit(d @ self.coef_)
        hessian = (d * (c * p * (1 - p))[:, None]).T @ d
        hessian[np.diag_indices_from(hessian)] += self.l2
        return np.linalg.inv(hessian)

    def predict_proba(self, differences: np.ndarray) -> np.ndarray:
        """``P(first ≻ second)`` for each row of differences ``x_first - x_second``."""
        return expit(np.asarray(differences, dtype=np.float64) @ self.coef_)

    def reward(self, features: np.ndarray) -> np.ndarray:
        """The reward ``w·x`` of each row of features."""
        return np.asarray(features, dtype=np.float64) @ self.coef_
