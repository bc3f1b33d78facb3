"""Aggregators by name, so a project setting can say which method to use."""

from __future__ import annotations

from typing import Any

from assay.errors import InvalidInput
from assay.quality._base import Aggregator
from assay.quality.dawid_skene import DawidSkene
from assay.quality.glad import GLAD
from assay.quality.mace import MACE
from assay.quality.majority_vote import MajorityVote
from assay.quality.one_coin_dawid_skene import OneCoinDawidSkene
from assay.quality.wawa import Wawa
from assay.quality.weighted_majority_vote import WeightedMajorityVote

__all__ = ["AGGREGATORS", "make_aggregator"]

AGGREGATORS: dict[str, type[Aggregator]] = {
    "majority_vote": MajorityVote,
    "weighted_majority_vote": WeightedMajorityVote,
    "wawa": Wawa,
    "dawid_skene": DawidSkene,
    "one_coin_dawid_skene": OneCoinDawidSkene,
    "glad": GLAD,
    "mace": MACE,
}


def make_aggregator(name: str, **params: Any) -> Aggregator:
    """A new aggregator from its registry ``name`` and hyper-parameters.

    Example:
        >>> make_aggregator("dawid_skene", max_iter=50)
        DawidSkene(max_iter=50, tol=1e-05, smoothing=0.01, shrinkage=2.0, coin_shrinkage=2.0)
    """
    try:
        cls = AGGREGATORS[name]
    except KeyError:
        raise InvalidInput(f"unknown aggregator {name!r}", details={"known": sorted(AGGREGATORS)}) from None
    try:
        return cls(**params)
    except TypeError as exc:
        raise InvalidInput(f"bad parameters for {name}: {exc}") from exc
