import pytest

from assay.errors import InvalidInput
from assay.quality import Labels, WeightedMajorityVote

ROWS = [
    ("g1", "good", "a"), ("g1", "bad1", "b"), ("g1", "bad2", "b"),
    ("g2", "good", "b"), ("g2", "bad1", "a"), ("g2", "bad2", "a"),
    ("t1", "good", "a"), ("t1", "bad1", "b"), ("t1", "bad2", "b"), ("t1", "new", "b"),
]  # fmt: skip
LABELS = Labels.from_rows(ROWS)


def test_given_weights_outvote_the_majority() -> None:
    model = WeightedMajorityVote(weights={"good": 0.9, "bad1": 0.2, "bad2": 0.2, "new": 0.1}).fit(LABELS)
    assert model.labels_["t1"] == "a"
    assert model.skills_.to_dict() == {"bad1": 0.2, "bad2": 0.2, "good": 0.9, "new": 0.1}
    assert model.probas_.sum(axis=1).tolist() == pytest.approx([1.0] * 3)


def test_weights_from_gold_accuracy_with_laplace_smoothing() -> None:
    model = WeightedMajorityVote(gold={"g1": "a", "g2": "b"}).fit(LABELS)
    assert model.skills_["good"] == pytest.approx(3 / 4)  # 2 of 2 right, smoothed
    assert model.skills_["bad1"] == pytest.approx(1 / 4)
    assert model.skills_["new"] == pytest.approx((2 + 1) / (6 + 2))  # pooled gold accuracy
    assert model.labels_["t1"] == "b"  # 0.75 for a against 0.25 + 0.25 + 0.375 for b
    explicit = WeightedMajorityVote(gold={"g1": "a", "g2": "b"}, default_weight=0.0).fit(LABELS)
    assert explicit.skills_["new"] == 0.0
    assert explicit.labels_["t1"] == "a"


def test_missing_weights_default_to_the_mean_given_weight() -> None:
    model = WeightedMajorityVote(weights={"good": 1.0, "bad1": 0.0}).fit(LABELS)
    assert model.skills_["bad2"] == 0.5 and model.skills_["new"] == 0.5


def test_all_zero_weights_give_uniform_probabilities_not_nan() -> None:
    model = WeightedMajorityVote(weights={}, default_weight=0.0).fit(LABELS)
    assert model.probas_.to_numpy().tolist() == [[0.5, 0.5]] * 3


def test_invalid_configurations() -> None:
    with pytest.raises(InvalidInput):
        WeightedMajorityVote()
    with pytest.raises(InvalidInput):
        WeightedMajorityVote(weights={"a": 1.0}, gold={"g1": "a"})
    with pytest.raises(InvalidInput):
        WeightedMajorityVote(weights={"good": -1.0}).fit(LABELS)
