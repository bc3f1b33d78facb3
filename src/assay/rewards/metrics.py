"""Held-out quality of a reward model: preference accuracy and calibration (ECE, Brier, log loss)."""

from __future__ import annotations

import numpy as np

from assay.errors import InvalidInput

__all__ = ["expected_calibration_error", "preference_metrics"]


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, *, bins: int = 10) -> float:
    """ECE: the bin-size-weighted mean gap between confidence and accuracy over equal-width bins.

    Example:
        >>> expected_calibration_error(np.array([0.9, 0.9]), np.array([1.0, 0.0]))
        0.4
    """
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, confidence, side="right") - 1, 0, bins - 1)
    total = 0.0
    for b in np.unique(which):
        members = which == b
        total += members.sum() * abs(confidence[members].mean() - correct[members].mean())
    return round(float(total / len(confidence)), 12)


def preference_metrics(proba_chosen: np.ndarray, *, bins: int = 10) -> dict[str, float | None]:
    """Metrics of ``P(chosen ≻ rejected)`` on held-out pairs: accuracy (p = ½ counts half), ECE over the
    confidence ``max(p, 1-p)``, Brier score ``mean((1-p)²)`` and log loss (0.25 and ln 2 for a coin flip); None
    for every metric when there are no pairs.

    Example:
        >>> preference_metrics(np.array([0.8, 0.6, 0.3]))["accuracy"]
        0.6666666666666666
    """
    p = np.asarray(proba_chosen, dtype=np.float64)
    if p.ndim != 1 or not np.isfinite(p).all() or ((p < 0) | (p > 1)).any():
        raise InvalidInput("probabilities must be a finite 1-d array in [0, 1]")
    if len(p) == 0:
        return {"n": 0, "accuracy": None, "ece": None, "brier": None, "log_loss": None}
    correct = np.where(p > 0.5, 1.0, np.where(p == 0.5, 0.5, 0.0))
    return {
        "n": int(len(p)),
        "accuracy": float(correct.mean()),
        "ece": expected_calibration_error(np.maximum(p, 1 - p), correct, bins=bins),
        "brier": float(np.mean((1 - p) ** 2)),
        "log_loss": float(-np.mean(np.log(np.clip(p, 1e-12, 1.0)))),
    }
