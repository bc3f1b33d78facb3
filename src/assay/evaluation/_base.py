"""Shared surface of the rating models: parameters, the Elo-like scale, bootstrap intervals, win rates."""

from __future__ import annotations

import inspect
from typing import Any, Self

import numpy as np
import pandas as pd

from assay.errors import EmptyInput, InvalidInput
from assay.evaluation.battles import Battles, BattlesLike, as_battles

__all__ = ["ELO_SCALE", "ConvergenceWarning", "RatingModel"]

# 400 rating points per factor of 10 in odds, as in chess Elo and public arena leaderboards: 400 / ln 10.
ELO_SCALE = 400.0 / np.log(10.0)


class ConvergenceWarning(UserWarning):
    """An iterative fit stopped at ``max_iter`` before its steps fell below ``tol``."""


class RatingModel:
    """Base of the pairwise rating estimators (``BradleyTerry``, ``StyleControl``).

    After ``fit``: ``scores_`` (log-strengths, Series indexed by model, mean 0 or 0 at ``anchor``),
    ``ratings_ = base_rating + 400·log10(e)·scores_`` (so 400 points = 10:1 odds), ``n_battles_``,
    ``win_rate_`` (predicted models × models expected score). After ``bootstrap``: ``ci_`` (``lower`` and
    ``upper`` rating columns) and ``bootstrap_ratings_`` (rounds × models).
    """

    base_rating: float
    anchor: str | None
    scores_: pd.Series
    n_battles_: pd.Series
    ci_: pd.DataFrame
    bootstrap_ratings_: pd.DataFrame

    # -- sklearn-like plumbing -------------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor's hyper-parameters, by name."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def clone(self) -> Self:
        """An unfitted copy with the same hyper-parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def fit(self, battles: BattlesLike, *, n_bootstrap: int = 0, seed: int | None = None) -> Self:
        """Fit to ``Battles`` (or arena / pairwise logs); with ``n_bootstrap`` > 0 also compute ``ci_``."""
        data = as_battles(battles)
        if len(data) == 0:
            raise EmptyInput("no battles to rate")
        self._check_params(data)
        for stale in ("ci_", "bootstrap_ratings_"):  # intervals of an earlier fit no longer apply
            self.__dict__.pop(stale, None)
        self.models_ = pd.Index(data.models, name="model")
        self.n_battles_ = pd.Series(data.battle_counts(), index=self.models_, name="n_battles")
        self._fit(data)
        if n_bootstrap:
            self.bootstrap(n_bootstrap, seed=seed)
        return self

    def fit_predict(self, battles: BattlesLike) -> pd.Series:
        """``fit`` then return ``ratings_``."""
        return self.fit(battles).ratings_

    # -- results ---------------------------------------------------------------------------------------
    @property
    def ratings_(self) -> pd.Series:
        return (self.base_rating + ELO_SCALE * self.scores_).rename("rating")

    @property
    def win_rate_(self) -> pd.DataFrame:
        s = self.scores_.to_numpy()
        matrix = self._expected_score(s[:, None] - s[None, :])
        np.fill_diagonal(matrix, np.nan)
        return pd.DataFrame(matrix, index=self.models_, columns=self.models_.rename("opponent"))

    def predict_proba(self, model_a: Any, model_b: Any) -> np.ndarray:
        """Expected score of ``model_a`` against ``model_b`` (names, scalars or arrays; ties count half)."""
        a = self.models_.get_indexer(np.atleast_1d(np.asarray(model_a, dtype=object)))
        b = self.models_.get_indexer(np.atleast_1d(np.asarray(model_b, dtype=object)))
        if (a < 0).any() or (b < 0).any():
            raise InvalidInput("unknown model name", details=[{"loc": ["model"], "msg": "not fitted"}])
        s = self.scores_.to_numpy()
        return self._expected_score(s[a] - s[b])

    def bootstrap(self, n_rounds: int = 100, *, seed: int | None = None, confidence: float = 0.95) -> Self:
        """Percentile bootstrap over battles: ``ci_`` holds the ``confidence`` interval of each rating."""
        if not hasattr(self, "scores_"):
            raise InvalidInput("fit the model before bootstrapping")
        if int(n_rounds) < 1 or not 0.0 < confidence < 1.0:
            raise InvalidInput("n_rounds must be >= 1 and confidence in (0, 1)")
        raw = self._bootstrap_scores(int(n_rounds), np.random.default_rng(seed))
        ratings = self.base_rating + ELO_SCALE * self._center(raw)
        self.bootstrap_ratings_ = pd.DataFrame(ratings, columns=self.models_)
        tail = (1.0 - confidence) / 2.0
        lower, upper = np.quantile(ratings, [tail, 1.0 - tail], axis=0)
        self.ci_ = pd.DataFrame({"lower": lower, "upper": upper}, index=self.models_)
        return self

    # -- helpers for subclasses ------------------------------------------------------------------------
    def _check_common(self, battles: Battles) -> None:
        if self.anchor is not None and self.anchor not in battles.models:
            raise InvalidInput(
                f"anchor {self.anchor!r} is not a model",
                details=[{"loc": ["anchor"], "msg": "unknown model"}],
            )
        if not np.isfinite(self.base_rating):
            raise InvalidInput("base_rating must be finite")

    def _center(self, raw: np.ndarray) -> np.ndarray:
        """Scores (last axis = models) shifted to mean 0, or to 0 at the anchor model."""
        if self.anchor is None:
            return raw - raw.mean(axis=-1, keepdims=True)
        at = self.models_.get_loc(self.anchor)
        return raw - raw[..., at : at + 1]

    def _set_scores(self, raw: np.ndarray) -> None:
        self.scores_ = pd.Series(self._center(raw), index=self.models_, name="score")

    def _check_params(self, battles: Battles) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _fit(self, battles: Battles) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bootstrap_scores(self, n_rounds: int, rng: np.random.Generator) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _expected_score(self, diff: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError
