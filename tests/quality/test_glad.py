import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.quality import GLAD, Labels, MajorityVote

from .conftest import simulate_crowd


def test_abilities_separate_good_spamming_and_adversarial_workers() -> None:
    crowd = simulate_crowd(shares=(0.2, 0.0, 0.2), seed=6)
    model = GLAD().fit(crowd.labels)
    alphas = model.alphas_array_
    assert alphas[crowd.kind == "good"].mean() > 0.5
    assert abs(alphas[crowd.kind == "spammer"].mean()) < 0.2
    assert alphas[crowd.kind == "adversarial"].max() < 0
    assert (model.label_index_ == crowd.truth).mean() > (
        MajorityVote().fit(crowd.labels).label_index_ == crowd.truth
    ).mean() + 0.1
    assert model.betas_.index.name == "task" and len(model.betas_) == crowd.labels.n_items
    assert np.isfinite(model.betas_array_).all()


def test_difficult_items_get_lower_inverse_difficulty() -> None:
    # t_easy: everyone agrees; t_hard: reliable workers split.
    workers = [f"w{i}" for i in range(6)]
    rows = [(f"e{j}", w, "a" if j % 2 else "b") for j in range(10) for w in workers]
    rows += [("t_hard", w, "a" if i % 2 else "b") for i, w in enumerate(workers)]
    model = GLAD().fit(Labels.from_rows(rows))
    assert model.betas_["t_hard"] < model.betas_["e0"]


def test_given_class_priors_and_em_is_monotone(spammy_crowd) -> None:
    model = GLAD(priors={0: 3.0, 1: 1.0}).fit(spammy_crowd.labels)
    assert model.priors_.to_dict() == pytest.approx({0: 0.75, 1: 0.25})
    assert (model.label_index_ == 0).mean() > (GLAD().fit(spammy_crowd.labels).label_index_ == 0).mean()
    assert np.diff(GLAD().fit(spammy_crowd.labels).loglik_history_).min() > -1e-3
    with pytest.raises(InvalidInput):
        GLAD(priors={0: -1.0}).fit(spammy_crowd.labels)


def test_rejects_bad_hyper_parameters() -> None:
    with pytest.raises(InvalidInput):
        GLAD(m_step_iter=0)
