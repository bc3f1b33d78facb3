"""The runnable examples in the evaluation docstrings stay runnable."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "assay.evaluation._pairs",
    "assay.evaluation._shingles",
    "assay.evaluation.battles",
    "assay.evaluation.bradley_terry",
    "assay.evaluation.contamination",
    "assay.evaluation.leaderboard",
    "assay.evaluation.style",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
