import numpy as np
import pandas as pd
import pytest

from assay.errors import EmptyInput, InvalidInput
from assay.quality import Labels, MajorityVote, as_labels


def test_from_rows_codes_and_sorted_names() -> None:
    labels = Labels.from_rows([("t2", "w1", "dog"), ("t1", "w2", "cat"), ("t1", "w1", "dog")])
    assert list(labels.item_names) == ["t1", "t2"]
    assert list(labels.worker_names) == ["w1", "w2"]
    assert list(labels.label_names) == ["cat", "dog"]
    assert labels.item.tolist() == [1, 0, 0]
    assert labels.label.tolist() == [1, 0, 1]
    assert (labels.n_items, labels.n_workers, labels.n_classes, len(labels)) == (2, 2, 2, 3)
    assert labels.item.dtype == np.int64


def test_duplicate_item_worker_pairs_keep_the_first_answer() -> None:
    labels = Labels.from_rows([("t1", "w1", "a"), ("t1", "w2", "b"), ("t1", "w1", "b"), ("t2", "w1", "b")])
    frame = labels.to_frame()
    assert frame.values.tolist() == [["t1", "w1", "a"], ["t1", "w2", "b"], ["t2", "w1", "b"]]


def test_given_classes_fix_order_and_may_include_unused_classes() -> None:
    labels = Labels.from_rows([("t1", "w1", "b")], classes=["c", "b", "a"])
    assert list(labels.label_names) == ["c", "b", "a"]
    assert labels.label.tolist() == [1]
    with pytest.raises(InvalidInput):
        Labels.from_rows([("t1", "w1", "z")], classes=["a"])
    with pytest.raises(InvalidInput):
        Labels.from_rows([("t1", "w1", "a")], classes=["a", "a"])


@pytest.mark.parametrize(
    "columns", [("task", "worker", "label"), ("item", "worker", "label"), ("question", "worker", "answer")]
)
def test_from_frame_accepts_the_three_column_conventions(columns: tuple[str, str, str]) -> None:
    frame = pd.DataFrame([(1, "w1", 0), (1, "w2", 1), (2, "w1", 1)], columns=list(columns))
    labels = Labels.from_frame(frame)
    assert list(labels.item_names) == [1, 2]
    assert list(labels.label_names) == [0, 1]


def test_from_frame_rejects_missing_columns_and_values() -> None:
    with pytest.raises(InvalidInput):
        Labels.from_frame(pd.DataFrame({"task": [1], "worker": ["w"]}))
    with pytest.raises(InvalidInput):
        Labels.from_frame(pd.DataFrame({"task": [1, 2], "worker": ["w", "w"], "label": ["a", None]}))


def test_mixed_type_names_fall_back_to_first_seen_order() -> None:
    labels = Labels.from_rows([("t1", "w1", 3), ("t1", "w2", "a")])
    assert list(labels.label_names) == [3, "a"]


def test_empty_labels_are_allowed_but_cannot_be_aggregated() -> None:
    labels = Labels.from_rows([])
    assert len(labels) == 0 and labels.n_items == 0
    with pytest.raises(EmptyInput):
        MajorityVote().fit(labels)
    with pytest.raises(EmptyInput):
        MajorityVote().fit(pd.DataFrame({"task": [], "worker": [], "label": []}))


def test_as_labels_rejects_other_types_and_bad_codes() -> None:
    with pytest.raises(InvalidInput):
        as_labels([("t", "w", "a")])  # type: ignore[arg-type]
    names = np.array(["x"], dtype=object)
    with pytest.raises(InvalidInput):
        Labels(np.array([0]), np.array([1]), np.array([0]), names, names, names)
    with pytest.raises(InvalidInput):
        Labels(np.array([0, 0]), np.array([0]), np.array([0]), names, names, names)
    with pytest.raises(InvalidInput):
        Labels.from_rows([("t", "w")])  # type: ignore[list-item]


def test_repr_is_short() -> None:
    assert (
        repr(Labels.from_rows([("t", "w", "a")])) == "Labels(n_labels=1, n_items=1, n_workers=1, n_classes=1)"
    )
