"""Active vs random pairing for reward-model training, on simulated preferences with known latent utilities.

World: ``--prompts`` prompts with ``--responses`` responses each; every response has a feature vector
``x ~ N(0, I_d)`` and a latent utility ``u = θ·x`` (θ random, ``|θ| = --signal``). A simulated person prefers
``i`` over ``j`` with probability ``σ(u_i - u_j)`` (noisy, as people are). Candidate pairs are all pairs of
responses to the same prompt. Held-out accuracy: the share of pairs from ``--test-prompts`` unseen prompts on
which the model's preferred response is the one of higher true utility.

Each strategy starts from the same ``--warmup`` random judgments, then asks for ``--batch`` judgments at a
time up to ``--budget``, refitting ``assay.rewards.BradleyTerryHead`` after every batch:
- random: pairs drawn uniformly from the unjudged pool;
- uncertainty: the pairs whose predicted ``P(i ≻ j)`` is closest to ½ (``pair_uncertainty``);
- information: the pairs of largest expected information ``½·log(1 + p(1-p)·dᵀΣd)`` under the head's Laplace
  posterior (``expected_information``).
Curves are averaged over ``--seeds`` worlds. Writes ``benchmarks/results/active_preferences.svg`` and ``.json``.

    .venv/bin/python benchmarks/active_preferences.py [--seeds 20] [--budget 400]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from assay.rewards import BradleyTerryHead, expected_information, pair_uncertainty, select_pairs

RESULTS = Path(__file__).resolve().parent / "results"
STRATEGIES = ("random", "uncertainty", "information")
COLOURS = {"random": "#8a93a5", "uncertainty": "#e07a1f", "information": "#2f5bea"}


def make_world(rng: np.random.Generator, args: argparse.Namespace) -> dict[str, np.ndarray]:
    """Features, utilities, the candidate pool and the held-out pairs of one simulated world."""
    theta = rng.normal(size=args.dim)
    theta *= args.signal / np.linalg.norm(theta)

    def pairs(n_prompts: int) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(size=(n_prompts, args.responses, args.dim))
        i, j = np.triu_indices(args.responses, 1)
        diff = (x[:, i] - x[:, j]).reshape(-1, args.dim)
        return diff, diff @ theta

    pool, pool_gap = pairs(args.prompts)
    test, test_gap = pairs(args.test_prompts)
    keep = test_gap != 0
    return {"pool": pool, "pool_gap": pool_gap, "test": test[keep], "test_gap": test_gap[keep]}


def judge(world: dict[str, np.ndarray], rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Simulated judgments of pool pairs, oriented as chosen-minus-rejected differences."""
    first_wins = rng.random(len(rows)) < 1 / (1 + np.exp(-world["pool_gap"][rows]))
    return np.where(first_wins[:, None], world["pool"][rows], -world["pool"][rows])


def accuracy(head: BradleyTerryHead, world: dict[str, np.ndarray]) -> float:
    """Held-out agreement with the true-utility order."""
    return float(np.mean((world["test"] @ head.coef_ > 0) == (world["test_gap"] > 0)))


def run_strategy(
    world: dict[str, np.ndarray], strategy: str, seed: int, args: argparse.Namespace
) -> list[float]:
    """Held-out accuracy after each batch of judgments, from ``--warmup`` to ``--budget``."""
    rng = np.random.default_rng(seed)
    judged = rng.choice(len(world["pool"]), args.warmup, replace=False)
    labelled = judge(world, judged, rng)
    curve = []
    while True:
        head = BradleyTerryHead(l2=args.l2).fit(labelled)
        curve.append(accuracy(head, world))
        if len(judged) >= args.budget:
            return curve
        open_rows = np.setdiff1d(np.arange(len(world["pool"])), judged)
        k = min(args.batch, args.budget - len(judged))
        if strategy == "random":
            pick = rng.choice(open_rows, k, replace=False)
        else:
            d = world["pool"][open_rows]
            proba = head.predict_proba(d)
            if strategy == "uncertainty":
                scores = pair_uncertainty(proba)
            else:
                scores = expected_information(d, head.covariance_, proba)
            pick = open_rows[select_pairs(scores, k, seed=int(rng.integers(2**31)))]
        judged = np.concatenate([judged, pick])
        labelled = np.vstack([labelled, judge(world, pick, rng)])


def needed(curve: np.ndarray, budgets: np.ndarray, target: float) -> int | None:
    """The fewest judgments at which the mean curve reaches ``target`` (None if it never does)."""
    hit = np.flatnonzero(curve >= target)
    return int(budgets[hit[0]]) if len(hit) else None


