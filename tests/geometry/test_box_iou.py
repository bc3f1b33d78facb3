import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.geometry import box_area, box_iou, from_xyxy, to_xyxy


def test_pairwise_iou_matrix() -> None:
    a = [[0, 0, 2, 2], [10, 10, 12, 12]]
    b = [[1, 1, 3, 3], [0, 0, 2, 2], [0, 0, 1, 1], [5, 5, 6, 6]]
    iou = box_iou(a, b)
    assert iou.shape == (2, 4)
    np.testing.assert_allclose(iou[0], [1 / 7, 1.0, 0.25, 0.0])
    np.testing.assert_allclose(iou[1], [0.0, 0.0, 0.0, 0.0])


def test_xywh_equals_xyxy_and_round_trips() -> None:
    xywh = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 2.0, 2.0]])
    xyxy = to_xyxy(xywh, "xywh")
    assert xyxy.tolist() == [[1, 2, 4, 6], [0, 0, 2, 2]]
    np.testing.assert_array_equal(from_xyxy(xyxy, "xywh"), xywh)
    np.testing.assert_allclose(box_iou(xywh, xywh, "xywh"), box_iou(xyxy, xyxy))
    assert box_area(xywh, "xywh").tolist() == [12.0, 4.0]


def test_degenerate_and_empty_boxes_give_zero_not_nan() -> None:
    assert box_iou([[1, 1, 1, 1]], [[1, 1, 1, 1]]).tolist() == [[0.0]]
    assert box_iou([[0, 0, 0, 5]], [[0, 0, 1, 5]]).tolist() == [[0.0]]
    assert box_iou(np.zeros((0, 4)), [[0, 0, 1, 1]]).shape == (0, 1)
    assert box_iou([], []).shape == (0, 0)


def test_touching_boxes_do_not_overlap() -> None:
    assert box_iou([[0, 0, 1, 1]], [[1, 0, 2, 1]]).tolist() == [[0.0]]


@pytest.mark.parametrize(
    ("boxes", "fmt"),
    [([[0, 0, 1]], "xyxy"), ([[2, 2, 1, 1]], "xyxy"), ([[0, 0, -1, 1]], "xywh"), ([[0, 0, 1, 1]], "cxcywh"),
     ([[0, 0, np.nan, 1]], "xyxy")],
)  # fmt: skip
def test_invalid_boxes_are_rejected(boxes: list, fmt: str) -> None:
    with pytest.raises(InvalidInput):
        to_xyxy(boxes, fmt)  # type: ignore[arg-type]
