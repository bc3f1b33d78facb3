import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.quality import box_consensus, box_f1


def test_consensus_averages_matched_boxes_and_counts_support() -> None:
    annotations = {
        "ann": np.array([[0, 0, 10, 10], [20, 20, 30, 30]]),
        "bob": np.array([[21, 21, 31, 31], [1, 1, 11, 11]]),
        "cy": np.array([[2, 0, 12, 10], [100, 100, 110, 110]]),
    }
    result = box_consensus(annotations, iou_threshold=0.5, quorum=2)
    assert result.boxes.tolist() == [[1.0, 1 / 3, 11.0, 31 / 3], [20.5, 20.5, 30.5, 30.5]]
    assert result.support.tolist() == [3, 2]
    assert result.members[0] == [("ann", 0), ("bob", 1), ("cy", 0)]
    frame = result.to_frame()
    assert frame["support"].tolist() == [3, 2] and len(frame) == 2
    everything = box_consensus(annotations, quorum=1)
    assert everything.support.tolist() == [3, 2, 1]


def test_fraction_quorum_rounds_up_and_dict_order_does_not_matter() -> None:
    a = {"x": [[0, 0, 10, 10]], "y": [[0, 0, 10, 10]], "z": np.zeros((0, 4))}
    b = {"z": np.zeros((0, 4)), "y": [[0, 0, 10, 10]], "x": [[0, 0, 10, 10]]}
    assert box_consensus(a, quorum=0.5).support.tolist() == [2]  # ceil(0.5 · 3) = 2
    assert box_consensus(a, quorum=0.9).boxes.shape == (0, 4)
    np.testing.assert_array_equal(box_consensus(a).boxes, box_consensus(b).boxes)


def test_boxes_of_different_classes_never_merge() -> None:
    annotations = {
        "a": ([[0, 0, 10, 10]], ["cat"]),
        "b": ([[0, 0, 10, 10]], ["dog"]),
        "c": ([[0, 0, 9, 10]], ["cat"]),
    }
    result = box_consensus(annotations, quorum=2)
    assert result.classes.tolist() == ["cat"]
    assert result.support.tolist() == [2]


def test_hungarian_beats_greedy_on_a_crossing_case() -> None:
    # Greedy grabs the single best pair and strands the other box; Hungarian keeps both pairs.
    first = [[0, 0, 10, 10], [4, 0, 14, 10]]
    second = [[2.5, 0, 12.5, 10], [6.5, 0, 16.5, 10]]  # IoU: first-first 0.6, second-second 0.6, 2nd-1st 0.74
    assert box_f1(first, second, iou_threshold=0.3) == 1.0
    assert box_f1(first, second, iou_threshold=0.3, method="greedy") == 0.5


def test_xywh_input_is_returned_as_xywh() -> None:
    result = box_consensus({"a": [[0, 0, 10, 10]], "b": [[2, 2, 10, 10]]}, fmt="xywh", iou_threshold=0.4)
    assert result.boxes.tolist() == [[1.0, 1.0, 10.0, 10.0]]


def test_box_f1_edge_cases() -> None:
    assert box_f1(np.zeros((0, 4)), np.zeros((0, 4))) == 1.0
    assert box_f1([[0, 0, 1, 1]], np.zeros((0, 4))) == 0.0
    with pytest.raises(InvalidInput):
        box_f1(([[0, 0, 1, 1]], ["a", "b"]), [[0, 0, 1, 1]])
    with pytest.raises(InvalidInput):
        box_consensus({"a": [[0, 0, 1, 1]]}, quorum=0)
    with pytest.raises(InvalidInput):
        box_f1([[0, 0, 1, 1]], [[0, 0, 1, 1]], method="auction")  # type: ignore[arg-type]
