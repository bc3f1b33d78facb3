import pandas as pd
import pytest

from assay.errors import EmptyInput, InvalidInput
from assay.quality import BinaryRelevance, DawidSkene

ROWS = [
    ("img1", "w1", {"cat"}), ("img1", "w2", {"cat", "dog"}), ("img1", "w3", {"cat"}),
    ("img2", "w1", set()), ("img2", "w2", {"dog"}), ("img2", "w3", {"dog", "bird"}),
    ("img2", "w1", {"cat", "dog", "bird"}),  # repeated (item, worker): ignored
]  # fmt: skip


def test_majority_per_label() -> None:
    model = BinaryRelevance().fit(ROWS)
    assert model.labels_.to_dict("index") == {
        "img1": {"bird": False, "cat": True, "dog": False},
        "img2": {"bird": False, "cat": False, "dog": True},
    }
    assert model.probas_.loc["img2", "dog"] == pytest.approx(2 / 3)
    assert set(model.estimators_) == {"bird", "cat", "dog"}


@pytest.mark.parametrize("aggregator", ["dawid_skene", DawidSkene, DawidSkene(max_iter=5)])
def test_any_aggregator_form(aggregator) -> None:
    labels = BinaryRelevance(aggregator).fit_predict(ROWS)
    assert labels.loc["img1", "cat"] and labels.loc["img2", "dog"]


def test_frame_input_given_classes_and_ties() -> None:
    frame = pd.DataFrame({"task": [1, 1], "worker": ["a", "b"], "label": [["x"], []]})
    model = BinaryRelevance(classes=["x", "y"]).fit(frame)
    assert model.labels_.loc[1].to_dict() == {"x": False, "y": False}  # 1-1 tie: not applied
    assert model.probas_.loc[1].tolist() == [0.5, 0.0]


def test_errors() -> None:
    with pytest.raises(EmptyInput):
        BinaryRelevance().fit([])
    with pytest.raises(InvalidInput):
        BinaryRelevance().fit(pd.DataFrame({"a": [1]}))
