"""Leaderboard tables from battles: ratings, bootstrap intervals, CI-aware ranks, per-category breakdowns."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.evaluation._base import RatingModel
from assay.evaluation.battles import Battles, BattlesLike, as_battles
from assay.evaluation.bradley_terry import BradleyTerry

__all__ = ["COLUMNS", "category_leaderboard", "ci_rank", "leaderboard", "to_csv", "to_json"]

COLUMNS = ["rank", "model", "rating", "ci_low", "ci_high", "n_battles", "win_rate"]


def ci_rank(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """CI-aware rank: ``1 +`` the number of models whose lower bound exceeds this model's upper bound.

    Models whose intervals overlap share a rank, so a rank only says "statistically behind these many".

    Example:
        >>> ci_rank(np.array([10.0, 8.0, 0.0]), np.array([12.0, 11.0, 9.0])).tolist()
        [1, 1, 2]
    """
    lower, upper = np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)
    # Sorting the lower bounds turns the count for every model into one searchsorted: O(n log n).
    return 1 + len(lower) - np.searchsorted(np.sort(lower), upper, side="right")


def leaderboard(
    battles: BattlesLike,
    model: RatingModel | None = None,
    *,
    n_bootstrap: int = 100,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per model, best first: ``rank, model, rating, ci_low, ci_high, n_battles, win_rate``.

    ``model`` is an unfitted template (default ``BradleyTerry()``; pass ``StyleControl()`` for style-adjusted
    ratings); a fresh copy is fitted here. ``rank`` is ``ci_rank`` of the bootstrap ``confidence`` interval
    (with ``n_bootstrap=0`` the interval collapses to the rating). ``win_rate`` is the observed share of
    points scored, ties counting half.

    Example:
        >>> logs = [{"model_a": "a", "model_b": "b", "winner": "model_a"},
        ...         {"model_a": "b", "model_b": "c", "winner": "model_a"},
        ...         {"model_a": "a", "model_b": "c", "winner": "tie"}]
        >>> leaderboard(logs, n_bootstrap=0)[["rank", "model", "n_battles", "win_rate"]].to_dict("list")
        {'rank': [1, 2, 3], 'model': ['a', 'b', 'c'], 'n_battles': [2, 2, 2], 'win_rate': [0.75, 0.5, 0.25]}
    """
    data = as_battles(battles)
    fitted = (model or BradleyTerry()).clone().fit(data)
    ratings = fitted.ratings_.to_numpy()
    if n_bootstrap:
        fitted.bootstrap(n_bootstrap, seed=seed, confidence=confidence)
        low, high = fitted.ci_["lower"].to_numpy(), fitted.ci_["upper"].to_numpy()
    else:
        low, high = ratings, ratings
    table = pd.DataFrame(
        {
            "rank": ci_rank(low, high),
            "model": list(data.models),
            "rating": ratings,
            "ci_low": low,
            "ci_high": high,
            "n_battles": data.battle_counts(),
            "win_rate": _points(data) / np.maximum(data.battle_counts(), 1),
        }
    )
    table = table.sort_values(["rating", "model"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def category_leaderboard(
    battles: Battles,
    model: RatingModel | None = None,
    *,
    categories: Sequence[str] | None = None,
    overall: bool = True,
    n_bootstrap: int = 100,
    seed: int | None = 0,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """``leaderboard`` per category, stacked with a leading ``category`` column ("overall" first if asked).

    Each category is fitted on its own battles (a battle tagged with several categories counts in each);
    models with no battle in a category are absent from its rows.
    """
    if battles.category is None:
        raise InvalidInput("battles have no categories (Battles.from_arena(category=...))")
    names = list(battles.categories if categories is None else categories)
    tables = []
    if overall:
        tables.append(leaderboard(battles, model, n_bootstrap=n_bootstrap, seed=seed, confidence=confidence))
        tables[-1].insert(0, "category", "overall")
    for name in names:
        subset = battles.in_category(name)
        if len(subset) == 0:
            continue
        table = leaderboard(subset, model, n_bootstrap=n_bootstrap, seed=seed, confidence=confidence)
        table.insert(0, "category", name)
        tables.append(table)
    if not tables:
        return pd.DataFrame(columns=["category", *COLUMNS])
    return pd.concat(tables, ignore_index=True)


def to_json(table: pd.DataFrame) -> str:
    """The table as a JSON array of row objects (NaN as ``null``)."""
    return table.to_json(orient="records", double_precision=10)


def to_csv(table: pd.DataFrame) -> str:
    """The table as CSV text with a header row and no index column."""
    return table.to_csv(index=False, lineterminator="\n")


def _points(battles: Battles) -> np.ndarray:
    """Points scored by each model (1 per win, ½ per tie)."""
    k, outcome = battles.n_models, battles.outcome
    return np.bincount(battles.model_a, outcome, k) + np.bincount(battles.model_b, 1.0 - outcome, k)
