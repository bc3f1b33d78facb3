"""Fixtures of the evaluation tests."""

from __future__ import annotations

import pytest

from assay.evaluation import Battles
from tests.evaluation.simulation import TRUTH, simulate


@pytest.fixture
def battles() -> Battles:
    """3,000 battles among six models with known strengths ``TRUTH``, 15 % of them ties."""
    return simulate(TRUTH, 3000, tie_rate=0.15, seed=1)
