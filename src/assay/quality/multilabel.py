"""Multi-label aggregation: any single-label aggregator run as one binary problem per label."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from assay.errors import EmptyInput, InvalidInput
from assay.quality._base import Aggregator
from assay.quality.labels import FRAME_COLUMNS, Labels, factorize_names
from assay.quality.majority_vote import MajorityVote
from assay.quality.registry import make_aggregator

__all__ = ["BinaryRelevance"]

# One multi-label answer: (item, worker, the set of labels the worker chose; may be empty).
MultiRow = tuple[Any, Any, Iterable[Any]]


class BinaryRelevance:
    """Aggregate multi-label answers by running ``aggregator`` once per label on "chosen / not chosen".

    Every worker who answered an item votes on every label for it: ``True`` if the label is in their set,
    ``False`` otherwise (so an empty set is a vote against every label). ``aggregator`` is an instance (copied
    per label), a class, or a registry name such as ``"dawid_skene"``. Labels are the sorted union of all
    chosen labels unless ``classes=`` is given. A tie between "chosen" and "not chosen" resolves to not chosen
    (``False`` is the lower class code). Repeated (item, worker) answers: the first is kept.

    Learned: ``labels_`` (items × labels bool frame), ``probas_`` (items × labels, P(label applies)),
    ``estimators_`` (label → fitted aggregator).

    Example:
        >>> rows = [("t1", "w1", {"cat"}), ("t1", "w2", {"cat", "dog"}), ("t1", "w3", {"dog", "cat"})]
        >>> BinaryRelevance().fit(rows).labels_.to_dict("index")
        {'t1': {'cat': True, 'dog': True}}
    """

    def __init__(
        self,
        aggregator: Aggregator | type[Aggregator] | str = MajorityVote,
        classes: Sequence[Any] | None = None,
    ) -> None:
        self.aggregator = aggregator
        self.classes = classes

    def _new_estimator(self) -> Aggregator:
        if isinstance(self.aggregator, str):
            return make_aggregator(self.aggregator)
        if isinstance(self.aggregator, Aggregator):
            return copy.deepcopy(self.aggregator)
        return self.aggregator()

    def fit(self, data: Iterable[MultiRow] | pd.DataFrame) -> Self:
        """Learn from ``(item, worker, labels)`` rows or a frame whose label column holds collections."""
        if isinstance(data, pd.DataFrame):
            names = next((c for c in FRAME_COLUMNS if set(c) <= set(data.columns)), None)
            if names is None:
                raise InvalidInput(
                    "frame needs task/worker/label, item/worker/label or question/worker/answer"
                )
            rows = list(zip(*(data[c].tolist() for c in names), strict=True))
        else:
            rows = list(data)
        if not rows:
            raise EmptyInput("no labels to aggregate")
        chosen = [set(row[2]) for row in rows]
        classes = list(self.classes) if self.classes is not None else sorted(set().union(*chosen), key=str)
        item, item_names = factorize_names([row[0] for row in rows])
        worker, worker_names = factorize_names([row[1] for row in rows])
        keep = np.sort(
            np.unique(item * len(worker_names) + worker, return_index=True)[1]
        )  # first answer wins
        item, worker = item[keep], worker[keep]
        chosen = [chosen[i] for i in keep.tolist()]
        self.estimators_: dict[Any, Aggregator] = {}
        probas = np.zeros((len(item_names), len(classes)))
        applies = np.zeros((len(item_names), len(classes)), dtype=bool)
        for position, name in enumerate(classes):
            votes = np.fromiter((name in answer for answer in chosen), dtype=np.int64, count=len(chosen))
            binary = Labels(item, worker, votes, item_names, worker_names, np.array([False, True]))
            estimator = self._new_estimator().fit(binary)
            self.estimators_[name] = estimator
            probas[:, position] = estimator.probas_array_[:, 1]
            applies[:, position] = estimator.label_index_ == 1
        index = pd.Index(item_names, name="task")
        self.probas_ = pd.DataFrame(probas, index=index, columns=pd.Index(classes, name="label"))
        self.labels_ = pd.DataFrame(applies, index=index, columns=self.probas_.columns)
        return self

    def fit_predict(self, data: Iterable[MultiRow] | pd.DataFrame) -> pd.DataFrame:
        """``fit`` then return ``labels_``."""
        return self.fit(data).labels_
