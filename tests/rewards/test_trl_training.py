"""TRL's RewardTrainer really runs (on the CPU, with a tiny GPT-2 built offline), and fails clearly without it."""

from __future__ import annotations

import sys

import pytest

from assay.errors import InvalidInput
from assay.rewards import PreferencePairs
from assay.rewards.trl_reward import evaluate_trl_model, score_texts, train_with_trl

PROMPTS = ["hello", "one two", "the model", "first", "second", "third", "p1", "p2"]


def _pairs(prompts: list[str]) -> PreferencePairs:
    """People always prefer the answer ending in "yes" to the one ending in "no"."""
    return PreferencePairs(prompts, [f"{p} answer yes" for p in prompts], [f"{p} answer no" for p in prompts])


@pytest.mark.filterwarnings("ignore::FutureWarning")  # transformers deprecations raised inside trl's config
def test_reward_trainer_learns_a_preference_on_the_cpu(tmp_path):
    pytest.importorskip("trl")
    from tests.jobs.tiny_hf import build_tiny_model

    base = build_tiny_model(tmp_path / "base")
    train, held_out = _pairs(PROMPTS[:6] * 2), _pairs(PROMPTS[6:])
    before = evaluate_trl_model(base, held_out)
    out = train_with_trl(
        train,
        base_model=base,
        output_dir=tmp_path / "reward",
        epochs=4,
        batch_size=4,
        learning_rate=5e-3,
        max_length=32,
        use_cpu=True,
        seed=0,
        logging_strategy="no",
        disable_tqdm=True,
    )
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    after = evaluate_trl_model(out, held_out)
    assert after["n"] == 2 and after["accuracy"] == 1.0
    assert after["log_loss"] < before["log_loss"]
    rewards = score_texts(out, ["p1\n\np1 answer yes", "p1\n\np1 answer no"])
    assert rewards.shape == (2,) and rewards[0] > rewards[1]


def test_without_the_extra_each_function_names_it(tmp_path, monkeypatch):
    for module in ("trl", "transformers", "torch"):
        monkeypatch.setitem(sys.modules, module, None)  # import now fails, as if not installed
    with pytest.raises(InvalidInput, match=r"pip install 'assay\[trl\]'"):
        train_with_trl(_pairs(["a"]), base_model=tmp_path, output_dir=tmp_path / "out")
    with pytest.raises(InvalidInput, match=r"assay\[gpu\]"):
        score_texts(tmp_path, ["a"])


def test_a_base_model_must_be_a_local_folder(tmp_path):
    pytest.importorskip("trl")
    with pytest.raises(InvalidInput, match="not a local model folder"):
        train_with_trl(_pairs(["a"]), base_model=tmp_path / "nope", output_dir=tmp_path / "out")
    with pytest.raises(InvalidInput, match="no preference pairs"):
        train_with_trl(_pairs([]), base_model=tmp_path, output_dir=tmp_path / "out")
