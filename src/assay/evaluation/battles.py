"""``Battles``: pairwise model comparisons as aligned integer arrays, the input of every rating model.

Model names are factorised once here (sorted), so the estimators only ever see dense codes ``0..n-1`` and
count with ``np.bincount``. ``outcome`` is A's score: 1 win, 0 loss, 0.5 tie; ``both_bad`` marks arena's
"tie (bothbad)" (a tie where neither answer was good), kept for reporting and scored as a tie.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.evaluation._logs import ArenaLog, parse_arena, parse_pairwise, raise_problems

__all__ = ["Battles", "BattlesLike", "as_battles"]

_OUTCOMES = np.array([0.0, 0.5, 1.0])


def _codes(values: Any, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and not np.issubdtype(array.dtype, np.integer)):
        raise InvalidInput(
            f"{name} must be a 1-d integer array", details=[{"loc": [name], "msg": "not integer"}]
        )
    return array.astype(np.int64, copy=False)


def _matrix(values: Any, n: int, dtype: type, name: str) -> np.ndarray:
    """``values`` as an ``(n, columns)`` array; a 1-d array is one column."""
    array = np.asarray(values, dtype=dtype)
    array = array[:, None] if array.ndim == 1 else array
    if array.ndim != 2 or array.shape[0] != n:
        raise InvalidInput(f"{name} needs one row per battle", details=[{"loc": [name], "msg": "bad shape"}])
    return array


@dataclass(frozen=True, eq=False)
class Battles:
    """Pairwise battles: row ``r`` is ``models[model_a[r]]`` (A) against ``models[model_b[r]]`` (B); A scored
    ``outcome[r]``.

    Optional per-battle data: ``category`` is a ``(n_battles, n_categories)`` bool matrix (a battle may sit in
    several categories, as arena's "coding" and "hard prompts" do) named by ``categories``; ``style_a`` and
    ``style_b`` are ``(n_battles, n_features)`` non-negative style measurements of each side's answer
    (token counts, header counts...) named by ``style_features``. Construction checks every row and raises
    ``InvalidInput`` naming the first bad row and field (``details`` lists up to 50 problems).

    Example:
        >>> battles = Battles.from_arena([
        ...     {"model_a": "gpt", "model_b": "llama", "winner": "model_a"},
        ...     {"model_a": "llama", "model_b": "gpt", "winner": "tie (bothbad)"},
        ... ])
        >>> battles.models, battles.outcome.tolist(), battles.both_bad.tolist()
        (('gpt', 'llama'), [1.0, 0.5], [False, True])
    """

    model_a: np.ndarray
    model_b: np.ndarray
    outcome: np.ndarray
    models: tuple[str, ...]
    both_bad: np.ndarray | None = None
    category: np.ndarray | None = None
    categories: tuple[str, ...] = ()
    style_a: np.ndarray | None = None
    style_b: np.ndarray | None = None
    style_features: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "model_a", _codes(self.model_a, "model_a"))
        set_(self, "model_b", _codes(self.model_b, "model_b"))
        set_(self, "outcome", np.asarray(self.outcome, dtype=np.float64))
        set_(self, "models", tuple(str(m) for m in self.models))
        n = len(self.model_a)
        both_bad = np.zeros(n, dtype=bool) if self.both_bad is None else np.asarray(self.both_bad, dtype=bool)
        set_(self, "both_bad", both_bad)
        if any(len(x) != n for x in (self.model_b, self.outcome, self.both_bad)):
            raise InvalidInput("model_a, model_b, outcome and both_bad must have the same length")
        if len(set(self.models)) != len(self.models):
            raise InvalidInput("model names must be unique", details=[{"loc": ["models"], "msg": "repeated"}])
        rows = np.arange(n)
        k = len(self.models)
        problems: list[dict[str, Any]] = []
        for codes, name in ((self.model_a, "model_a"), (self.model_b, "model_b")):
            bad = rows[(codes < 0) | (codes >= k)]
            problems += [{"loc": [int(r), name], "msg": f"model code outside 0..{k - 1}"} for r in bad[:50]]
        same = rows[self.model_a == self.model_b]
        problems += [{"loc": [int(r), "model_b"], "msg": "a model cannot battle itself"} for r in same[:50]]
        bad = rows[~np.isin(self.outcome, _OUTCOMES)]
        problems += [{"loc": [int(r), "outcome"], "msg": "outcome must be 0, 0.5 or 1"} for r in bad[:50]]
        bad = rows[self.both_bad & (self.outcome != 0.5)]
        problems += [
            {"loc": [int(r), "both_bad"], "msg": "both_bad is only valid on a tie"} for r in bad[:50]
        ]
        raise_problems(problems)
        self._check_extras(n)

    def _check_extras(self, n: int) -> None:
        set_ = object.__setattr__
        if self.category is not None:
            set_(self, "category", _matrix(self.category, n, bool, "category"))
            set_(self, "categories", tuple(str(c) for c in self.categories))
            if self.category.shape[1] != len(self.categories):
                raise InvalidInput("category needs one column per name in categories")
        if (self.style_a is None) != (self.style_b is None):
            raise InvalidInput("style_a and style_b come together")
        if self.style_a is not None:
            set_(self, "style_a", _matrix(self.style_a, n, np.float64, "style_a"))
            set_(self, "style_b", _matrix(self.style_b, n, np.float64, "style_b"))
            set_(self, "style_features", tuple(str(f) for f in self.style_features))
            if self.style_a.shape != self.style_b.shape or self.style_a.shape[1] != len(self.style_features):
                raise InvalidInput("style_a and style_b need one column per name in style_features")
            for values, side in ((self.style_a, "a"), (self.style_b, "b")):
                bad_rows, bad_cols = np.nonzero(~np.isfinite(values) | (values < 0))
                raise_problems(
                    [
                        {
                            "loc": [int(r), f"{self.style_features[c]}_{side}"],
                            "msg": "must be finite and >= 0",
                        }
                        for r, c in zip(bad_rows[:50], bad_cols[:50], strict=True)
                    ]
                )

    @property
    def n_models(self) -> int:
        return len(self.models)

    def __len__(self) -> int:
        return len(self.model_a)

    def __repr__(self) -> str:
        return (
            f"Battles(n_battles={len(self)}, n_models={self.n_models}, categories={len(self.categories)}, "
            f"style_features={list(self.style_features)})"
        )

    @classmethod
    def from_arena(
        cls,
        logs: pd.DataFrame | Sequence[Mapping[str, Any]],
        *,
        category: str | None = None,
        style: Mapping[str, tuple[str, str]] | None = None,
    ) -> Battles:
        """Build from arena-style logs: ``model_a``, ``model_b`` and ``winner`` in ``{"model_a", "model_b",
        "tie", "tie (bothbad)"}``, as a DataFrame or a list of dicts.

        ``category`` names a column holding a category name or a list of names per battle (missing = none);
        ``style`` maps a feature name to its ``(column_a, column_b)`` pair, e.g.
        ``{"length": ("tokens_a", "tokens_b")}``. Rows are numbered from 0 in input order in error details.
        """
        return cls(**parse_arena(logs, category=category, style=style))

    @classmethod
    def from_pairwise(cls, frame: pd.DataFrame | Sequence[Mapping[str, Any]]) -> Battles:
        """Build from crowd-kit's pairwise format: ``worker``, ``left``, ``right``, ``label`` where ``label``
        is the preferred item's name (``left`` becomes model A). The worker column is accepted and ignored."""
        return cls(**parse_pairwise(frame))

    def subset(self, mask: np.ndarray, *, drop_unused_models: bool = True) -> Battles:
        """The battles where ``mask`` holds; models left without battles are dropped unless told otherwise."""
        mask = np.asarray(mask, dtype=bool)
        a, b = self.model_a[mask], self.model_b[mask]
        models = np.asarray(self.models, dtype=object)
        if drop_unused_models:
            used = np.zeros(self.n_models, dtype=bool)
            used[a] = used[b] = True
            remap = np.cumsum(used) - 1
            a, b, models = remap[a], remap[b], models[used]

        def pick(values: np.ndarray | None) -> np.ndarray | None:
            return None if values is None else values[mask]

        return Battles(
            a, b, self.outcome[mask], tuple(models), pick(self.both_bad), pick(self.category),
            self.categories, pick(self.style_a), pick(self.style_b), self.style_features,
        )  # fmt: skip

    def in_category(self, name: str) -> Battles:
        """The battles tagged with category ``name`` (models absent from it are dropped)."""
        if self.category is None or name not in self.categories:
            raise InvalidInput(f"unknown category {name!r}", details=[{"loc": ["category"], "msg": name}])
        return self.subset(self.category[:, self.categories.index(name)])

    def battle_counts(self) -> np.ndarray:
        """Number of battles each model took part in, by model code."""
        k = self.n_models
        return np.bincount(self.model_a, minlength=k) + np.bincount(self.model_b, minlength=k)


BattlesLike = Battles | pd.DataFrame | Sequence[ArenaLog]


def as_battles(data: BattlesLike) -> Battles:
    """``data`` as ``Battles``: frames and lists of dicts with ``left/right/label`` are read as crowd-kit's
    pairwise format, anything else as arena logs."""
    if isinstance(data, Battles):
        return data
    if isinstance(data, pd.DataFrame):
        columns = set(data.columns)
    elif not isinstance(data, Sequence):
        raise InvalidInput(f"expected Battles, a DataFrame or a list of dicts, got {type(data).__name__}")
    else:
        columns = set(data[0]) if len(data) and isinstance(data[0], Mapping) else set()
    if {"left", "right", "label"} <= columns:
        return Battles.from_pairwise(data)
    return Battles.from_arena(data)
