"""Axis-aligned boxes: format conversion, area and a vectorised pairwise IoU matrix."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from assay.errors import InvalidInput

__all__ = ["BoxFormat", "to_xyxy", "from_xyxy", "box_area", "box_iou"]

BoxFormat = Literal["xyxy", "xywh"]


def to_xyxy(boxes: Any, fmt: BoxFormat = "xyxy") -> np.ndarray:
    """``(n, 4)`` float array of ``x1, y1, x2, y2`` from boxes in ``fmt`` (``xywh``: top-left corner + size).

    Example:
        >>> to_xyxy([[10, 20, 5, 5]], "xywh").tolist()
        [[10.0, 20.0, 15.0, 25.0]]
    """
    array = np.asarray(boxes, dtype=np.float64)
    if array.size == 0:
        return np.zeros((0, 4))
    if array.ndim != 2 or array.shape[1] != 4:
        raise InvalidInput(f"boxes must have shape (n, 4), got {array.shape}")
    if not np.isfinite(array).all():
        raise InvalidInput("box coordinates must be finite")
    if fmt == "xywh":
        if (array[:, 2:] < 0).any():
            raise InvalidInput("box width and height must not be negative")
        return np.concatenate([array[:, :2], array[:, :2] + array[:, 2:]], axis=1)
    if fmt != "xyxy":
        raise InvalidInput(f"box format must be 'xyxy' or 'xywh', not {fmt!r}")
    if (array[:, 2:] < array[:, :2]).any():
        raise InvalidInput("xyxy boxes need x2 >= x1 and y2 >= y1")
    return array


def from_xyxy(boxes: np.ndarray, fmt: BoxFormat = "xyxy") -> np.ndarray:
    """Inverse of :func:`to_xyxy`."""
    if fmt == "xywh":
        return np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    return boxes


def box_area(boxes: Any, fmt: BoxFormat = "xyxy") -> np.ndarray:
    """Area of each box."""
    xyxy = to_xyxy(boxes, fmt)
    return (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])


def box_iou(a: Any, b: Any, fmt: BoxFormat = "xyxy") -> np.ndarray:
    """Pairwise intersection over union, an ``(len(a), len(b))`` matrix; 0 where both boxes have no area.

    Example:
        >>> box_iou([[0, 0, 2, 2]], [[1, 1, 3, 3], [0, 0, 2, 2]]).round(4).tolist()
        [[0.1429, 1.0]]
    """
    first, second = to_xyxy(a, fmt), to_xyxy(b, fmt)
    top_left = np.maximum(first[:, None, :2], second[None, :, :2])
    bottom_right = np.minimum(first[:, None, 2:], second[None, :, 2:])
    size = np.clip(bottom_right - top_left, 0.0, None)
    inter = size[..., 0] * size[..., 1]
    union = box_area(first)[:, None] + box_area(second)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
