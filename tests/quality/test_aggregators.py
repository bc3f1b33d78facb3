"""Behaviour every aggregator shares: input forms, edge cases, defined (finite) output, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assay.errors import EmptyInput, InvalidInput
from assay.quality import AGGREGATORS, Aggregator, Labels, make_aggregator

from .conftest import simulate_crowd

NAMES = [name for name in AGGREGATORS if name != "weighted_majority_vote"]


def build(name: str) -> Aggregator:
    return make_aggregator(name)


def check_result(model: Aggregator, labels: Labels) -> None:
    probas = model.probas_.to_numpy()
    assert probas.shape == (labels.n_items, labels.n_classes)
    assert np.isfinite(probas).all()
    assert np.allclose(probas.sum(axis=1), 1.0)
    assert list(model.labels_.index) == list(labels.item_names)
    assert list(model.probas_.columns) == list(labels.label_names)
    assert model.labels_.tolist() == list(labels.label_names[model.label_index_])
    skills = getattr(model, "skills_", None)
    if skills is not None:
        assert np.isfinite(skills.to_numpy()).all() and len(skills) == labels.n_workers


@pytest.mark.parametrize("name", NAMES)
def test_unanimous_crowd(name: str) -> None:
    rows = [(f"t{i}", f"w{w}", "yes" if i % 2 else "no") for i in range(6) for w in range(3)]
    labels = Labels.from_rows(rows)
    model = build(name).fit(labels)
    check_result(model, labels)
    assert model.labels_.to_dict() == {f"t{i}": "yes" if i % 2 else "no" for i in range(6)}


@pytest.mark.parametrize("name", NAMES)
def test_empty_input_raises(name: str) -> None:
    with pytest.raises(EmptyInput):
        build(name).fit(Labels.from_rows([]))


@pytest.mark.parametrize("name", NAMES)
def test_one_annotator(name: str) -> None:
    labels = Labels.from_rows([("t1", "w", "a"), ("t2", "w", "b"), ("t3", "w", "b")])
    model = build(name).fit(labels)
    check_result(model, labels)
    assert model.labels_.to_dict() == {"t1": "a", "t2": "b", "t3": "b"}


@pytest.mark.parametrize("name", NAMES)
def test_one_class(name: str) -> None:
    labels = Labels.from_rows([("t1", "w1", "a"), ("t1", "w2", "a"), ("t2", "w1", "a")])
    model = build(name).fit(labels)
    check_result(model, labels)
    assert model.labels_.tolist() == ["a", "a"]
    assert model.probas_.to_numpy().tolist() == [[1.0], [1.0]]


@pytest.mark.parametrize("name", NAMES)
def test_single_label_items_and_one_label_workers(name: str) -> None:
    rows = [("t1", "w1", "a"), ("t2", "w2", "b"), ("t3", "w3", "c"), ("t4", "w1", "c"), ("t4", "w4", "c")]
    labels = Labels.from_rows(rows)
    model = build(name).fit(labels)
    check_result(model, labels)
    assert model.labels_["t4"] == "c"
    if name not in ("dawid_skene", "one_coin_dawid_skene"):
        assert model.labels_.to_dict() == {"t1": "a", "t2": "b", "t3": "c", "t4": "c"}
    # Dawid-Skene models learn class priors: with nothing known about lone workers, the prior of the most
    # frequent class may outweigh a lone answer; the result must still be defined and finite.


@pytest.mark.parametrize("name", NAMES)
def test_unused_class_gets_probability_but_no_nan(name: str) -> None:
    labels = Labels.from_rows(
        [("t1", "w1", "a"), ("t1", "w2", "a"), ("t2", "w1", "b")], classes=["a", "b", "z"]
    )
    model = build(name).fit(labels)
    check_result(model, labels)
    assert model.labels_.tolist() == ["a", "b"]


@pytest.mark.parametrize("name", NAMES)
def test_frame_input_and_repeat_fits_are_identical(name: str) -> None:
    crowd = simulate_crowd(n_items=120, n_workers=12, per_item=3, n_classes=3, seed=3)
    from_labels = build(name).fit(crowd.labels)
    from_frame = build(name).fit(crowd.labels.to_frame())
    pd.testing.assert_frame_equal(from_labels.probas_, from_frame.probas_)
    np.testing.assert_array_equal(build(name).fit(crowd.labels).probas_array_, from_labels.probas_array_)


@pytest.mark.parametrize("name", NAMES)
def test_better_than_chance_on_a_simulated_crowd(name: str, spammy_crowd) -> None:
    accuracy = (build(name).fit(spammy_crowd.labels).label_index_ == spammy_crowd.truth).mean()
    assert accuracy > 0.8


def test_registry_names_and_errors() -> None:
    assert set(AGGREGATORS) == {
        "majority_vote", "weighted_majority_vote", "wawa", "dawid_skene", "one_coin_dawid_skene",
        "glad", "mace",
    }  # fmt: skip
    with pytest.raises(InvalidInput):
        make_aggregator("nope")
    with pytest.raises(InvalidInput):
        make_aggregator("dawid_skene", bogus=1)
    with pytest.raises(InvalidInput):
        make_aggregator("dawid_skene", max_iter=0)
