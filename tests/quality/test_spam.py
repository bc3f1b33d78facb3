import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.quality import DawidSkene, Labels, constant_answer_rate, spam_report, spammer_score


def test_spammer_score_binary_is_squared_youden_index() -> None:
    sensitivity, specificity = 0.9, 0.8
    confusion = np.array([[[specificity, 1 - specificity], [1 - sensitivity, sensitivity]]])
    assert spammer_score(confusion)[0] == pytest.approx((sensitivity + specificity - 1) ** 2)


def test_spammer_score_extremes_for_many_classes() -> None:
    k = 4
    perfect = np.eye(k)
    uniform = np.full((k, k), 1 / k)
    constant = np.tile(np.eye(k)[2], (k, 1))  # always answers class 2
    adversarial = np.roll(np.eye(k), 1, axis=1)
    scores = spammer_score(np.stack([perfect, uniform, constant, adversarial]))
    assert scores == pytest.approx([1.0, 0.0, 0.0, 1.0])
    assert spammer_score(np.ones((3, 1, 1))).tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(InvalidInput):
        spammer_score(np.ones((2, 2, 3)))


def test_constant_answer_rate() -> None:
    rows = [("t1", "w1", "a"), ("t2", "w1", "a"), ("t3", "w1", "a"), ("t1", "w2", "a"), ("t2", "w2", "b")]
    assert constant_answer_rate(Labels.from_rows(rows)).to_dict() == {"w1": 1.0, "w2": 0.5}


def test_spam_report_flags_simulated_spammers(spammy_crowd) -> None:
    report = spam_report(spammy_crowd.labels)
    kind = spammy_crowd.kind
    good = kind == "good"
    bad = (kind == "spammer") | (kind == "constant")
    assert report["spammer_score"][bad].mean() < 0.03 < 0.15 < report["spammer_score"][good].median()
    assert report["mace_spam_proba"][bad].mean() > report["mace_spam_proba"][good].mean() + 0.3
    assert (report["constant_rate"][kind == "constant"] == 1.0).all()
    assert report["n_labels"].sum() == len(spammy_crowd.labels)
    ds = DawidSkene().fit(spammy_crowd.labels)
    np.testing.assert_allclose(report["spammer_score"], spammer_score(ds.confusions_))