def write_svg(path: Path, budgets: np.ndarray, curves: dict[str, np.ndarray], errors: dict[str, np.ndarray],
              title: str) -> None:  # fmt: skip
    """A hand-written SVG line chart of accuracy against judgments, with ±1 standard error bands."""
    width, height, left, right, top, bottom = 720, 420, 64, 150, 40, 50
    low = min(float((curves[s] - errors[s]).min()) for s in curves)
    low = np.floor(low * 20) / 20
    high = 1.0

    def x(v: float) -> float:
        return left + (v - budgets[0]) / (budgets[-1] - budgets[0]) * (width - left - right)

    def y(v: float) -> float:
        return top + (high - v) / (high - low) * (height - top - bottom)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-size="14" font-weight="bold">{title}</text>',
    ]
    for tick in np.arange(low, high + 1e-9, 0.05):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eceff4"/>'
        )
        parts.append(f'<text x="{left - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.2f}</text>')
    step = 50 if budgets[-1] <= 500 else 100
    for tick in range(int(np.ceil(budgets[0] / step) * step), int(budgets[-1]) + 1, step):
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{height - bottom}" stroke="#eceff4"/>'
        )
        parts.append(f'<text x="{x(tick):.1f}" y="{height - bottom + 18}" text-anchor="middle">{tick}</text>')
    parts.append(
        f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">human judgments</text>'
    )
    parts.append(f'<text x="16" y="{(top + height - bottom) / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {(top + height - bottom) / 2})">held-out accuracy</text>')  # fmt: skip
    for rank, (name, curve) in enumerate(curves.items()):
        colour = COLOURS[name]
        upper = [f"{x(b):.1f},{y(v):.1f}" for b, v in zip(budgets, curve + errors[name], strict=True)]
        lower = [f"{x(b):.1f},{y(v):.1f}" for b, v in zip(budgets, curve - errors[name], strict=True)]
        parts.append(
            f'<polygon points="{" ".join(upper + lower[::-1])}" fill="{colour}" fill-opacity="0.15"/>'
        )
        line = " ".join(f"{x(b):.1f},{y(v):.1f}" for b, v in zip(budgets, curve, strict=True))
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        ly = top + 20 + 22 * rank
        parts.append(
            f'<line x1="{width - right + 12}" x2="{width - right + 36}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"/>'
        )
        parts.append(f'<text x="{width - right + 42}" y="{ly + 4}">{name}</text>')
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" stroke="#5d6677"/>'
    )
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" stroke="#5d6677"/>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the simulation, print the table, write the SVG and JSON; exit 1 if active needs no fewer judgments."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="Simulated worlds to average over.")
    parser.add_argument("--prompts", type=int, default=150, help="Prompts in the candidate pool.")
    parser.add_argument("--test-prompts", type=int, default=150, help="Unseen prompts for held-out accuracy.")
    parser.add_argument("--responses", type=int, default=6, help="Responses per prompt.")
    parser.add_argument("--dim", type=int, default=32, help="Feature dimensions.")
    parser.add_argument("--signal", type=float, default=3.0, help="|θ|: larger means less noisy people.")
    parser.add_argument("--warmup", type=int, default=20, help="Random judgments before active selection.")
    parser.add_argument("--batch", type=int, default=10, help="Judgments asked per round.")
    parser.add_argument("--budget", type=int, default=400, help="Total judgments.")
    parser.add_argument("--l2", type=float, default=1.0, help="L2 penalty of the head.")
    parser.add_argument("--out", type=Path, default=RESULTS, help="Folder for the SVG and JSON.")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    runs: dict[str, list[list[float]]] = {s: [] for s in STRATEGIES}
    for seed in range(args.seeds):
        world = make_world(np.random.default_rng(10_000 + seed), args)
        for strategy in STRATEGIES:
            runs[strategy].append(run_strategy(world, strategy, seed, args))
    budgets = np.minimum(args.warmup + args.batch * np.arange(len(runs["random"][0])), args.budget)
    curves = {s: np.mean(runs[s], axis=0) for s in STRATEGIES}
    errors = {s: np.std(runs[s], axis=0, ddof=1) / np.sqrt(args.seeds) for s in STRATEGIES}
    # Accuracies random pairing reaches, up to its final one (rounded down, so random does reach each).
    targets = [float(np.floor((curves["random"][-1] - gap) * 1000) / 1000) for gap in (0.03, 0.02, 0.01, 0.0)]
    table = {t: {s: needed(curves[s], budgets, t) for s in STRATEGIES} for t in targets}
    print(f"{args.seeds} worlds, {args.prompts} prompts x {args.responses} responses, d={args.dim}, "
          f"|θ|={args.signal}; {time.perf_counter() - started:.1f} s")  # fmt: skip
    print("judgments  " + "  ".join(f"{s:>11}" for s in STRATEGIES))
    for b_index in range(0, len(budgets), max(1, len(budgets) // 10)):
        print(f"{budgets[b_index]:>9}  " + "  ".join(f"{curves[s][b_index]:>11.3f}" for s in STRATEGIES))
    print(f"{budgets[-1]:>9}  " + "  ".join(f"{curves[s][-1]:>11.3f}" for s in STRATEGIES))
    print("\njudgments needed to reach a held-out accuracy (mean curve)")
    print("target     " + "  ".join(f"{s:>11}" for s in STRATEGIES))
    for target, row in table.items():
        print(f"{target:>9.3f}  " + "  ".join(f"{str(row[s]):>11}" for s in STRATEGIES))
    args.out.mkdir(parents=True, exist_ok=True)
    title = f"Active vs random pairing ({args.seeds} simulated worlds, mean ± s.e.)"
    write_svg(args.out / "active_preferences.svg", budgets, curves, errors, title)
    summary = {
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "budgets": budgets.tolist(),
        "accuracy": {s: curves[s].round(4).tolist() for s in STRATEGIES},
        "stderr": {s: errors[s].round(4).tolist() for s in STRATEGIES},
        "judgments_to_reach": {str(t): row for t, row in table.items()},
    }
    (args.out / "active_preferences.json").write_text(json.dumps(summary, indent=1) + "\n")
    target = targets[-1]
    random_needs, active_needs = table[target]["random"], table[target]["information"]
    fewer = active_needs is not None and (random_needs is None or active_needs < random_needs)
    return 0 if fewer else 1


if __name__ == "__main__":
    sys.exit(main())
