"""Benchmark: Bradley-Terry leaderboard over a million battles, against a row-level logistic regression.

Run on demand from the repository root (not part of the test suite):

    .venv/bin/python -m benchmarks.leaderboard [--battles 1000000] [--models 100] [--rounds 100]

(``-m`` keeps benchmarks/ off the front of ``sys.path``, where a sibling such as benchmarks/queue.py would
shadow the standard library module scikit-learn needs.)

Simulates battles between ``--models`` models with N(0, 1) log-strengths (10 % ties), then times
``Battles`` construction, the ``BradleyTerry`` fit on pair counts and ``--rounds`` bootstrap rounds (the target:
all three under 10 s on a 2-core machine), next to logistic regressions of the same data on the full
battles × models design: scipy L-BFGS on a sparse design matrix, and scikit-learn when it is importable.
Prints a markdown table of times and of the largest rating difference to ``BradleyTerry(reg=0)``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit

from assay.evaluation import ELO_SCALE, Battles, BradleyTerry


def simulate(n_battles: int, n_models: int, seed: int) -> tuple[Battles, np.ndarray]:
    rng = np.random.default_rng(seed)
    strengths = rng.normal(size=n_models)
    a = rng.integers(0, n_models, n_battles)
    b = (a + rng.integers(1, n_models, n_battles)) % n_models
    win = rng.random(n_battles) < expit(strengths[a] - strengths[b])
    outcome = np.where(rng.random(n_battles) < 0.1, 0.5, win.astype(np.float64))
    return Battles(a, b, outcome, tuple(f"model-{i:03d}" for i in range(n_models))), strengths


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def centred_ratings(scores: np.ndarray) -> np.ndarray:
    return 1000.0 + ELO_SCALE * (scores - scores.mean())


def scipy_logistic_regression(battles: Battles) -> np.ndarray:
    """Unpenalised logistic regression on the full design: one row per battle, ``+1`` for A, ``-1`` for B,
    soft target (tie = 0.5), model 0's column dropped to fix the shift."""
    n, k = len(battles), battles.n_models
    rows = np.repeat(np.arange(n), 2)
    cols = np.column_stack([battles.model_a, battles.model_b]).ravel()
    signs = np.tile([1.0, -1.0], n)
    design = sparse.csr_matrix((signs, (rows, cols)), shape=(n, k))[:, 1:]
    target = battles.outcome

    def loss(weights: np.ndarray) -> tuple[float, np.ndarray]:
        eta = design @ weights
        value = np.sum(np.maximum(eta, 0) + np.log1p(np.exp(-np.abs(eta))) - target * eta)
        return float(value), design.T @ (expit(eta) - target)

    result = minimize(
        loss,
        np.zeros(k - 1),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 5000, "gtol": 1e-10, "ftol": 1e-15},
    )
    return np.concatenate([[0.0], result.x])


def sklearn_logistic_regression(battles: Battles) -> np.ndarray | None:
    """Arena's recipe: scikit-learn LogisticRegression without intercept or penalty; a tie enters as one
    win and one loss of weight ½ each. None when scikit-learn is not installed."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as error:
        print(f"scikit-learn skipped: {error}")
        return None
    n, k = len(battles), battles.n_models
    tie = battles.outcome == 0.5
    rows = np.concatenate([np.arange(n), np.flatnonzero(tie)])
    a, b = battles.model_a[rows], battles.model_b[rows]
    m = len(rows)
    design = sparse.csr_matrix(
        (np.tile([1.0, -1.0], m), (np.repeat(np.arange(m), 2), np.column_stack([a, b]).ravel())), shape=(m, k)
    )
    label = np.concatenate([battles.outcome >= 0.5, np.zeros(tie.sum(), dtype=bool)])
    weight = np.concatenate([np.where(tie, 0.5, 1.0), np.full(tie.sum(), 0.5)])
    model = LogisticRegression(fit_intercept=False, C=np.inf, tol=1e-8, max_iter=1000)  # C=inf: no penalty
    model.fit(design, label, sample_weight=weight)
    return model.coef_[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--battles", type=int, default=1_000_000)
    parser.add_argument("--models", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    raw, _ = simulate(args.battles, args.models, args.seed)
    battles, t_build = timed(lambda: Battles(raw.model_a, raw.model_b, raw.outcome, raw.models))
    model, t_fit = timed(lambda: BradleyTerry().fit(battles))
    _, t_boot = timed(lambda: model.bootstrap(args.rounds, seed=args.seed))
    plain, t_plain = timed(lambda: BradleyTerry(reg=0).fit(battles))
    mm, t_mm = timed(lambda: BradleyTerry("mm", reg=0).fit(battles))
    reference = plain.ratings_.to_numpy()

    frame = pd.DataFrame(
        {
            "model_a": np.asarray(battles.models, dtype=object)[battles.model_a],
            "model_b": np.asarray(battles.models, dtype=object)[battles.model_b],
            "winner": np.where(
                battles.outcome == 1, "model_a", np.where(battles.outcome == 0, "model_b", "tie")
            ),
        }
    )
    _, t_parse = timed(lambda: Battles.from_arena(frame))

    rows = [
        ("Battles from integer arrays (validation)", t_build, None),
        ("BradleyTerry newton fit (reg=1)", t_fit, np.abs(model.ratings_.to_numpy() - reference).max()),
        (f"bootstrap, {args.rounds} rounds", t_boot, None),
        (f"**total: build + fit + {args.rounds} bootstrap rounds**", t_build + t_fit + t_boot, None),
        ("BradleyTerry newton fit (reg=0, reference)", t_plain, 0.0),
        ("BradleyTerry mm fit (reg=0)", t_mm, np.abs(mm.ratings_.to_numpy() - reference).max()),
        ("Battles.from_arena on a DataFrame of names", t_parse, None),
    ]
    scores, t_lr = timed(lambda: scipy_logistic_regression(battles))
    rows.append(
        (
            "scipy L-BFGS logistic regression, full design",
            t_lr,
            np.abs(centred_ratings(scores) - reference).max(),
        )
    )
    coef, t_sk = timed(lambda: sklearn_logistic_regression(battles))
    if coef is not None:
        rows.append(
            (
                "scikit-learn LogisticRegression, full design",
                t_sk,
                np.abs(centred_ratings(coef) - reference).max(),
            )
        )

    print(f"\n{args.battles:,} battles, {args.models} models, {args.rounds} bootstrap rounds\n")
    print("| step | seconds | max \\|rating − BT(reg=0)\\| |")
    print("|---|---:|---:|")
    for name, seconds, diff in rows:
        print(f"| {name} | {seconds:.3f} | {'' if diff is None else f'{diff:.2e}'} |")
    width = (model.ci_["upper"] - model.ci_["lower"]).mean()
    print(f"\nmean 95 % CI width: {width:.2f} rating points; Newton iterations: {model.n_iter_}")


if __name__ == "__main__":
    main()
