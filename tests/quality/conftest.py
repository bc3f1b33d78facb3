"""A simulated crowd with known truth, shared by the aggregator tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from assay.quality import Labels


@dataclass
class Crowd:
    labels: Labels
    truth: np.ndarray  # true class code of each item
    kind: np.ndarray  # per worker: "good", "spammer", "constant" or "adversarial"


def simulate_crowd(
    *,
    n_items: int = 600,
    n_workers: int = 30,
    per_item: int = 5,
    n_classes: int = 2,
    shares: tuple[float, float, float] = (0.3, 0.1, 0.0),
    accuracy: tuple[float, float] = (0.65, 0.95),
    seed: int = 0,
) -> Crowd:
    """Items with a uniform true class; ``per_item`` distinct workers each. ``shares`` = fractions of uniform
    spammers, constant answerers and adversarial workers (who answer the truth with 5% probability)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_items)
    n_spam, n_const, n_adv = (int(round(s * n_workers)) for s in shares)
    kind = np.array(["spammer"] * n_spam + ["constant"] * n_const + ["adversarial"] * n_adv, dtype=object)
    kind = np.concatenate([kind, np.full(n_workers - len(kind), "good", dtype=object)])
    kind = kind[rng.permutation(n_workers)]
    skill = rng.uniform(*accuracy, n_workers)
    skill[kind == "adversarial"] = 0.05
    favourite = rng.integers(0, n_classes, n_workers)
    workers = np.argsort(rng.random((n_items, n_workers)), axis=1)[:, :per_item]
    item = np.repeat(np.arange(n_items), per_item)
    worker = workers.ravel()
    right = rng.random(len(item)) < skill[worker]
    wrong = (truth[item] + rng.integers(1, max(n_classes, 2), len(item))) % n_classes
    label = np.where(right, truth[item], wrong)
    label = np.where(kind[worker] == "spammer", rng.integers(0, n_classes, len(item)), label)
    label = np.where(kind[worker] == "constant", favourite[worker], label)
    names = np.char.add("w", np.char.zfill(worker.astype(str), 3))
    labels = Labels.from_arrays(item, names, label, classes=list(range(n_classes)))
    by_code = np.array([int(name[1:]) for name in labels.worker_names])  # worker code -> simulated worker
    return Crowd(labels=labels, truth=truth, kind=kind[by_code])


@pytest.fixture(scope="session")
def spammy_crowd() -> Crowd:
    """600 binary items, 5 labels each, 30 workers of whom 30% spam uniformly and 10% always say one class."""
    return simulate_crowd()
