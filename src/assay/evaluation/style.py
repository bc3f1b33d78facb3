"""Style-controlled Bradley-Terry: ratings with answer style (length, markdown...) regressed out."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit

from assay.errors import InvalidInput
from assay.evaluation._base import ConvergenceWarning, RatingModel
from assay.evaluation._pairs import aggregate
from assay.evaluation._solvers import newton, prior_terms
from assay.evaluation.battles import Battles

__all__ = ["StyleControl", "style_differences"]


def style_differences(battles: Battles, features: Sequence[str]) -> np.ndarray:
    """``(a - b) / (a + b)`` per battle and feature (0 where both are 0): a bounded, scale-free difference."""
    cols = [battles.style_features.index(f) for f in features]
    a, b = battles.style_a[:, cols], battles.style_b[:, cols]
    total = a + b
    return np.divide(a - b, total, out=np.zeros_like(total), where=total > 0)


class StyleControl(RatingModel):
    """Bradley-Terry logistic regression with style covariates, as public arena leaderboards' "style control".

    Model: ``P(A beats B) = σ(s_A - s_B + Σ_k β_k·z_k)`` where ``z_k = (x_Ak - x_Bk) / (x_Ak + x_Bk)`` is the
    normalised difference of style feature ``k`` (e.g. answer tokens), divided by its standard deviation over
    the battles (not centred, so swapping A and B flips ``z`` exactly). ``style_coef_`` holds ``β`` (log-odds
    per standard deviation of ``z``); ``scores_`` / ``ratings_`` are the style-adjusted strengths, i.e. the
    ratings two answers of equal style would earn. Ties count half a win (soft target 0.5).

    Assumptions: style acts additively on the log-odds, the same for every model; features are
    non-negative measurements of each answer. Priors: ``reg`` virtual ties per model against a reference of
    score 0 (as in ``BradleyTerry``) and a Gaussian ``style_reg·β²/2`` on the coefficients.

    Cost: each Newton step is O(battles·features) (covariates vary per battle, so pair counts no longer
    suffice); ``bootstrap`` refits each round on Poisson(1) battle weights, warm-started.

    References: Bradley & Terry (1952); Li et al. (2024), "Does style matter? Disentangling style and
    substance in Chatbot Arena" (LMSYS blog).

    Example:
        >>> from assay.evaluation import Battles, StyleControl
        >>> logs = [{"model_a": "verbose", "model_b": "terse", "winner": w, "len_a": la, "len_b": lb}
        ...         for w, la, lb in [("model_a", 900, 100), ("model_b", 100, 100), ("model_a", 800, 200),
        ...                           ("tie", 100, 120), ("model_b", 300, 100), ("model_a", 500, 400)]]
        >>> battles = Battles.from_arena(logs, style={"length": ("len_a", "len_b")})
        >>> model = StyleControl().fit(battles)
        >>> bool(model.style_coef_["length"] > 0)
        True
    """

    def __init__(
        self,
        features: Sequence[str] | None = None,
        *,
        reg: float = 1.0,
        style_reg: float = 1.0,
        max_iter: int = 100,
        tol: float = 1e-10,
        base_rating: float = 1000.0,
        anchor: str | None = None,
    ) -> None:
        self.features = features
        self.reg = reg
        self.style_reg = style_reg
        self.max_iter = max_iter
        self.tol = tol
        self.base_rating = base_rating
        self.anchor = anchor

    def _check_params(self, battles: Battles) -> None:
        self._check_common(battles)
        if battles.style_a is None or not battles.style_features:
            raise InvalidInput(
                "style control needs battles with style features: Battles.from_arena(style=...)"
            )
        unknown = [f for f in (self.features or ()) if f not in battles.style_features]
        if unknown:
            raise InvalidInput(
                f"unknown style features {unknown}", details=[{"loc": ["features"], "msg": "unknown"}]
            )
        for name in ("reg", "style_reg"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise InvalidInput(
                    f"{name} must be a finite number >= 0", details=[{"loc": [name], "msg": "bad"}]
                )
        if not (self.tol > 0 and self.max_iter >= 1):
            raise InvalidInput("tol must be > 0 and max_iter >= 1")

    def _fit(self, battles: Battles) -> None:
        features = list(self.features or battles.style_features)
        z = style_differences(battles, features)
        scale = np.sqrt(np.mean(z**2, axis=0))  # std around 0, matching the uncentred scaling
        scale[scale == 0] = 1.0  # a constant-zero feature carries no information; its coefficient stays 0
        self._design = (battles.model_a, battles.model_b, battles.outcome, z / scale)
        self._pair = _pair_index(battles)
        if self.reg == 0 and aggregate(battles).win_graph_components() > 1:
            raise InvalidInput(
                "reg=0: some models never beat (or tie) or never lose to (or tie) the rest; use reg > 0",
                details=[{"loc": ["reg"], "msg": "maximum-likelihood estimate does not exist"}],
            )
        x0 = np.zeros(battles.n_models + len(features))
        x, self.n_iter_, self.converged_ = self._solve(x0, None, float(self.reg))
        if not self.converged_:
            warnings.warn(
                f"StyleControl did not converge in {self.n_iter_} iterations", ConvergenceWarning, 3
            )
        n = battles.n_models
        self._x = x
        self.style_coef_ = pd.Series(x[n:], index=pd.Index(features, name="feature"), name="coef")
        self.style_scale_ = pd.Series(scale, index=self.style_coef_.index, name="scale")
        self._set_scores(x[:n])

    def _solve(
        self, x0: np.ndarray, weights: np.ndarray | None, reg: float, tol: float | None = None
    ) -> tuple[np.ndarray, int, bool]:
        a, b, y, z = self._design
        n, k = len(x0) - z.shape[1], z.shape[1]
        w = np.ones(len(a)) if weights is None else weights
        pair, first, second = self._pair
        style_reg = float(self.style_reg)

        def value(x: np.ndarray) -> float:
            eta = x[a] - x[b] + z @ x[n:]
            # log(1 + e^η), written out: twice as fast as np.logaddexp on a million battles
            softplus = np.maximum(eta, 0.0) + np.log1p(np.exp(-np.abs(eta)))
            loss = w @ (softplus - y * eta)  # -[y·log σ(η) + (1-y)·log σ(-η)]
            return float(loss) + prior_terms(x[:n], reg)[0] + 0.5 * style_reg * float(x[n:] @ x[n:])

        def system(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            eta = x[a] - x[b] + z @ x[n:]
            p = expit(eta)
            g, h = w * (y - p), w * p * (1.0 - p)
            _, prior_grad, prior_hess = prior_terms(x[:n], reg)
            grad = np.concatenate(
                [np.bincount(a, g, n) - np.bincount(b, g, n) + prior_grad, z.T @ g - style_reg * x[n:]]
            )
            hess = np.zeros((n + k, n + k))
            h_pair = np.bincount(pair, h, len(first))
            hess[first, second] = hess[second, first] = -h_pair
            hess[np.arange(n), np.arange(n)] = np.bincount(a, h, n) + np.bincount(b, h, n) + prior_hess
            hz = h[:, None] * z
            cross = np.stack([np.bincount(a, hz[:, c], n) - np.bincount(b, hz[:, c], n) for c in range(k)], 1)
            hess[:n, n:], hess[n:, :n] = cross, cross.T
            hess[n:, n:] = z.T @ hz + style_reg * np.eye(k)
            if reg == 0:  # the likelihood ignores a common shift of the scores: pin model 0's step to zero
                grad[0] = 0.0
                hess[0, :] = hess[:, 0] = 0.0
                hess[0, 0] = 1.0
            return grad, hess

        return newton(value, system, x0, int(self.max_iter), float(self.tol if tol is None else tol))

    def _bootstrap_scores(self, n_rounds: int, rng: np.random.Generator) -> np.ndarray:
        n = len(self.models_)
        a, b, y, _ = self._design
        scores = np.empty((n_rounds, n))
        for r in range(n_rounds):
            weights = rng.poisson(1.0, len(a)).astype(np.float64)
            reg = float(self.reg)
            if reg == 0:  # a resample can lose what made the plain MLE exist; then borrow the default prior
                kept = weights > 0
                sample = Battles(a[kept], b[kept], y[kept], tuple(self.models_))
                reg = 1.0 if aggregate(sample).win_graph_components() > 1 else 0.0
            # Resampling noise dwarfs 1e-7 in score, so rounds stop there and save a Newton step.
            scores[r] = self._solve(self._x, weights, reg, tol=max(float(self.tol), 1e-7))[0][:n]
        return scores

    def _expected_score(self, diff: np.ndarray) -> np.ndarray:
        return expit(diff)  # at equal style


def _pair_index(battles: Battles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each battle's unordered pair as a dense code, and the pairs' (first, second) models."""
    n = battles.n_models
    first = np.minimum(battles.model_a, battles.model_b)
    keys, pair = np.unique(first * n + np.maximum(battles.model_a, battles.model_b), return_inverse=True)
    return pair, keys // n, keys % n
