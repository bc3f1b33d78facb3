"""``Labels``: crowd answers as three aligned integer arrays, the input of every aggregator.

Names (items, workers, classes) are factorised once here, so the algorithms only ever see dense integer codes
``0..n-1`` and can count with ``np.bincount`` on flat indices instead of pandas groupbys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assay.errors import EmptyInput, InvalidInput

__all__ = ["Labels", "LabelsLike", "as_labels"]

# (item, worker, label) column names we accept, first match wins; crowd-kit's long format comes first.
FRAME_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("task", "worker", "label"),
    ("item", "worker", "label"),
    ("question", "worker", "answer"),
)


def factorize_names(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """Codes and unique names; sorted names when the values are comparable, first-seen order otherwise."""
    series = pd.Series(values if isinstance(values, np.ndarray | pd.Series) else list(values))
    try:
        codes, uniques = pd.factorize(series, sort=True)
    except TypeError:  # mixed types such as 1 and "a" cannot be sorted
        codes, uniques = pd.factorize(series, sort=False)
    return codes.astype(np.int64, copy=False), np.asarray(uniques)


@dataclass(frozen=True, eq=False)
class Labels:
    """Crowd labels: one row per (item, worker) answer, stored as integer codes plus the names they stand for.

    ``item[r]``, ``worker[r]`` and ``label[r]`` are the codes of row ``r``; ``item_names[item[r]]`` is its
    name, ``label_names`` is the fixed class order (sorted names unless ``classes=`` was given). Each
    (item, worker) pair appears once: when the input repeats a pair, the **first** answer is kept and later
    ones are dropped, as crowd-kit's reference numbers do.

    Example:
        >>> labels = Labels.from_rows([("t1", "w1", "cat"), ("t1", "w2", "dog"), ("t2", "w1", "dog")])
        >>> labels.n_items, labels.n_workers, labels.n_classes, list(labels.label_names)
        (2, 2, 2, ['cat', 'dog'])
    """

    item: np.ndarray
    worker: np.ndarray
    label: np.ndarray
    item_names: np.ndarray
    worker_names: np.ndarray
    label_names: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.item)
        if len(self.worker) != n or len(self.label) != n:
            raise InvalidInput("item, worker and label arrays must have the same length")
        for codes, names, what in (
            (self.item, self.item_names, "item"),
            (self.worker, self.worker_names, "worker"),
            (self.label, self.label_names, "label"),
        ):
            if n and (codes.min() < 0 or codes.max() >= len(names)):
                raise InvalidInput(f"{what} codes must lie in 0..{len(names) - 1}")

    @property
    def n_items(self) -> int:
        return len(self.item_names)

    @property
    def n_workers(self) -> int:
        return len(self.worker_names)

    @property
    def n_classes(self) -> int:
        return len(self.label_names)

    def __len__(self) -> int:
        return len(self.item)

    def __repr__(self) -> str:
        return (
            f"Labels(n_labels={len(self)}, n_items={self.n_items}, n_workers={self.n_workers}, "
            f"n_classes={self.n_classes})"
        )

    @classmethod
    def from_arrays(
        cls,
        item: Any,
        worker: Any,
        label: Any,
        *,
        classes: Sequence[Any] | None = None,
    ) -> Labels:
        """Build from three equal-length sequences of names (any hashable values)."""
        item_codes, item_names = factorize_names(item)
        worker_codes, worker_names = factorize_names(worker)
        if classes is None:
            label_codes, label_names = factorize_names(label)
        else:
            label_names = np.asarray(list(classes), dtype=object)
            if len(set(label_names.tolist())) != len(label_names):
                raise InvalidInput("classes must not repeat")
            label_codes = pd.Index(label_names).get_indexer(np.asarray(label, dtype=object)).astype(np.int64)
            if (label_codes < 0).any():
                unknown = sorted({str(v) for v in np.asarray(label, dtype=object)[label_codes < 0]})
                raise InvalidInput("labels outside classes", details={"unknown": unknown[:20]})
        return cls._deduplicated(item_codes, worker_codes, label_codes, item_names, worker_names, label_names)

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[Any, Any, Any]], *, classes: Sequence[Any] | None = None
    ) -> Labels:
        """Build from ``(item, worker, label)`` tuples."""
        rows = list(rows)
        if any(len(row) != 3 for row in rows):
            raise InvalidInput("each row must be (item, worker, label)")
        columns = list(zip(*rows, strict=True)) if rows else [(), (), ()]
        return cls.from_arrays(*columns, classes=classes)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, classes: Sequence[Any] | None = None) -> Labels:
        """Build from a long frame: crowd-kit's ``task, worker, label``, or ``item, worker, label``, or
        ``question, worker, answer``. Rows with a missing value are refused."""
        for names in FRAME_COLUMNS:
            if set(names) <= set(frame.columns):
                break
        else:
            raise InvalidInput(
                "frame needs columns task/worker/label, item/worker/label or question/worker/answer",
                details={"columns": [str(c) for c in frame.columns]},
            )
        part = frame[list(names)]
        if part.isna().to_numpy().any():
            raise InvalidInput("labels frame has missing values")
        return cls.from_arrays(*(part[c].to_numpy() for c in names), classes=classes)

    @classmethod
    def _deduplicated(
        cls,
        item: np.ndarray,
        worker: np.ndarray,
        label: np.ndarray,
        item_names: np.ndarray,
        worker_names: np.ndarray,
        label_names: np.ndarray,
    ) -> Labels:
        if len(item):
            pair = item * max(len(worker_names), 1) + worker
            _, first = np.unique(pair, return_index=True)
            if len(first) < len(item):
                keep = np.sort(first)
                item, worker, label = item[keep], worker[keep], label[keep]
        return cls(item, worker, label, item_names, worker_names, label_names)

    def to_frame(self) -> pd.DataFrame:
        """The labels as crowd-kit's long frame (``task, worker, label`` columns holding names)."""
        return pd.DataFrame(
            {
                "task": self.item_names[self.item],
                "worker": self.worker_names[self.worker],
                "label": self.label_names[self.label],
            }
        )


LabelsLike = Labels | pd.DataFrame


def as_labels(data: LabelsLike, *, require: bool = True) -> Labels:
    """``data`` as ``Labels`` (frames are converted); ``EmptyInput`` if there is no label and ``require``."""
    labels = (
        data
        if isinstance(data, Labels)
        else Labels.from_frame(data)
        if isinstance(data, pd.DataFrame)
        else None
    )
    if labels is None:
        raise InvalidInput(f"expected Labels or a pandas DataFrame, got {type(data).__name__}")
    if require and len(labels) == 0:
        raise EmptyInput("no labels to aggregate")
    return labels
