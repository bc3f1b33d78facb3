import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.quality import Labels, gold_accuracy, wilson_interval


@pytest.mark.parametrize(
    ("correct", "count", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # the classic 8/10 example (Wilson 1927; Newcombe 1998 method 3)
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Statistics in Medicine 17, table I
    ],
)
def test_wilson_interval_reference_values(correct: int, count: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(correct, count)
    assert (got_low, got_high) == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_is_vectorised_and_total_for_no_data() -> None:
    low, high = wilson_interval(np.array([0, 5]), np.array([0, 10]), confidence=0.9)
    assert low[0] == 0.0 and high[0] == 1.0
    assert 0 < low[1] < 0.5 < high[1] < 1
    narrow = wilson_interval(5, 10, confidence=0.5)
    assert narrow[1] - narrow[0] < high[1] - low[1]
    with pytest.raises(InvalidInput):
        wilson_interval(3, 2)
    with pytest.raises(InvalidInput):
        wilson_interval(1, 2, confidence=1.0)


def test_gold_accuracy_table() -> None:
    rows = [
        ("g1", "w1", "a"), ("g2", "w1", "b"), ("g3", "w1", "a"), ("x", "w1", "a"),
        ("g1", "w2", "a"), ("g2", "w2", "a"),
        ("x", "w3", "b"),
        ("g3", "w4", "zebra"),
    ]  # fmt: skip
    table = gold_accuracy(Labels.from_rows(rows), {"g1": "a", "g2": "a", "g3": "a", "unknown": "a"})
    assert list(table.index) == ["w1", "w2", "w4"]  # w3 answered no gold item
    assert table.loc["w1", ["count", "correct"]].tolist() == [3, 2]
    assert table.loc["w1", "accuracy"] == pytest.approx(2 / 3)
    assert table.loc["w2", "accuracy"] == 1.0 and table.loc["w4", "accuracy"] == 0.0
    low, high = wilson_interval(2, 3)
    assert table.loc["w1", "low"] == pytest.approx(low) and table.loc["w1", "high"] == pytest.approx(high)
    assert list(table.columns) == ["count", "correct", "accuracy", "low", "high"]


def test_gold_answers_outside_the_classes_match_nobody() -> None:
    table = gold_accuracy(Labels.from_rows([("g", "w", "a")]), {"g": "nope"})
    assert table.loc["w", "correct"] == 0
