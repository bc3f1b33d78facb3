import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.quality import MajorityVote, OneCoinDawidSkene

from .conftest import simulate_crowd


def test_skills_track_simulated_accuracy_and_beat_majority_vote(spammy_crowd) -> None:
    model = OneCoinDawidSkene().fit(spammy_crowd.labels)
    truth = spammy_crowd.truth
    assert (model.label_index_ == truth).mean() >= (
        MajorityVote().fit(spammy_crowd.labels).label_index_ == truth
    ).mean() + 0.05
    good, spammer = spammy_crowd.kind == "good", spammy_crowd.kind == "spammer"
    assert model.skills_array_[good].mean() > 0.75
    assert 0.35 < model.skills_array_[spammer].mean() < 0.65  # chance accuracy for two classes
    assert ((model.skills_array_ > 0) & (model.skills_array_ < 1)).all()


def test_adversarial_workers_get_low_skill() -> None:
    crowd = simulate_crowd(n_classes=3, shares=(0.0, 0.0, 0.2), seed=5)
    model = OneCoinDawidSkene().fit(crowd.labels)
    assert model.skills_array_[crowd.kind == "adversarial"].max() < 0.2
    assert (model.label_index_ == crowd.truth).mean() > 0.9
    assert model.priors_.sum() == pytest.approx(1.0)
    assert np.isfinite(model.loglik_history_).all()


def test_rejects_bad_hyper_parameters() -> None:
    with pytest.raises(InvalidInput):
        OneCoinDawidSkene(smoothing=0)
