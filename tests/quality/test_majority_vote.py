import numpy as np
import pandas as pd
import pytest

from assay.errors import InvalidInput
from assay.quality import Labels, MajorityVote
from assay.quality.majority_vote import break_ties

TIED = Labels.from_rows(
    [
        ("t1", "w1", "b"),
        ("t1", "w2", "a"),
        ("t2", "w1", "c"),
        ("t2", "w2", "b"),
        ("t3", "w1", "c"),
        ("t3", "w2", "c"),
    ]
)


def test_golden_votes_and_probabilities() -> None:
    rows = [("t1", "w1", "x"), ("t1", "w2", "x"), ("t1", "w3", "y"), ("t2", "w1", "y")]
    model = MajorityVote().fit(Labels.from_rows(rows))
    assert model.labels_.to_dict() == {"t1": "x", "t2": "y"}
    assert model.probas_.loc["t1"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert model.label_index_.tolist() == [0, 1]
    assert model.labels_.index.name == "task"
    assert model.ties_.tolist() == [False, False]


def test_ties_go_to_the_lowest_class_by_default() -> None:
    model = MajorityVote().fit(TIED)
    assert model.labels_.to_dict() == {"t1": "a", "t2": "b", "t3": "c"}
    assert model.ties_.tolist() == [True, True, False]


def test_random_ties_are_seeded_and_stay_among_the_tied_classes() -> None:
    scores = np.tile([2.0, 0.0, 2.0, 1.0], (400, 1))
    first = break_ties(scores, "random", seed=7)
    assert np.array_equal(first, break_ties(scores, "random", seed=7))
    assert set(first.tolist()) == {0, 2}
    assert 150 < (first == 0).sum() < 250
    assert break_ties(scores, "lowest").tolist() == [0] * 400
    model = MajorityVote(tie_break="random", seed=1).fit(TIED)
    assert model.labels_["t1"] in {"a", "b"} and model.labels_["t3"] == "c"
    with pytest.raises(InvalidInput):
        break_ties(scores, "first")  # type: ignore[arg-type]


def test_frame_input_matches_labels_input() -> None:
    frame = TIED.to_frame()
    assert MajorityVote().fit_predict(frame).equals(MajorityVote().fit_predict(TIED))
    pd.testing.assert_frame_equal(MajorityVote().fit_predict_proba(frame), MajorityVote().fit(TIED).probas_)


def test_repr_shows_hyper_parameters() -> None:
    assert repr(MajorityVote()) == "MajorityVote(tie_break='lowest', seed=0)"
