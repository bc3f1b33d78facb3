"""Active preference learning: acquisition scores and pair selection."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import assay.rewards.active
import assay.rewards.head
import assay.rewards.metrics
import assay.rewards.model
from assay.errors import InvalidInput
from assay.rewards import (
    BradleyTerryHead,
    acquisition_scores,
    expected_information,
    pair_uncertainty,
    select_pairs,
    vote_disagreement,
)


def test_uncertainty_and_disagreement():
    assert pair_uncertainty(np.array([0.5, 0.9, 0.1])).tolist() == pytest.approx([1.0, 0.2, 0.2])
    assert vote_disagreement(np.array([1, 0, 2]), np.array([1, 0, 0]), np.array([0, 0, 2])).tolist() == [
        1.0,
        0.0,
        0.5,
    ]


def test_acquisition_mixes_model_and_raters():
    proba = np.array([0.5, 0.95, 0.95])
    disagreement = np.array([0.0, 0.0, 1.0])
    scores = acquisition_scores(proba, disagreement=disagreement, disagreement_weight=0.5)
    assert scores.tolist() == pytest.approx([0.5, 0.05, 0.55])
    assert select_pairs(scores, 1).tolist() == [2]
    assert acquisition_scores(proba).tolist() == pytest.approx([1.0, 0.1, 0.1])
    with pytest.raises(InvalidInput):
        acquisition_scores(proba, disagreement_weight=2)


def test_information_prefers_unexplored_directions():
    rng = np.random.default_rng(0)
    seen = np.column_stack([rng.normal(size=200), np.zeros(200)])  # only the first feature was ever judged
    head = BradleyTerryHead().fit(np.abs(seen))
    candidates = np.array([[1.0, 0.0], [0.0, 1.0]])
    info = expected_information(candidates, head.covariance_, np.array([0.5, 0.5]))
    assert info[1] > info[0] > 0


def test_select_pairs_limits_per_group_and_is_seeded():
    scores = np.array([0.9, 0.9, 0.9, 0.1])
    groups = np.array([0, 0, 0, 1])
    first, second = select_pairs(scores, 2, groups=groups, per_group=1).tolist()
    assert first in (0, 1, 2) and second == 3
    assert select_pairs(scores, 3, seed=4).tolist() == select_pairs(scores, 3, seed=4).tolist()
    assert len(select_pairs(scores, 10)) == 4
    with pytest.raises(InvalidInput):
        select_pairs(scores, -1)


@pytest.mark.parametrize(
    "module", [assay.rewards.active, assay.rewards.head, assay.rewards.metrics, assay.rewards.model]
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
