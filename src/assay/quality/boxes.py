"""Bounding-box agreement and consensus across annotators, by IoU matching."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.geometry.boxes import BoxFormat, box_iou, from_xyxy, to_xyxy
from assay.quality._matching import Matching, cluster_annotations, match_pairs, required_support

__all__ = ["BoxConsensus", "box_consensus", "box_f1"]

# One annotator's boxes: an (n, 4) array, or (boxes, class names) for labelled boxes.
BoxAnnotation = Any


def _boxes_and_classes(annotation: BoxAnnotation, fmt: BoxFormat) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(annotation, tuple) and len(annotation) == 2:
        boxes, classes = to_xyxy(annotation[0], fmt), np.asarray(annotation[1], dtype=object)
        if len(classes) != len(boxes):
            raise InvalidInput("each box needs exactly one class")
        return boxes, classes
    boxes = to_xyxy(annotation, fmt)
    return boxes, np.full(len(boxes), None, dtype=object)


@dataclass(frozen=True)
class BoxConsensus:
    """Consensus boxes: ``boxes`` (m, 4) in the input format, their ``classes``, ``support`` (how many
    annotators drew each) and ``members`` (the ``(annotator, box index)`` pairs averaged into each)."""

    boxes: np.ndarray
    classes: np.ndarray
    support: np.ndarray
    members: list[list[tuple[Hashable, int]]]

    def to_frame(self) -> pd.DataFrame:
        """One row per consensus box: the four coordinates, ``class`` and ``support``."""
        frame = pd.DataFrame(self.boxes, columns=["c0", "c1", "c2", "c3"])
        frame["class"] = self.classes
        frame["support"] = self.support
        return frame


def box_consensus(
    annotations: Mapping[Hashable, BoxAnnotation],
    *,
    iou_threshold: float = 0.5,
    quorum: float = 0.5,
    method: Matching = "hungarian",
    fmt: BoxFormat = "xyxy",
) -> BoxConsensus:
    """Boxes that enough annotators agree on, with averaged coordinates and support counts.

    Annotators are visited in sorted name order (so the result does not depend on dict order); each one's
    boxes are matched one-to-one to the running clusters (same class, IoU ≥ ``iou_threshold``; Hungarian by
    default, or greedy), a cluster holding at most one box per annotator. Clusters drawn by at least
    ``quorum`` annotators (an int, or a fraction of all annotators rounded up) are kept, their box being the
    coordinate-wise mean of the members. Boxes are ``xyxy`` or ``xywh`` (``fmt``), output in the same format.

    Example:
        >>> result = box_consensus({"a": [[0, 0, 10, 10]], "b": [[1, 1, 11, 11]], "c": [[50, 50, 60, 60]]},
        ...                        quorum=2)
        >>> result.boxes.tolist(), result.support.tolist()
        ([[0.5, 0.5, 10.5, 10.5]], [2])
    """
    names = sorted(annotations, key=str)
    parsed = [_boxes_and_classes(annotations[name], fmt) for name in names]
    clusters = cluster_annotations(
        [boxes for boxes, _ in parsed], [classes for _, classes in parsed], box_iou, iou_threshold, method
    )
    need = required_support(quorum, len(names))
    kept = [group for group in clusters if len(group) >= need]
    boxes = np.array([np.mean([parsed[a][0][i] for a, i in group], axis=0) for group in kept]).reshape(-1, 4)
    return BoxConsensus(
        boxes=from_xyxy(boxes, fmt),
        classes=np.array([parsed[group[0][0]][1][group[0][1]] for group in kept], dtype=object),
        support=np.array([len(group) for group in kept], dtype=np.int64),
        members=[[(names[a], i) for a, i in group] for group in kept],
    )


def box_f1(
    reference: BoxAnnotation,
    other: BoxAnnotation,
    *,
    iou_threshold: float = 0.5,
    method: Matching = "hungarian",
    fmt: BoxFormat = "xyxy",
) -> float:
    """Agreement of two annotators' boxes: F1 = 2·matched / (n_reference + n_other), where boxes match
    one-to-one with the same class and IoU ≥ ``iou_threshold``. Two empty sets agree fully (1.0).

    Example:
        >>> box_f1([[0, 0, 10, 10], [20, 20, 30, 30]], [[0, 0, 10, 9]])
        0.6666666666666666
    """
    (first, first_classes), (second, second_classes) = (
        _boxes_and_classes(reference, fmt),
        _boxes_and_classes(other, fmt),
    )
    if len(first) + len(second) == 0:
        return 1.0
    same = first_classes[:, None] == second_classes[None, :]
    rows, _ = match_pairs(np.where(same, box_iou(first, second), 0.0), iou_threshold, method)
    return 2 * len(rows) / (len(first) + len(second))
