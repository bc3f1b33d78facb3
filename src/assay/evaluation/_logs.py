"""Reading battle logs (arena style and crowd-kit pairwise) into the arrays that ``Battles`` holds.

Every check is vectorised over rows; problems are collected as ``{"loc": [row, field], "msg": ...}`` and
raised together, the first one named in the message. Rows are numbered from 0 in input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from assay.errors import InvalidInput

__all__ = ["ArenaLog", "WINNERS", "parse_arena", "parse_pairwise", "raise_problems"]

ArenaLog = Mapping[str, Any]

# A's score for each arena ``winner`` value; both kinds of tie count half a win.
WINNERS: dict[str, float] = {"model_a": 1.0, "model_b": 0.0, "tie": 0.5, "tie (bothbad)": 0.5}
MAX_PROBLEMS = 50


def raise_problems(problems: list[dict[str, Any]]) -> None:
    """Raise ``InvalidInput`` naming the first problem (by row) and listing up to 50; no-op without any."""
    if not problems:
        return
    problems = sorted(problems, key=lambda p: p["loc"][0] if isinstance(p["loc"][0], int) else -1)
    loc, msg = problems[0]["loc"], problems[0]["msg"]
    where = f"row {loc[0]}, field {loc[1]!r}" if len(loc) == 2 else f"field {loc[0]!r}"
    more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
    raise InvalidInput(f"{where}: {msg}{more}", details=problems[:MAX_PROBLEMS])


def _frame(logs: pd.DataFrame | Sequence[Mapping[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """``logs`` as a positionally indexed frame holding ``columns``; raises on missing columns or values."""
    if isinstance(logs, pd.DataFrame):
        missing = [c for c in columns if c not in logs.columns]
        raise_problems([{"loc": [c], "msg": "missing column"} for c in missing])
        frame = logs.reset_index(drop=True)
    else:
        if isinstance(logs, Mapping | str) or not isinstance(logs, Iterable):
            raise InvalidInput("battle logs must be a DataFrame or a list of dicts")
        records = list(logs)
        bad = [r for r, record in enumerate(records) if not isinstance(record, Mapping)]
        raise_problems([{"loc": [r, "row"], "msg": "each row must be a dict"} for r in bad[:MAX_PROBLEMS]])
        frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=list(columns))
        for c in columns:  # a key absent from every dict is reported row by row like one absent from some
            if c not in frame.columns:
                frame[c] = None
    problems: list[dict[str, Any]] = []
    for c in columns:
        rows = np.flatnonzero(frame[c].isna().to_numpy())
        problems += [{"loc": [int(r), c], "msg": "missing value"} for r in rows[:MAX_PROBLEMS]]
    raise_problems(problems)
    return frame


def _names(frame: pd.DataFrame, *columns: str) -> tuple[list[np.ndarray], tuple[str, ...]]:
    """Codes of the values of ``columns`` in one shared, sorted name table."""
    values = [frame[c].astype(str).to_numpy(dtype=object) for c in columns]
    codes, names = pd.factorize(np.concatenate(values), sort=True)
    n = len(frame)
    return [codes[i * n : (i + 1) * n].astype(np.int64) for i in range(len(columns))], tuple(names)


def _as_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    return [str(value)]


def _categories(values: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """A (rows, categories) bool matrix from a column of names, lists of names or missing values."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        exploded = values
    else:
        exploded = values.map(_as_names).explode()
    present = exploded.notna().to_numpy()
    codes, names = pd.factorize(exploded[present].astype(str), sort=True)
    matrix = np.zeros((len(values), len(names)), dtype=bool)
    matrix[exploded.index.to_numpy()[present], codes] = True
    return matrix, tuple(names)


def _style(frame: pd.DataFrame, style: Mapping[str, tuple[str, str]]) -> dict[str, Any]:
    problems: list[dict[str, Any]] = []
    sides: list[list[np.ndarray]] = [[], []]
    for pair in style.values():
        for side, column in enumerate(pair):
            numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
            rows = np.flatnonzero(np.isnan(numbers))
            problems += [{"loc": [int(r), column], "msg": "not a number"} for r in rows[:MAX_PROBLEMS]]
            sides[side].append(numbers)
    raise_problems(problems)
    n = len(frame)
    return {
        "style_a": np.column_stack(sides[0]) if style else np.zeros((n, 0)),
        "style_b": np.column_stack(sides[1]) if style else np.zeros((n, 0)),
        "style_features": tuple(style),
    }


def parse_arena(
    logs: pd.DataFrame | Sequence[ArenaLog],
    *,
    category: str | None = None,
    style: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """``Battles`` keyword arguments from arena logs (see ``Battles.from_arena``)."""
    style_columns = [c for pair in (style or {}).values() for c in pair]
    frame = _frame(logs, ["model_a", "model_b", "winner", *style_columns])
    if category is not None and category not in frame.columns:
        raise_problems([{"loc": [category], "msg": "missing column"}])
    winner = frame["winner"]
    try:
        outcome = winner.map(WINNERS).to_numpy(dtype=np.float64)
    except TypeError:  # unhashable values such as lists
        outcome = winner.astype(str).map(WINNERS).to_numpy(dtype=np.float64)
    expected = ", ".join(repr(w) for w in WINNERS)
    rows = np.flatnonzero(np.isnan(outcome))
    raise_problems(
        [{"loc": [int(r), "winner"], "msg": f"unknown value {winner.iat[r]!r}; expected one of {expected}"}
         for r in rows[:MAX_PROBLEMS]]
    )  # fmt: skip
    (model_a, model_b), models = _names(frame, "model_a", "model_b")
    arrays: dict[str, Any] = {
        "model_a": model_a,
        "model_b": model_b,
        "outcome": outcome,
        "models": models,
        "both_bad": (winner == "tie (bothbad)").to_numpy(dtype=bool),
    }
    if category is not None:
        arrays["category"], arrays["categories"] = _categories(frame[category])
    if style:
        arrays.update(_style(frame, style))
    return arrays


def parse_pairwise(frame: pd.DataFrame | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``Battles`` keyword arguments from crowd-kit's ``worker, left, right, label`` pairwise frame."""
    frame = _frame(frame, ["left", "right", "label"])
    (left, right, label), models = _names(frame, "left", "right", "label")
    rows = np.flatnonzero((label != left) & (label != right))
    raise_problems(
        [{"loc": [int(r), "label"], "msg": f"label {models[label[r]]!r} is neither left nor right"}
         for r in rows[:MAX_PROBLEMS]]
    )  # fmt: skip
    used = np.zeros(len(models), dtype=bool)
    used[left] = used[right] = True
    remap = np.cumsum(used) - 1
    return {
        "model_a": remap[left],
        "model_b": remap[right],
        "outcome": (label == left).astype(np.float64),
        "models": tuple(np.asarray(models, dtype=object)[used]),
    }
