"""The optional TRL fine-tuning module: its data format, and a clear error without the ``[gpu]`` extra."""

from __future__ import annotations

import importlib.util

import pytest

from assay.errors import InvalidInput
from assay.rewards import PreferencePairs
from assay.rewards.trl_reward import train_with_trl, trl_dataset_rows

PAIRS = PreferencePairs(["Who wrote Hamlet?"], ["Shakespeare."], ["No idea."])


def test_rows_use_trl_implicit_prompt_preference_format():
    assert trl_dataset_rows(PAIRS) == [
        {"chosen": "Who wrote Hamlet?\n\nShakespeare.", "rejected": "Who wrote Hamlet?\n\nNo idea."}
    ]


@pytest.mark.skipif(importlib.util.find_spec("trl") is not None, reason="trl is installed")
def test_without_the_extra_training_says_how_to_install_it(tmp_path):
    with pytest.raises(InvalidInput, match=r"assay\[gpu\]"):
        train_with_trl(PAIRS, base_model=tmp_path, output_dir=tmp_path / "out")
