"""Simulated battles shared by the evaluation tests (fixed seeds, small enough to fit in milliseconds)."""

from __future__ import annotations

import numpy as np

from assay.evaluation import Battles


def simulate(
    strengths: np.ndarray,
    n_battles: int,
    *,
    tie_rate: float = 0.0,
    seed: int = 0,
    names: list[str] | None = None,
) -> Battles:
    """Bradley-Terry battles between random distinct pairs; a share ``tie_rate`` of them become ties."""
    rng = np.random.default_rng(seed)
    k = len(strengths)
    a = rng.integers(0, k, n_battles)
    b = (a + rng.integers(1, k, n_battles)) % k
    win = rng.random(n_battles) < 1.0 / (1.0 + np.exp(strengths[b] - strengths[a]))
    outcome = np.where(rng.random(n_battles) < tie_rate, 0.5, win.astype(float))
    return Battles(a, b, outcome, tuple(names or [f"m{i}" for i in range(k)]))


TRUTH = np.array([1.2, 0.6, 0.1, -0.2, -0.7, -1.0])
