import numpy as np
import pytest

from assay.errors import EmptyInput, InvalidInput
from assay.quality import (
    confident_joint,
    confident_thresholds,
    find_label_issues,
    rank_label_issues,
    self_confidence,
)

PROBS = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.95, 0.05], [0.15, 0.85]])
GIVEN = np.array([0, 0, 1, 1, 1, 1])


def noisy_dataset(seed: int = 0, n: int = 3000, k: int = 4, noise: float = 0.15):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), truth] += 2.5
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    flipped = rng.random(n) < noise
    given = np.where(flipped, (truth + rng.integers(1, k, n)) % k, truth)
    return given, probs, flipped


def test_thresholds_and_confident_joint_golden() -> None:
    assert confident_thresholds(GIVEN, PROBS).tolist() == pytest.approx([0.85, 0.65])
    joint = confident_joint(GIVEN, PROBS, calibrate=False)
    assert joint.tolist() == [[1, 0], [1, 3]]  # example 1 (p0 = 0.8) is below t0 and not counted
    calibrated = confident_joint(GIVEN, PROBS)
    assert calibrated.sum(axis=1).tolist() == pytest.approx([2, 4])


@pytest.mark.parametrize("method", ["prune_by_noise_rate", "prune_by_class", "both", "confident_learning"])
def test_finds_the_flipped_label_in_the_golden_example(method: str) -> None:
    assert find_label_issues(GIVEN, PROBS, filter_by=method).tolist() == [
        False,
        False,
        False,
        False,
        True,
        False,
    ]


@pytest.mark.parametrize("method", ["prune_by_noise_rate", "prune_by_class", "both", "confident_learning"])
def test_recovers_simulated_label_noise(method: str) -> None:
    given, probs, flipped = noisy_dataset()
    found = find_label_issues(given, probs, filter_by=method)
    precision = (found & flipped).sum() / found.sum()
    recall = (found & flipped).sum() / flipped.sum()
    assert precision > 0.75 and recall > 0.5, (precision, recall)
    assert found.sum() < 2 * flipped.sum()


def test_predicted_neq_given_and_ranking() -> None:
    given, probs, flipped = noisy_dataset(seed=1)
    baseline = find_label_issues(given, probs, filter_by="predicted_neq_given")
    assert np.array_equal(baseline, probs.argmax(axis=1) != given)
    ranked = rank_label_issues(given, probs)
    scores = self_confidence(given, probs)
    assert np.all(np.diff(scores[ranked]) >= 0)
    top = ranked[: flipped.sum()]
    assert flipped[top].mean() > 0.7
    mask = find_label_issues(given, probs)
    assert set(rank_label_issues(given, probs, mask).tolist()) == set(np.flatnonzero(mask).tolist())
    assert rank_label_issues([0, 1, 1], [[0.9, 0.1], [0.7, 0.3], [0.4, 0.6]]).tolist() == [1, 2, 0]


def test_clean_data_has_few_issues_and_one_example_per_class_survives() -> None:
    given, probs, _ = noisy_dataset(noise=0.0, seed=2)
    assert find_label_issues(given, probs).mean() < 0.05
    everything_wrong = find_label_issues(
        [0, 0, 1], [[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]], filter_by="prune_by_class"
    )
    assert not everything_wrong.all()


def test_unused_class_and_invalid_input() -> None:
    assert confident_thresholds([0, 0], [[0.7, 0.3, 0.0], [0.9, 0.1, 0.0]]).tolist() == pytest.approx(
        [0.8, 1.0, 1.0]
    )
    with pytest.raises(EmptyInput):
        find_label_issues([], np.zeros((0, 2)))
    with pytest.raises(InvalidInput):
        find_label_issues([0, 2], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(InvalidInput):
        find_label_issues([0.0, 1.0], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(InvalidInput):
        find_label_issues([0, 1], [[0.5, 0.5]])
    with pytest.raises(InvalidInput):
        find_label_issues([0, 1], [[0.5, 0.5], [0.5, 0.5]], filter_by="magic")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        rank_label_issues([0], [[1.0, 0.0]], mask=np.array([True, False]))
