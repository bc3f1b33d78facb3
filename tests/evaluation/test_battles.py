"""Battles: both input formats, categories, style columns, and row-and-field errors on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assay.errors import EmptyInput, InvalidInput
from assay.evaluation import Battles, BradleyTerry, as_battles, observed_win_rate

LOGS = [
    {"model_a": "gpt", "model_b": "llama", "winner": "model_a"},
    {"model_a": "llama", "model_b": "gpt", "winner": "model_b"},
    {"model_a": "claude", "model_b": "gpt", "winner": "tie"},
    {"model_a": "llama", "model_b": "claude", "winner": "tie (bothbad)"},
]


def test_arena_logs_from_dicts_and_frame_agree() -> None:
    from_dicts = Battles.from_arena(LOGS)
    from_frame = Battles.from_arena(pd.DataFrame(LOGS, index=[10, 11, 12, 13]))
    assert from_dicts.models == from_frame.models == ("claude", "gpt", "llama")
    for field in ("model_a", "model_b", "outcome", "both_bad"):
        np.testing.assert_array_equal(getattr(from_dicts, field), getattr(from_frame, field))
    assert from_dicts.model_a.tolist() == [1, 2, 0, 2]
    assert from_dicts.model_b.tolist() == [2, 1, 1, 0]
    assert from_dicts.outcome.tolist() == [1.0, 0.0, 0.5, 0.5]
    assert from_dicts.both_bad.tolist() == [False, False, False, True]
    assert from_dicts.battle_counts().tolist() == [2, 3, 3]


def test_crowd_kit_pairwise_format() -> None:
    frame = pd.DataFrame(
        {
            "worker": ["w1", "w2", "w1"],
            "left": ["gpt", "llama", "claude"],
            "right": ["llama", "gpt", "gpt"],
            "label": ["gpt", "gpt", "claude"],
        }
    )
    battles = Battles.from_pairwise(frame)
    assert battles.models == ("claude", "gpt", "llama")
    assert battles.outcome.tolist() == [1.0, 0.0, 1.0]
    assert [battles.models[i] for i in battles.model_a] == ["gpt", "llama", "claude"]
    assert as_battles(frame).outcome.tolist() == battles.outcome.tolist()
    assert as_battles(frame.to_dict("records")).models == battles.models


def test_pairwise_label_must_name_a_side() -> None:
    rows = [
        {"worker": "w", "left": "a", "right": "b", "label": "a"},
        {"left": "a", "right": "b", "label": "c"},
    ]
    with pytest.raises(InvalidInput, match=r"row 1, field 'label'") as error:
        Battles.from_pairwise(rows)
    assert error.value.details[0]["loc"] == [1, "label"]


def test_unknown_winner_names_row_and_field() -> None:
    logs = [*LOGS, {"model_a": "gpt", "model_b": "claude", "winner": "draw"}]
    with pytest.raises(InvalidInput, match=r"row 4, field 'winner': unknown value 'draw'") as error:
        Battles.from_arena(logs)
    assert error.value.details == [{"loc": [4, "winner"], "msg": error.value.details[0]["msg"]}]


def test_model_against_itself_is_refused() -> None:
    logs = [*LOGS, {"model_a": "gpt", "model_b": "gpt", "winner": "tie"}]
    with pytest.raises(InvalidInput, match=r"row 4, field 'model_b': a model cannot battle itself"):
        Battles.from_arena(pd.DataFrame(logs))


def test_missing_column_and_missing_values() -> None:
    with pytest.raises(InvalidInput, match=r"field 'winner': missing column"):
        Battles.from_arena(pd.DataFrame(LOGS).drop(columns="winner"))
    logs = [dict(LOGS[0]), {"model_a": "gpt", "winner": "tie"}]
    with pytest.raises(InvalidInput, match=r"row 1, field 'model_b': missing value"):
        Battles.from_arena(logs)
    with pytest.raises(InvalidInput, match=r"row 0, field 'winner'"):
        Battles.from_arena([{"model_a": "x", "model_b": "y"}])
    frame = pd.DataFrame(LOGS)
    frame.loc[2, "winner"] = None
    with pytest.raises(InvalidInput, match=r"row 2, field 'winner': missing value"):
        Battles.from_arena(frame)
    with pytest.raises(InvalidInput):
        Battles.from_arena("not logs")  # type: ignore[arg-type]
    for junk in (None, "logs", [["gpt", "llama", "model_a"]]):
        with pytest.raises(InvalidInput):
            as_battles(junk)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=r"row 1, field 'row'"):
        Battles.from_arena([LOGS[0], ["gpt", "llama", "model_a"]])  # type: ignore[list-item]


def test_every_problem_is_listed() -> None:
    logs = [{"model_a": "a", "model_b": "b", "winner": w} for w in ("x", "model_a", "y", "z")]
    with pytest.raises(InvalidInput, match=r"row 0.*and 2 more problems") as error:
        Battles.from_arena(logs)
    assert [p["loc"] for p in error.value.details] == [[0, "winner"], [2, "winner"], [3, "winner"]]


def test_array_constructor_checks_codes_and_outcomes() -> None:
    with pytest.raises(InvalidInput, match=r"row 1, field 'model_b'"):
        Battles(np.array([0, 0]), np.array([1, 2]), np.array([1.0, 0.0]), ("a", "b"))
    with pytest.raises(InvalidInput, match=r"row 0, field 'outcome'"):
        Battles(np.array([0]), np.array([1]), np.array([0.7]), ("a", "b"))
    with pytest.raises(InvalidInput, match=r"both_bad"):
        Battles(np.array([0]), np.array([1]), np.array([1.0]), ("a", "b"), both_bad=np.array([True]))
    with pytest.raises(InvalidInput, match="integer"):
        Battles(np.array([0.0]), np.array([1]), np.array([1.0]), ("a", "b"))
    with pytest.raises(InvalidInput, match="unique"):
        Battles(np.array([0]), np.array([1]), np.array([1.0]), ("a", "a"))
    with pytest.raises(InvalidInput, match="same length"):
        Battles(np.array([0, 1]), np.array([1]), np.array([1.0]), ("a", "b"))


def test_empty_logs_give_empty_battles_that_cannot_be_rated() -> None:
    battles = Battles.from_arena([])
    assert len(battles) == 0 and battles.n_models == 0
    with pytest.raises(EmptyInput):
        BradleyTerry().fit(battles)


def test_categories_single_and_multi_label() -> None:
    logs = [
        dict(log, category=c) for log, c in zip(LOGS, ["code", ["code", "hard"], None, "math"], strict=True)
    ]
    battles = Battles.from_arena(logs, category="category")
    assert battles.categories == ("code", "hard", "math")
    assert battles.category.tolist() == [
        [True, False, False],
        [True, True, False],
        [False] * 3,
        [False, False, True],
    ]
    code = battles.in_category("code")
    assert len(code) == 2 and code.models == ("gpt", "llama")
    assert [code.models[i] for i in code.model_a] == ["gpt", "llama"]
    with pytest.raises(InvalidInput, match="unknown category"):
        battles.in_category("poetry")
    with pytest.raises(InvalidInput, match=r"field 'topic': missing column"):
        Battles.from_arena(logs, category="topic")
    plain = Battles.from_arena(
        [dict(log, category=c) for log, c in zip(LOGS, "xyxz", strict=True)], category="category"
    )
    assert plain.categories == ("x", "y", "z") and plain.category.sum(axis=0).tolist() == [2, 1, 1]


def test_style_columns() -> None:
    logs = [dict(log, len_a=10 * i, len_b=5) for i, log in enumerate(LOGS)]
    battles = Battles.from_arena(logs, style={"length": ("len_a", "len_b")})
    assert battles.style_features == ("length",)
    assert battles.style_a[:, 0].tolist() == [0, 10, 20, 30] and battles.style_b[:, 0].tolist() == [5] * 4
    kept = battles.subset(np.array([False, True, True, False]))
    assert kept.style_a[:, 0].tolist() == [10, 20]
    logs[2]["len_b"] = "long"
    with pytest.raises(InvalidInput, match=r"row 2, field 'len_b': not a number"):
        Battles.from_arena(logs, style={"length": ("len_a", "len_b")})
    logs[2]["len_b"] = -1
    with pytest.raises(InvalidInput, match=r"row 2, field 'length_b'"):
        Battles.from_arena(logs, style={"length": ("len_a", "len_b")})


def test_observed_win_rate_counts_ties_half() -> None:
    table = observed_win_rate(Battles.from_arena(LOGS))
    assert table.loc["gpt", "llama"] == 1.0 and table.loc["llama", "gpt"] == 0.0
    assert table.loc["claude", "gpt"] == 0.5 and table.loc["llama", "claude"] == 0.5
    assert np.isnan(table.loc["gpt", "gpt"])
