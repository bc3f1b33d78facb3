"""Leaderboard tables: columns, CI-aware ranks, per-category breakdowns, JSON/CSV output."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from assay.errors import InvalidInput
from assay.evaluation import (
    Battles,
    BradleyTerry,
    StyleControl,
    category_leaderboard,
    ci_rank,
    leaderboard,
    to_csv,
    to_json,
)
from assay.evaluation.leaderboard import COLUMNS
from tests.evaluation.simulation import TRUTH, simulate


def test_ci_rank_counts_models_clearly_ahead() -> None:
    lower = np.array([10.0, 8.0, 0.0, 11.5])
    upper = np.array([12.0, 11.0, 9.0, 13.0])
    # Model 1 (upper 11) trails only model 3 (lower 11.5); model 2 (upper 9) trails models 0 and 3.
    assert ci_rank(lower, upper).tolist() == [1, 2, 3, 1]
    brute = [1 + int(np.sum(lower > u)) for u in upper]
    assert ci_rank(lower, upper).tolist() == brute
    assert ci_rank(np.array([5.0, 5.0, 1.0]), np.array([5.0, 5.0, 1.0])).tolist() == [1, 1, 3]


def test_leaderboard_table(battles: Battles) -> None:
    table = leaderboard(battles, n_bootstrap=50, seed=0)
    assert list(table.columns) == COLUMNS
    assert table["model"].tolist() == ["m0", "m1", "m2", "m3", "m4", "m5"]  # TRUTH is decreasing
    assert table["rating"].is_monotonic_decreasing
    assert (table["ci_low"] <= table["rating"]).all() and (table["rating"] <= table["ci_high"]).all()
    expected = [1 + int(np.sum(table["ci_low"] > u)) for u in table["ci_high"]]
    assert table["rank"].tolist() == expected and table["rank"].iloc[0] == 1
    assert table["n_battles"].sum() == 2 * len(battles)
    fitted = BradleyTerry().fit(battles)
    np.testing.assert_allclose(table.set_index("model")["rating"], fitted.ratings_[table["model"]])
    a = battles.model_a == 0
    b = battles.model_b == 0
    points = battles.outcome[a].sum() + (1 - battles.outcome[b]).sum()
    assert table.set_index("model").loc["m0", "win_rate"] == pytest.approx(points / (a.sum() + b.sum()))


def test_leaderboard_without_bootstrap_and_from_logs() -> None:
    logs = [{"model_a": "x", "model_b": "y", "winner": "model_a"}] * 3 + [
        {"model_a": "y", "model_b": "z", "winner": "model_a"},
        {"model_a": "x", "model_b": "z", "winner": "tie"},
    ]
    table = leaderboard(logs, n_bootstrap=0)
    assert table["model"].tolist() == ["x", "y", "z"] and table["rank"].tolist() == [1, 2, 3]
    assert (table["ci_low"] == table["rating"]).all()
    assert table["win_rate"].tolist() == pytest.approx([3.5 / 4, 1 / 4, 0.5 / 2])


def test_leaderboard_accepts_a_style_control_template() -> None:
    battles = simulate(TRUTH, 1000, seed=2)
    lengths = np.random.default_rng(0).integers(50, 500, (len(battles), 2)).astype(float)
    styled = Battles(
        battles.model_a, battles.model_b, battles.outcome, battles.models,
        style_a=lengths[:, :1], style_b=lengths[:, 1:], style_features=("length",),
    )  # fmt: skip
    template = StyleControl(reg=2.0)
    table = leaderboard(styled, template, n_bootstrap=5)
    assert len(table) == 6 and not hasattr(template, "scores_")


def test_category_leaderboard() -> None:
    battles = simulate(TRUTH, 2000, seed=5)
    rng = np.random.default_rng(5)
    category = np.column_stack([rng.random(len(battles)) < 0.5, battles.model_a != 5])
    battles = Battles(
        battles.model_a, battles.model_b, battles.outcome, battles.models, category=category,
        categories=("coding", "no-m5-as-a"),
    )  # fmt: skip
    table = category_leaderboard(battles, n_bootstrap=10)
    assert list(table.columns) == ["category", *COLUMNS]
    assert table["category"].unique().tolist() == ["overall", "coding", "no-m5-as-a"]
    coding = table[table["category"] == "coding"]
    assert coding["n_battles"].sum() == 2 * category[:, 0].sum()
    only = category_leaderboard(battles, categories=["coding"], overall=False, n_bootstrap=0)
    assert only["category"].unique().tolist() == ["coding"]
    sparse = Battles(
        np.array([0, 1]), np.array([1, 2]), np.array([1.0, 0.0]), ("a", "b", "c"),
        category=np.array([[True], [False]]), categories=("math",),
    )  # fmt: skip
    math = category_leaderboard(sparse, overall=False, n_bootstrap=0)
    assert math["model"].tolist() == ["a", "b"]  # c never played math
    with pytest.raises(InvalidInput, match="categories"):
        category_leaderboard(Battles(np.array([0]), np.array([1]), np.array([1.0]), ("a", "b")))


def test_json_and_csv_round_trip(battles: Battles) -> None:
    table = leaderboard(battles, n_bootstrap=10)
    rows = json.loads(to_json(table))
    assert [row["model"] for row in rows] == table["model"].tolist()
    assert rows[0]["rating"] == pytest.approx(table["rating"].iloc[0])
    assert set(rows[0]) == set(COLUMNS)
    back = pd.read_csv(io.StringIO(to_csv(table)))
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    with_gap = table.assign(win_rate=np.nan)
    assert json.loads(to_json(with_gap))[0]["win_rate"] is None
