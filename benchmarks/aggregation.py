"""Speed and accuracy of assay.quality's aggregators side by side with crowd-kit (run on demand, not in CI).

    python3 -m venv .venv-bench && .venv-bench/bin/pip install crowd-kit "scikit-learn<1.6" && \
        .venv-bench/bin/pip install -e .
    .venv-bench/bin/python benchmarks/aggregation.py            # everything (about 20 minutes on 2 cores)
    .venv-bench/bin/python benchmarks/aggregation.py --quick    # 100k simulated labels, no slow crowd-kit

Real data: the crowd datasets next to the repository (``../shared/datasets/crowd``), accuracy on their gold.
Simulated: 100,000 items × 10 labels from 1,000 workers (60% honest with accuracy 0.6-0.95, 20% uniform
spammers, 10% constant answerers, 10% adversarial), 2 and 5 classes. crowd-kit is far slower, so it runs on
the first items only (``--ck-labels`` for MV/Wawa/DS/one-coin DS, ``--ck-slow-labels`` for GLAD/MACE) and
speed-ups compare both libraries on that same subset. crowd-kit >= 1.4 needs scikit-learn < 1.6 for Wawa.
"ck variant acc": crowd-kit again with one thing changed that explains a gap, else empty. Majority vote and
Wawa: rows sorted by label, so crowd-kit's ties (which follow the first appearance of a class in the rows
under pandas 3) go to the lowest class like assay's. Dawid-Skene and one-coin DS: the stopping rule switched
off (100 EM iterations), as crowd-kit 1.4.2 may stop after 2 when its loss estimate falls. MACE: rows sorted
by (worker, label), which sidesteps an indexing mismatch in crowd-kit 1.4.2's MACE (strategies looked up by
first-appearance worker code, stored by sorted name).
Markdown tables go to stdout.
"""

from __future__ import annotations

import os
import sys

# Other benchmark scripts (benchmarks/queue.py) would shadow the standard library for crowd-kit's imports.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

# One BLAS thread: on a small shared machine BLAS threads oversubscribe the cores and slow both libraries.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from assay.quality import Labels, make_aggregator  # noqa: E402

METHODS = {
    "majority_vote": "MajorityVote",
    "wawa": "Wawa",
    "dawid_skene": "DawidSkene",
    "one_coin_dawid_skene": "OneCoinDawidSkene",
    "glad": "GLAD",
    "mace": "MACE",
}
SLOW = {"glad", "mace"}
# crowd-kit 1.4.2 reference accuracies from shared/datasets/README.md (duplicates dropped, first kept).
README = {
    ("SP", "majority_vote"): 0.8896, ("SP", "dawid_skene"): 0.9152,
    ("SP_amt", "majority_vote"): 0.944, ("SP_amt", "wawa"): 0.944, ("SP_amt", "dawid_skene"): 0.944,
    ("CF", "majority_vote"): 0.900, ("CF", "dawid_skene"): 0.830,
    ("CF_amt", "majority_vote"): 0.8467, ("CF_amt", "wawa"): 0.8567, ("CF_amt", "dawid_skene"): 0.840,
    ("MS", "majority_vote"): 0.710, ("MS", "wawa"): 0.7986, ("MS", "dawid_skene"): 0.7686,
    ("MS", "mace"): 0.7986,
    ("ZenCrowd_in", "majority_vote"): 0.7431, ("ZenCrowd_in", "dawid_skene"): 0.7574,
    ("ZenCrowd_us", "majority_vote"): 0.8672, ("ZenCrowd_us", "dawid_skene"): 0.8358,
    ("BarzanMozafari", "majority_vote"): 0.696, ("BarzanMozafari", "dawid_skene"): 0.709,
}  # fmt: skip
DATASETS = [
    "SP",
    "SP_amt",
    "CF",
    "CF_amt",
    "MS",
    "ZenCrowd_in",
    "ZenCrowd_us",
    "BarzanMozafari",
    "AdultContent2",
]


def crowdkit_model(name: str, **params: Any) -> Any | None:
    try:
        import crowdkit.aggregation as aggregation
    except ImportError:
        return None
    return getattr(aggregation, METHODS[name])(**params)


