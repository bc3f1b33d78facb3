"""The CPU reward model: a frozen sentence encoder plus a Bradley-Terry head on prompt-aware features."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay.errors import InvalidInput
from assay.rewards.encoders import Encoder, get_encoder
from assay.rewards.head import BradleyTerryHead
from assay.rewards.metrics import preference_metrics

__all__ = ["PreferencePairs", "RewardModel", "split_pairs", "train_reward_model"]

METHOD = "embedding-bt"
MIN_PAIRS = 4


@dataclass(frozen=True)
class PreferencePairs:
    """Preference pairs: ``chosen[i]`` was preferred to ``rejected[i]`` as an answer to ``prompts[i]``.

    ``groups`` (e.g. the item id) keeps judgments of the same comparison on one side of a train/test split.
    """

    prompts: list[str]
    chosen: list[str]
    rejected: list[str]
    groups: list[Any] | None = None

    def __post_init__(self) -> None:
        n = len(self.prompts)
        if (
            len(self.chosen) != n
            or len(self.rejected) != n
            or (self.groups is not None and len(self.groups) != n)
        ):
            raise InvalidInput("prompts, chosen, rejected (and groups) must have the same length")

    def __len__(self) -> int:
        return len(self.prompts)

    def take(self, rows: np.ndarray) -> PreferencePairs:
        """The pairs at ``rows``."""
        pick = [int(r) for r in rows]
        return PreferencePairs(
            [self.prompts[r] for r in pick], [self.chosen[r] for r in pick], [self.rejected[r] for r in pick],
            None if self.groups is None else [self.groups[r] for r in pick],
        )  # fmt: skip


class RewardModel:
    """``r(prompt, response) = w·[e(response), e(prompt)⊙e(response)]`` with a frozen encoder ``e``.

    The first block scores a response on its own (helpfulness, tone, length...), the element-wise product lets
    the score depend on how the response relates to the prompt. ``w`` is fitted by ``BradleyTerryHead``:
    ``P(a ≻ b | prompt) = σ(r(prompt, a) - r(prompt, b))``.

    Example:
        >>> from assay.rewards import HashingEncoder, RewardModel
        >>> good = [f"Paris is the capital, question {i}." for i in range(8)]
        >>> bad = [f"I do not know, question {i}." for i in range(8)]
        >>> model = RewardModel(HashingEncoder()).fit(["capital of France?"] * 8, good, bad)
        >>> bool(model.predict_proba(["capital?"], ["Paris is the capital."], ["I do not know."])[0] > 0.5)
        True
    """

    def __init__(self, encoder: Encoder, *, l2: float = 1.0) -> None:
        self.encoder = encoder
        self.l2 = l2
        self.head: BradleyTerryHead | None = None

    def features(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """``[e(response), e(prompt)⊙e(response)]`` per row."""
        if len(prompts) != len(responses):
            raise InvalidInput("prompts and responses must have the same length")
        unique_prompts = list(dict.fromkeys(prompts))
        prompt_rows = self.encoder.encode(unique_prompts)
        index = {p: i for i, p in enumerate(unique_prompts)}
        e_prompt = prompt_rows[[index[p] for p in prompts]] if len(prompts) else prompt_rows[:0]
        e_response = self.encoder.encode(list(responses))
        return np.hstack([e_response, e_prompt * e_response]).astype(np.float64)

    def fit(self, prompts: Sequence[str], chosen: Sequence[str], rejected: Sequence[str]) -> RewardModel:
        """Fit the head on preference pairs."""
        if len(prompts) == 0:
            raise InvalidInput("no preference pairs to train on")
        differences = self.features(prompts, chosen) - self.features(prompts, rejected)
        self.head = BradleyTerryHead(self.l2).fit(differences)
        return self

    def _fitted(self) -> BradleyTerryHead:
        if self.head is None:
            raise InvalidInput("the reward model is not trained yet")
        return self.head

    def score(self, prompts: Sequence[str], responses: Sequence[str]) -> np.ndarray:
        """The reward of each response to its prompt (only differences between responses are meaningful)."""
        return self._fitted().reward(self.features(prompts, responses))

    def predict_proba(
        self, prompts: Sequence[str], first: Sequence[str], second: Sequence[str]
    ) -> np.ndarray:
        """``P(first ≻ second)`` per prompt."""
        return self._fitted().predict_proba(self.features(prompts, first) - self.features(prompts, second))

    def evaluate(self, pairs: PreferencePairs) -> dict[str, float | None]:
        """Held-out accuracy and calibration on ``pairs`` (see ``preference_metrics``)."""
        if len(pairs) == 0:
            return preference_metrics(np.zeros(0))
        return preference_metrics(self.predict_proba(pairs.prompts, pairs.chosen, pairs.rejected))

    def to_dict(self) -> dict[str, Any]:
        """The trained model as plain JSON-able data (encoder name, l2, head weights)."""
        head = self._fitted()
        return {"method": METHOD, "encoder": self.encoder.name, "l2": self.l2, "coef": head.coef_.tolist()}

    @classmethod
    def from_dict(cls, data: dict[str, Any], encoder: Encoder | None = None) -> RewardModel:
        """Rebuild a model saved by ``to_dict`` (loading its encoder by name unless one is given)."""
        if data.get("method") != METHOD or not isinstance(data.get("coef"), list):
            raise InvalidInput("not a saved embedding reward model")
        model = cls(encoder or get_encoder(data["encoder"]), l2=float(data["l2"]))
        if 2 * model.encoder.dim != len(data["coef"]):
            raise InvalidInput("the saved weights do not match the encoder's dimension")
        model.head = BradleyTerryHead(model.l2)
        model.head.coef_ = np.asarray(data["coef"], dtype=np.float64)
        return model


def split_pairs(
    pairs: PreferencePairs, *, holdout: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Train and held-out row indices; whole groups go to one side, at least one group to each."""
    if not 0 < holdout < 1:
        raise InvalidInput("holdout must be between 0 and 1")
    groups = pairs.groups if pairs.groups is not None else list(range(len(pairs)))
    names = list(dict.fromkeys(groups))
    if len(names) < 2:
        raise InvalidInput("need preference pairs from at least two comparisons to hold some out")
    rng = np.random.default_rng(seed)
    shuffled = [names[i] for i in rng.permutation(len(names))]
    n_test = min(max(1, round(holdout * len(names))), len(names) - 1)
    test_groups = set(shuffled[:n_test])
    is_test = np.array([g in test_groups for g in groups])
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


def train_reward_model(
    pairs: PreferencePairs, encoder: Encoder, *, l2: float = 1.0, holdout: float = 0.2, seed: int = 0
) -> tuple[RewardModel, dict[str, Any]]:
    """Train on a split of ``pairs`` and measure on the held-out rest; the metrics describe the returned model."""
    if len(pairs) < MIN_PAIRS:
        raise InvalidInput(
            f"need at least {MIN_PAIRS} preference pairs, got {len(pairs)}",
            details=[{"loc": ["pairs"], "msg": "too few"}],
        )
    train, test = split_pairs(pairs, holdout=holdout, seed=seed)
    model = RewardModel(encoder, l2=l2)
    part = pairs.take(train)
    model.fit(part.prompts, part.chosen, part.rejected)
    metrics: dict[str, Any] = {"heldout": model.evaluate(pairs.take(test)), "train": model.evaluate(part)}
    metrics.update(n_train=len(train), n_heldout=len(test), holdout=holdout, seed=seed)
    return model, metrics
