"""Matching shapes across annotators by IoU: one-to-one pairs, and clusters of one shape per annotator.

Shared by span and box consensus: both only differ in their IoU function and how they summarise a cluster.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

from assay.errors import InvalidInput

__all__ = ["Matching", "match_pairs", "cluster_annotations", "required_support"]

Matching = Literal["hungarian", "greedy"]
IouFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]


def match_pairs(
    iou: np.ndarray, threshold: float, method: Matching = "hungarian"
) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one pairs ``(rows, cols)`` with IoU ≥ ``threshold``.

    ``"hungarian"`` maximises the total IoU (``scipy.optimize.linear_sum_assignment``); ``"greedy"`` takes the
    highest remaining IoU first (ties by row, then column), as COCO evaluation does.
    """
    if iou.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    usable = np.where(iou >= threshold, iou, 0.0)
    if method == "hungarian":
        rows, cols = linear_sum_assignment(usable, maximize=True)
    elif method == "greedy":
        order = np.argsort(-usable, axis=None, kind="stable")
        order = order[usable.ravel()[order] > 0]
        free_row = np.ones(iou.shape[0], dtype=bool)
        free_col = np.ones(iou.shape[1], dtype=bool)
        picked: list[tuple[int, int]] = []
        for flat in order:
            r, c = divmod(int(flat), iou.shape[1])
            if free_row[r] and free_col[c]:
                picked.append((r, c))
                free_row[r] = free_col[c] = False
        rows = np.array([p[0] for p in picked], dtype=np.int64)
        cols = np.array([p[1] for p in picked], dtype=np.int64)
    else:
        raise InvalidInput(f"matching must be 'hungarian' or 'greedy', not {method!r}")
    keep = (usable[rows, cols] >= threshold) & (usable[rows, cols] > 0)
    return rows[keep], cols[keep]


def cluster_annotations(
    shapes: Sequence[np.ndarray],
    classes: Sequence[np.ndarray],
    iou: IouFunction,
    threshold: float,
    method: Matching = "hungarian",
) -> list[list[tuple[int, int]]]:
    """Group shapes of several annotators so that a cluster holds at most one shape per annotator.

    Annotators are taken in order; each one's shapes are matched one-to-one (same class, IoU ≥ ``threshold``)
    against the running mean shape of every cluster so far, and unmatched shapes open new clusters. Returns
    clusters as lists of ``(annotator position, shape position)``. Order-dependent, but deterministic.
    """
    members: list[list[tuple[int, int]]] = []
    sums: list[np.ndarray] = []
    cluster_class: list[object] = []
    for annotator, (geometry, names) in enumerate(zip(shapes, classes, strict=True)):
        if len(geometry) == 0:
            continue
        rows = cols = np.zeros(0, dtype=np.int64)
        if members:
            centers = np.stack([total / len(group) for total, group in zip(sums, members, strict=True)])
            scores = iou(geometry, centers)
            same = (
                np.asarray(names, dtype=object)[:, None] == np.asarray(cluster_class, dtype=object)[None, :]
            )
            rows, cols = match_pairs(np.where(same, scores, 0.0), threshold, method)
        matched = np.zeros(len(geometry), dtype=bool)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            members[c].append((annotator, r))
            sums[c] = sums[c] + geometry[r]
            matched[r] = True
        for r in np.flatnonzero(~matched).tolist():
            members.append([(annotator, r)])
            sums.append(geometry[r].astype(np.float64))
            cluster_class.append(names[r])
    return members


def required_support(quorum: float, n_annotators: int) -> int:
    """Annotators needed: ``quorum`` itself when it is an int ≥ 1, else ``ceil(quorum · n)`` (at least 1)."""
    if isinstance(quorum, int | np.integer) and quorum >= 1:
        return int(quorum)
    if not 0 < quorum <= 1:
        raise InvalidInput("quorum must be an integer >= 1 or a fraction in (0, 1]")
    return max(1, math.ceil(quorum * n_annotators - 1e-9))
