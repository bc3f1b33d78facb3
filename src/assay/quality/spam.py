"""Spammer detection: workers who answer at random or always give the same answer."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assay.errors import InvalidInput
from assay.quality.dawid_skene import DawidSkene
from assay.quality.labels import LabelsLike, as_labels
from assay.quality.mace import MACE

__all__ = ["spammer_score", "constant_answer_rate", "spam_report"]


def spammer_score(confusions: np.ndarray) -> np.ndarray:
    r"""Raykar & Yu's spammer score of each worker from their confusion matrix (workers × true × answer).

    A spammer answers independently of the truth, so all rows of their confusion matrix are equal; this holds
    for uniform-random and for constant answerers alike. The score is the mean squared distance between rows,

    .. math:: S_w = \frac{1}{K(K-1)} \sum_{c < c'} \sum_k (\pi^w_{ck} - \pi^w_{c'k})^2,

    0 for a spammer and 1 for a perfect (or perfectly adversarial) worker; with two classes it is
    :math:`(\text{sensitivity} + \text{specificity} - 1)^2`. Raykar & Yu (2012), "Eliminating spammers and
    ranking annotators for crowdsourced labeling tasks", JMLR 13, 491-518. One class: 0 for everybody.

    Example:
        >>> spammer_score(np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.5, 0.5], [0.5, 0.5]]])).round(2).tolist()
        [0.49, 0.0]
    """
    matrices = np.asarray(confusions, dtype=np.float64)
    if matrices.ndim != 3 or matrices.shape[1] != matrices.shape[2]:
        raise InvalidInput("confusions must have shape (workers, classes, classes)")
    k = matrices.shape[1]
    if k < 2:
        return np.zeros(len(matrices))
    # Σ over all ordered row pairs of ||row_c - row_c'||² = 2K·Σ||row||² - 2·||Σ rows||², halved for c < c'.
    rows_sq = (matrices**2).sum(axis=(1, 2))
    column_sums_sq = (matrices.sum(axis=1) ** 2).sum(axis=1)
    return (k * rows_sq - column_sums_sq) / (k * (k - 1))


def constant_answer_rate(data: LabelsLike) -> pd.Series:
    """Per worker, the share of their answers equal to their most frequent answer (1.0 = always the same).

    Example:
        >>> from assay.quality import Labels
        >>> rows = [("t1", "w1", "a"), ("t2", "w1", "a"), ("t3", "w1", "b"), ("t1", "w2", "b")]
        >>> constant_answer_rate(Labels.from_rows(rows)).round(3).to_dict()
        {'w1': 0.667, 'w2': 1.0}
    """
    labels = as_labels(data)
    k = labels.n_classes
    flat = np.bincount(labels.worker * k + labels.label, minlength=labels.n_workers * k)
    per_class = flat.reshape(labels.n_workers, k)
    rate = per_class.max(axis=1) / np.maximum(per_class.sum(axis=1), 1)
    return pd.Series(rate, index=pd.Index(labels.worker_names, name="worker"), name="constant_rate")


def spam_report(data: LabelsLike) -> pd.DataFrame:
    """One row per worker: ``n_labels``, ``constant_rate``, ``spammer_score`` (Raykar & Yu, from Dawid-Skene
    confusion matrices), ``mace_spam_proba`` (1 - MACE competence) and ``ds_skill`` (Dawid-Skene expected
    accuracy). Low ``spammer_score`` or high ``mace_spam_proba`` flag spammers; workers with few labels have
    uncertain scores, so filter on ``n_labels`` too.

    Example:
        >>> from assay.quality import Labels
        >>> rows = [("t1", "w1", "a"), ("t2", "w1", "b"), ("t1", "w2", "a"), ("t2", "w2", "b"),
        ...         ("t1", "w3", "a"), ("t2", "w3", "a")]
        >>> list(spam_report(Labels.from_rows(rows)).columns)
        ['n_labels', 'constant_rate', 'spammer_score', 'mace_spam_proba', 'ds_skill']
    """
    labels = as_labels(data)
    dawid_skene = DawidSkene().fit(labels)
    mace = MACE().fit(labels)
    index = pd.Index(labels.worker_names, name="worker")
    return pd.DataFrame(
        {
            "n_labels": np.bincount(labels.worker, minlength=labels.n_workers),
            "constant_rate": constant_answer_rate(labels).to_numpy(),
            "spammer_score": spammer_score(dawid_skene.confusions_),
            "mace_spam_proba": mace.spam_probas_.to_numpy(),
            "ds_skill": dawid_skene.skills_.to_numpy(),
        },
        index=index,
    )