def best_time(run: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Fastest of ``repeat`` runs (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def accuracy(predicted: pd.Series, truth: pd.Series) -> float:
    common = truth.index.intersection(predicted.index)
    return float((predicted.loc[common].to_numpy() == truth.loc[common].to_numpy()).mean())


def crowdkit_run(name: str, frame: pd.DataFrame, **params: Any) -> tuple[float, pd.Series, int | None] | None:
    """crowd-kit's seconds, labels and EM iterations (MACE: restarts × iterations) on ``frame``."""
    model = crowdkit_model(name, **params)
    if model is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        predicted = model.fit_predict(frame)
        seconds = time.perf_counter() - start
    history = getattr(model, "loss_history_", None)
    iterations = (
        len(history) if history is not None else model.n_restarts * model.n_iter if name == "mace" else None
    )
    return seconds, predicted, iterations


def crowdkit_variant(name: str, frame: pd.DataFrame) -> pd.Series | None:
    """crowd-kit's labels with the one change that explains a gap to assay (see the module docstring)."""
    if name in ("majority_vote", "wawa"):
        measured = crowdkit_run(name, frame.sort_values("label", kind="stable"))
    elif name in ("dawid_skene", "one_coin_dawid_skene"):
        measured = crowdkit_run(name, frame, n_iter=100, tol=-np.inf)
    elif name == "mace":
        measured = crowdkit_run(name, frame.sort_values(["worker", "label"], kind="stable"))
    else:
        return None
    return None if measured is None else measured[1]


def iterations(assay_model: Any, crowdkit_iterations: int | None) -> str | None:
    ours = getattr(assay_model, "n_iter_", None)
    return (
        None
        if ours is None
        else f"{ours} / {crowdkit_iterations if crowdkit_iterations is not None else '-'}"
    )


def simulate(
    n_items: int, n_workers: int, per_item: int, n_classes: int, seed: int
) -> tuple[Labels, np.ndarray]:
    """Crowd with known truth; each item gets ``per_item`` distinct workers."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    kind = rng.choice(4, n_workers, p=[0.6, 0.2, 0.1, 0.1])  # honest, spammer, constant, adversarial
    skill = np.where(kind == 3, 0.1, rng.uniform(0.6, 0.95, n_workers))
    favourite = rng.integers(0, n_classes, n_workers)
    workers = rng.integers(0, n_workers, (n_items, per_item))
    while True:  # redraw workers that repeat within an item
        ordered = np.sort(workers, axis=1)
        repeated = np.zeros_like(workers, dtype=bool)
        repeated[:, 1:] = ordered[:, 1:] == ordered[:, :-1]
        if not repeated.any():
            break
        workers = np.where(repeated, rng.integers(0, n_workers, workers.shape), ordered)
    item = np.repeat(np.arange(n_items), per_item)
    worker = workers.ravel()
    wrong = (truth[item] + rng.integers(1, max(n_classes, 2), len(item))) % n_classes
    label = np.where(rng.random(len(item)) < skill[worker], truth[item], wrong)
    label = np.where(kind[worker] == 1, rng.integers(0, n_classes, len(item)), label)
    label = np.where(kind[worker] == 2, favourite[worker], label)
    return Labels.from_arrays(item, worker, label, classes=list(range(n_classes))), truth


def run_real(root: Path, repeat: int, slow_cap: int) -> list[dict[str, Any]]:
    rows = []
    for dataset in DATASETS:
        folder = root / dataset
        if not folder.exists():
            continue
        answers = pd.read_csv(folder / "answer.csv")
        truth = pd.read_csv(folder / "truth.csv").set_index("question")["truth"]
        labels = Labels.from_frame(answers)
        frame = labels.to_frame()  # crowd-kit gets the same de-duplicated (first kept) labels, in file order
        for name in METHODS:
            seconds, model = best_time(
                lambda name=name, labels=labels: make_aggregator(name).fit(labels), repeat
            )
            row: dict[str, Any] = {"dataset": dataset, "method": name, "labels": len(labels)}
            row["assay acc"] = accuracy(model.labels_, truth)
            row["crowd-kit acc"] = row["ck variant acc"] = None
            row["README ref"] = README.get((dataset, name))
            row["assay s"], row["crowd-kit s"], row["speed-up"] = seconds, None, None
            row["EM iterations assay / ck"] = None
            measured = crowdkit_run(name, frame) if name not in SLOW or len(labels) <= slow_cap else None
            if measured is not None:
                row["crowd-kit s"], row["crowd-kit acc"] = measured[0], accuracy(measured[1], truth)
                row["speed-up"] = measured[0] / seconds
                row["EM iterations assay / ck"] = iterations(model, measured[2])
            variant = crowdkit_variant(name, frame) if measured is not None else None
            if variant is not None:
                row["ck variant acc"] = accuracy(variant, truth)
            rows.append(row)
            print(f"# {dataset} {name}: {row}", flush=True)
    return rows


def first_items(labels: Labels, n_items: int) -> Labels:
    """The labels of the first ``n_items`` items (all workers and classes kept)."""
    keep = labels.item < n_items
    return Labels(
        labels.item[keep],
        labels.worker[keep],
        labels.label[keep],
        labels.item_names[:n_items],
        labels.worker_names,
        labels.label_names,
    )


def run_simulated(n_items: int, repeat: int, fast_cap: int, slow_cap: int) -> list[dict[str, Any]]:
    rows = []
    for n_classes in (2, 5):
        labels, truth = simulate(n_items, 1000, 10, n_classes, seed=n_classes)
        truth_series = pd.Series(truth, index=labels.item_names)
        for name in METHODS:
            seconds, model = best_time(
                lambda name=name, labels=labels: make_aggregator(name).fit(labels), repeat
            )
            row: dict[str, Any] = {"classes": n_classes, "method": name, "labels": len(labels)}
            row["assay s"] = seconds
            row["assay acc"] = float((model.label_index_ == truth).mean())
            for column in ("subset labels", "assay s (subset)", "crowd-kit s (subset)", "speed-up"):
                row[column] = None
            for column in (
                "assay acc (subset)",
                "crowd-kit acc (subset)",
                "EM iterations assay / ck (subset)",
            ):
                row[column] = None
            cap = slow_cap if name in SLOW else fast_cap
            if crowdkit_model(name) is not None and cap > 0:
                subset = first_items(labels, cap // 10)
                sub_seconds, sub_model = best_time(
                    lambda name=name, s=subset: make_aggregator(name).fit(s), repeat
                )
                ck_seconds, ck_labels, ck_iterations = crowdkit_run(name, subset.to_frame())  # type: ignore[misc]
                row["subset labels"] = len(subset)
                row["assay s (subset)"], row["crowd-kit s (subset)"] = sub_seconds, ck_seconds
                row["speed-up"] = ck_seconds / sub_seconds
                row["assay acc (subset)"] = accuracy(sub_model.labels_, truth_series)
                row["crowd-kit acc (subset)"] = accuracy(ck_labels, truth_series)
                row["EM iterations assay / ck (subset)"] = iterations(sub_model, ck_iterations)
            rows.append(row)
            print(f"# simulated {n_classes} {name}: {row}", flush=True)
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:.4f}" if value < 1 else f"{value:.3g}" if value < 100 else f"{value:,.0f}"
        return f"{value:,}" if isinstance(value, int) else str(value)

    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(row[key]) for key in header) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="10,000 simulated items and no slow crowd-kit runs"
    )
    parser.add_argument(
        "--datasets", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/datasets/crowd"
    )
    parser.add_argument("--items", type=int, default=100_000, help="simulated items (10 labels each)")
    parser.add_argument("--repeat", type=int, default=3, help="assay timings: best of this many runs")
    parser.add_argument("--ck-labels", type=int, default=100_000, help="crowd-kit subset, fast methods")
    parser.add_argument(
        "--ck-slow-labels", type=int, default=20_000, help="crowd-kit subset for GLAD and MACE"
    )
    args = parser.parse_args()
    if args.quick:
        args.items, args.ck_slow_labels = 10_000, 0
    print(f"crowd-kit available: {crowdkit_model('majority_vote') is not None}\n")
    real = run_real(args.datasets, args.repeat, slow_cap=30_000 if args.ck_slow_labels else 0)
    simulated = run_simulated(args.items, args.repeat, args.ck_labels, args.ck_slow_labels)
    if real:
        print("\n## Real datasets (accuracy on gold; seconds)\n\n" + markdown(real))
    print(
        "\n## Simulated crowds (seconds; crowd-kit timed on the first items only)\n\n" + markdown(simulated)
    )


if __name__ == "__main__":
    main()
