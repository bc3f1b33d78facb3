"""Shared machinery of the aggregators: vote counting, the fit/predict surface and result attributes."""

from __future__ import annotations

from typing import Self

import numpy as np
import pandas as pd
from scipy import sparse

from assay.quality.labels import Labels, LabelsLike, as_labels

__all__ = [
    "Aggregator",
    "column_mean",
    "label_worker_matrix",
    "normalize_rows",
    "row_argmax",
    "row_max",
    "row_sum",
    "softmax_rows",
    "vote_matrix",
]


def vote_matrix(labels: Labels, weights: np.ndarray | None = None) -> np.ndarray:
    """Items × classes sum of (optionally per-label weighted) votes, by one ``bincount`` on flat indices."""
    k = labels.n_classes
    flat = np.bincount(labels.item * k + labels.label, weights=weights, minlength=labels.n_items * k)
    return flat.reshape(labels.n_items, k).astype(np.float64, copy=False)


# numpy reduces a narrow (n, K) array along axis 1 (or 0) an order of magnitude slower than it adds K columns
# elementwise, and K (the number of classes) is small: these loops over columns are the fast path.


def row_max(scores: np.ndarray) -> np.ndarray:
    """Maximum of each row."""
    top = scores[:, 0].copy()
    for column in range(1, scores.shape[1]):
        np.maximum(top, scores[:, column], out=top)
    return top


def row_sum(scores: np.ndarray) -> np.ndarray:
    """Sum of each row (booleans are counted)."""
    total = scores[:, 0].astype(np.int64) if scores.dtype == bool else scores[:, 0].copy()
    for column in range(1, scores.shape[1]):
        total += scores[:, column]
    return total


def row_argmax(scores: np.ndarray) -> np.ndarray:
    """Index of the maximum of each row; ties go to the lowest index, like ``np.argmax``."""
    best = np.zeros(len(scores), dtype=np.int64)
    top = scores[:, 0].copy()
    for column in range(1, scores.shape[1]):
        better = scores[:, column] > top
        best[better] = column
        np.maximum(top, scores[:, column], out=top)
    return best


def column_mean(scores: np.ndarray) -> np.ndarray:
    """Mean of each column."""
    return np.array([scores[:, column].mean() for column in range(scores.shape[1])])


def normalize_rows(scores: np.ndarray) -> np.ndarray:
    """Rows scaled to sum to one; an all-zero row becomes uniform so that no probability is ever NaN."""
    total = row_sum(scores)[:, None]
    k = scores.shape[1]
    return np.divide(scores, total, out=np.full_like(scores, 1.0 / max(k, 1)), where=total > 0)


def softmax_rows(log_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise softmax of log scores and the row log-normaliser (``logsumexp``)."""
    top = row_max(log_scores)
    probas = np.exp(log_scores - top[:, None])
    total = row_sum(probas)
    probas /= total[:, None]
    return probas, np.log(total) + top


def label_worker_matrix(labels: Labels) -> sparse.csr_matrix:
    """Sparse items × (worker·K + answer) indicator: one matrix product sums any per-(worker, answer) table
    over each item's labels, which is what both EM steps of Dawid-Skene need."""
    k = labels.n_classes
    ones = np.ones(len(labels))
    shape = (labels.n_items, labels.n_workers * k)
    return sparse.csr_matrix((ones, (labels.item, labels.worker * k + labels.label)), shape=shape)


class Aggregator:
    """Base of the aggregators: ``fit`` takes ``Labels`` or a crowd-kit frame, subclasses implement ``_fit``.

    After ``fit``: ``labels_`` (Series of class names indexed by item name), ``probas_`` (items × classes
    DataFrame, rows sum to one), and their array forms ``label_index_`` (class codes) and ``probas_array_``.
    The predicted class is the most probable one; ties go to the lowest class code (``np.argmax``), which with
    the default sorted class order is the smallest class name.
    """

    labels_: pd.Series
    probas_: pd.DataFrame
    label_index_: np.ndarray
    probas_array_: np.ndarray
    classes_: np.ndarray

    def fit(self, data: LabelsLike) -> Self:
        """Learn from ``Labels`` or a ``task, worker, label`` frame; ``EmptyInput`` when there is no label."""
        labels = as_labels(data)
        self._fit(labels)
        return self

    def fit_predict(self, data: LabelsLike) -> pd.Series:
        """``fit`` then return ``labels_``: the aggregated class of each item."""
        return self.fit(data).labels_

    def fit_predict_proba(self, data: LabelsLike) -> pd.DataFrame:
        """``fit`` then return ``probas_``: the class distribution of each item."""
        return self.fit(data).probas_

    def _fit(self, labels: Labels) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _set_result(self, labels: Labels, probas: np.ndarray, label_index: np.ndarray | None = None) -> None:
        self.classes_ = labels.label_names
        self.probas_array_ = probas
        self.label_index_ = row_argmax(probas) if label_index is None else label_index
        items = pd.Index(labels.item_names, name="task")
        self.labels_ = pd.Series(labels.label_names[self.label_index_], index=items, name="agg_label")
        self.probas_ = pd.DataFrame(probas, index=items, columns=pd.Index(labels.label_names, name="label"))

    def _worker_series(self, labels: Labels, values: np.ndarray, name: str) -> pd.Series:
        return pd.Series(values, index=pd.Index(labels.worker_names, name="worker"), name=name)

    def __repr__(self) -> str:
        public = {k: v for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")}
        params = ", ".join(f"{k}={v!r}" for k, v in public.items())
        return f"{type(self).__name__}({params})"
