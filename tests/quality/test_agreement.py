"""Agreement coefficients against published worked examples."""

import math

import numpy as np
import pandas as pd
import pytest

from assay.errors import EmptyInput, InvalidInput
from assay.quality import Labels, cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement

NAN = math.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 coders × 12 units,
# with missing data.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]
# Fleiss' kappa example (Wikipedia, "Fleiss' kappa"): 10 subjects, 14 raters, 5 categories; kappa = 0.210.
FLEISS_WIKIPEDIA = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


@pytest.mark.parametrize(
    ("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)]
)
def test_krippendorff_2011_worked_example(level: str, expected: float) -> None:
    assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(expected, abs=5e-4)


def test_krippendorff_accepts_none_labels_and_labels_input() -> None:
    with_none = [
        [None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in KRIPPENDORFF_2011
    ]
    assert krippendorff_alpha(with_none) == pytest.approx(0.743, abs=5e-4)
    rows = [
        (unit, coder, value)
        for coder, values in enumerate(KRIPPENDORFF_2011)
        for unit, value in enumerate(values)
        if not math.isnan(value)
    ]
    labels = Labels.from_rows(rows)
    assert krippendorff_alpha(labels) == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(labels, "interval") == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha(labels.to_frame(), "ordinal") == pytest.approx(0.815, abs=5e-4)


def test_krippendorff_ordinal_order_can_be_given_and_edge_cases() -> None:
    ratings = [["low", "mid", "high", "high"], ["low", "high", "high", "mid"]]
    ordered = krippendorff_alpha(ratings, "ordinal", values=["low", "mid", "high"])
    alphabetical = krippendorff_alpha(ratings, "ordinal")  # high < low < mid: a different, wrong order
    assert ordered != pytest.approx(alphabetical)
    assert krippendorff_alpha([[1, 1, 1], [1, 1, 1]]) == 1.0  # no variation at all
    assert krippendorff_alpha([[1, 2], [2, 1]]) < 0  # systematic disagreement
    with pytest.raises(EmptyInput):
        krippendorff_alpha([[1, NAN], [NAN, 2]])
    with pytest.raises(InvalidInput):
        krippendorff_alpha([["a", "b"], ["a", "b"]], "interval")
    with pytest.raises(InvalidInput):
        krippendorff_alpha(KRIPPENDORFF_2011, "cardinal")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        krippendorff_alpha(KRIPPENDORFF_2011, "ordinal", values=[1, 2, 3])


def test_fleiss_wikipedia_example() -> None:
    assert fleiss_kappa(FLEISS_WIKIPEDIA) == pytest.approx(0.2099, abs=1e-4)
    assert percent_agreement(FLEISS_WIKIPEDIA) == pytest.approx(0.3780, abs=1e-4)  # P-bar in the example


def test_fleiss_from_labels_and_variable_raters() -> None:
    rows = [
        (item, rater, int(np.argmax(np.cumsum(counts) > rater)))
        for item, counts in enumerate(FLEISS_WIKIPEDIA)
        for rater in range(14)
    ]
    assert fleiss_kappa(Labels.from_rows(rows)) == pytest.approx(0.2099, abs=1e-4)
    frame = pd.DataFrame({"task": [1, 1, 1, 2, 2, 3], "worker": list("abcabc"), "label": list("xxyyyx")})
    # item 1: 1/3 of pairs agree, item 2: all; item 3 has one rating and is skipped; P_e = 0.4² + 0.6².
    assert fleiss_kappa(frame) == pytest.approx((2 / 3 - 0.52) / 0.48)
    assert fleiss_kappa([[3, 0], [2, 0]]) == 1.0
    with pytest.raises(EmptyInput):
        fleiss_kappa([[1, 0], [0, 1]])
    with pytest.raises(InvalidInput):
        fleiss_kappa([1, 2, 3])


def test_cohen_kappa_textbook_example() -> None:
    # 50 proposals, two readers: yes/yes 20, yes/no 5, no/yes 10, no/no 15;
    # p_o = 0.7, p_e = 0.5, kappa = 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert percent_agreement(
        Labels.from_rows([(i, "a", x) for i, x in enumerate(a)] + [(i, "b", x) for i, x in enumerate(b)])
    ) == pytest.approx(0.7)


def test_weighted_cohen_kappa_matches_scikit_learn_values() -> None:
    a = [0, 1, 2, 2, 1, 0, 3, 3, 2, 1, 0, 2]
    b = [0, 2, 2, 1, 1, 0, 3, 2, 2, 1, 1, 3]
    # sklearn.metrics.cohen_kappa_score 1.5.2 on the same data.
    assert cohen_kappa(a, b) == pytest.approx(0.4339622641509433)
    assert cohen_kappa(a, b, weights="linear") == pytest.approx(0.625)
    assert cohen_kappa(a, b, weights="quadratic") == pytest.approx(0.7916666666666666)


def test_cohen_kappa_edge_cases() -> None:
    assert cohen_kappa(["a", "a"], ["a", "a"]) == 1.0
    assert cohen_kappa(["a", "b"], ["b", "a"]) == pytest.approx(-1.0)
    with pytest.raises(InvalidInput):
        cohen_kappa(["a"], ["a", "b"])
    with pytest.raises(EmptyInput):
        cohen_kappa([], [])
    with pytest.raises(InvalidInput):
        cohen_kappa(["a"], ["b"], classes=["a"])
    with pytest.raises(InvalidInput):
        cohen_kappa(["a"], ["a"], weights="cubic")  # type: ignore[arg-type]
