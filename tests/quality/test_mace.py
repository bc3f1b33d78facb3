import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.quality import MACE, MajorityVote

from .conftest import simulate_crowd


@pytest.mark.parametrize("method", ["vb", "em"])
def test_spammers_get_high_spam_probability(method: str, spammy_crowd) -> None:
    model = MACE(method=method).fit(spammy_crowd.labels)
    spam = model.spam_probas_.to_numpy()
    kind = spammy_crowd.kind
    assert spam[(kind == "spammer") | (kind == "constant")].mean() > spam[kind == "good"].mean() + 0.3
    assert np.allclose(model.competence_.to_numpy() + spam, 1.0)
    assert (model.label_index_ == spammy_crowd.truth).mean() > (
        MajorityVote().fit(spammy_crowd.labels).label_index_ == spammy_crowd.truth
    ).mean()


def test_constant_answerers_have_a_peaked_strategy() -> None:
    crowd = simulate_crowd(n_classes=4, shares=(0.0, 0.3, 0.0), seed=8)
    model = MACE().fit(crowd.labels)
    constant = crowd.kind == "constant"
    assert model.strategies_[constant].max(axis=1).mean() > 0.6
    assert np.allclose(model.strategies_.sum(axis=1), 1.0)
    assert model.strategies_frame_.shape == (crowd.labels.n_workers, 4)


def test_rejects_bad_hyper_parameters() -> None:
    with pytest.raises(InvalidInput):
        MACE(method="gibbs")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        MACE(alpha=0)
