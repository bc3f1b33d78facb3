import numpy as np
import pytest

from assay.errors import InvalidInput
from assay.quality import DawidSkene, Labels, MajorityVote

from .conftest import simulate_crowd


def accuracy(model, crowd) -> float:
    return float((model.fit(crowd.labels).label_index_ == crowd.truth).mean())


def test_beats_majority_vote_clearly_when_there_are_spammers(spammy_crowd) -> None:
    assert accuracy(DawidSkene(), spammy_crowd) >= accuracy(MajorityVote(), spammy_crowd) + 0.05


def test_recovers_adversarial_workers_that_majority_vote_follows() -> None:
    crowd = simulate_crowd(shares=(0.0, 0.0, 0.3), seed=1)
    assert accuracy(DawidSkene(), crowd) > 0.95 > accuracy(MajorityVote(), crowd) + 0.2
    model = DawidSkene().fit(crowd.labels)
    adversarial = crowd.kind == "adversarial"
    assert model.confusions_[adversarial][:, 0, 1].mean() > 0.8  # they answer 1 when the truth is 0


def test_confusions_priors_and_skills_are_distributions() -> None:
    crowd = simulate_crowd(n_classes=3, shares=(0.2, 0.1, 0.0), seed=2)
    model = DawidSkene().fit(crowd.labels)
    assert model.confusions_.shape == (crowd.labels.n_workers, 3, 3)
    assert np.allclose(model.confusions_.sum(axis=2), 1.0)
    assert (model.confusions_ > 0).all()
    assert model.priors_.sum() == pytest.approx(1.0)
    good, spammer = crowd.kind == "good", crowd.kind == "spammer"
    assert model.skills_array_[good].mean() > model.skills_array_[spammer].mean() + 0.2
    assert model.n_iter_ == len(model.loglik_history_) < 100
    assert all(np.diff(model.loglik_history_) > -1e-6)  # EM never lowers the (penalised) likelihood much


def test_golden_result_on_a_fixed_crowd() -> None:
    crowd = simulate_crowd(n_items=200, n_workers=10, per_item=4, n_classes=2, seed=11)
    model = DawidSkene().fit(crowd.labels)
    assert model.n_iter_ < 30
    assert int(model.label_index_.sum()) == int(DawidSkene().fit(crowd.labels).label_index_.sum())
    assert accuracy(DawidSkene(), crowd) == pytest.approx(
        accuracy(DawidSkene(max_iter=500, tol=0.0), crowd), abs=0.01
    )


def test_shrinkage_keeps_workers_with_few_labels_in_check() -> None:
    crowd = simulate_crowd(n_items=100, seed=1)  # about 17 labels per worker
    plain = DawidSkene(shrinkage=0.0, coin_shrinkage=0.0)  # additive smoothing only
    assert accuracy(DawidSkene(), crowd) > accuracy(plain, crowd) + 0.1
    assert accuracy(DawidSkene(shrinkage=0.0), crowd) > accuracy(plain, crowd) + 0.1  # either prior helps
    assert accuracy(DawidSkene(), crowd) >= accuracy(MajorityVote(), crowd)
    assert DawidSkene(max_iter=1).fit(crowd.labels).n_iter_ == 1


def test_rejects_bad_hyper_parameters() -> None:
    bad = ({"max_iter": 0}, {"tol": -1.0}, {"smoothing": 0.0}, {"shrinkage": -1.0}, {"coin_shrinkage": -1.0})
    for params in bad:
        with pytest.raises(InvalidInput):
            DawidSkene(**params)


def test_a_worker_with_one_label_cannot_break_it() -> None:
    rows = [(f"t{i}", f"w{w}", i % 2) for i in range(20) for w in range(3)] + [("t0", "lonely", 1)]
    model = DawidSkene().fit(Labels.from_rows(rows))
    assert np.isfinite(model.confusions_).all()
    assert model.labels_["t0"] == 0


def test_one_coin_prior_transfers_a_workers_accuracy_to_classes_they_never_met() -> None:
    rows = [(f"t{i}", f"w{w}", "abc"[i % 3]) for i in range(30) for w in range(3)]
    rows += [(f"t{i}", "narrow", "a") for i in range(0, 15, 3)]  # five 'a' items, all answered right
    labels = Labels.from_rows(rows)
    narrow = list(labels.worker_names).index("narrow")
    coin = DawidSkene(shrinkage=0.0).fit(labels).confusions_[narrow]
    plain = DawidSkene(shrinkage=0.0, coin_shrinkage=0.0).fit(labels).confusions_[narrow]
    assert coin[1, 1] > 0.9 and coin[2, 2] > 0.9  # true 'b' / 'c': assumed as accurate as on 'a'
    assert plain[1] == pytest.approx([1 / 3] * 3)  # nothing seen, nothing assumed
    assert DawidSkene().fit(labels).confusions_[narrow].diagonal().min() > 0.9


def test_one_coin_prior_helps_with_many_classes_and_few_labels_per_worker() -> None:
    gains = []
    for seed in range(6):  # 100 workers, 5 classes, about 12 labels per worker
        crowd = simulate_crowd(
            n_items=300, n_workers=100, per_item=4, n_classes=5, accuracy=(0.5, 0.9), seed=seed
        )
        gains.append(accuracy(DawidSkene(), crowd) - accuracy(DawidSkene(coin_shrinkage=0.0), crowd))
    assert min(gains) >= 0 and np.mean(gains) > 0.02
