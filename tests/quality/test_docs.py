"""Every docstring example in the package runs (the examples are part of the documentation contract)."""

import doctest
import importlib
import pkgutil

import pytest

import assay.geometry
import assay.quality

MODULES = [
    info.name
    for package in (assay.quality, assay.geometry)
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + ".")
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_public_api_is_exported() -> None:
    for name in assay.quality.__all__:
        assert hasattr(assay.quality, name), name
    assert {"Labels", "MajorityVote", "DawidSkene", "GLAD", "MACE", "AGGREGATORS", "wilson_interval"} <= set(
        assay.quality.__all__
    )
