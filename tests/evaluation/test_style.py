"""StyleControl: agreement with an independent logistic regression, and recovery of a known length bias."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit

from assay.errors import InvalidInput
from assay.evaluation import Battles, BradleyTerry, StyleControl, style_differences


def verbose_battles(n_battles: int = 6000, beta: float = 1.0, seed: int = 0) -> tuple[Battles, np.ndarray]:
    """Battles where answer length helps by ``beta`` per unit of normalised length difference, and the
    strongest models are *not* the most verbose ones, so plain BT is biased. Lengths vary a lot from answer
    to answer, as real ones do; otherwise the length difference is nearly a function of the two models and
    its effect cannot be told apart from their strengths."""
    rng = np.random.default_rng(seed)
    truth = np.array([0.8, 0.4, 0.0, -0.4, -0.8])
    verbosity = np.array([200.0, 300.0, 900.0, 1200.0, 250.0])
    k = len(truth)
    a = rng.integers(0, k, n_battles)
    b = (a + rng.integers(1, k, n_battles)) % k
    len_a = np.round(verbosity[a] * rng.lognormal(0.0, 0.8, n_battles))
    len_b = np.round(verbosity[b] * rng.lognormal(0.0, 0.8, n_battles))
    z = (len_a - len_b) / (len_a + len_b)
    win = rng.random(n_battles) < expit(truth[a] - truth[b] + beta * z)
    outcome = np.where(rng.random(n_battles) < 0.1, 0.5, win.astype(float))
    names = tuple(f"m{i}" for i in range(k))
    battles = Battles(
        a, b, outcome, names, style_a=len_a[:, None], style_b=len_b[:, None], style_features=("length",)
    )
    return battles, truth - truth.mean()


def independent_fit(battles: Battles) -> tuple[np.ndarray, float]:
    """Unpenalised logistic regression on [model indicators (model 0 dropped), scaled length difference]."""
    z = style_differences(battles, ["length"])[:, 0]
    z = z / np.sqrt(np.mean(z**2))
    a, b, y, n = battles.model_a, battles.model_b, battles.outcome, battles.n_models

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        s = np.concatenate([[0.0], params[: n - 1]])
        eta = s[a] - s[b] + params[-1] * z
        residual = expit(eta) - y
        grad_s = np.bincount(a, residual, n) - np.bincount(b, residual, n)
        return float(np.sum(np.logaddexp(0, eta) - y * eta)), np.append(grad_s[1:], residual @ z)

    result = minimize(loss, np.zeros(n), jac=True, method="BFGS", options={"gtol": 1e-9})
    s = np.concatenate([[0.0], result.x[: n - 1]])
    return s - s.mean(), float(result.x[-1])


def test_matches_independent_logistic_regression() -> None:
    battles, _ = verbose_battles(3000)
    model = StyleControl(reg=0, style_reg=0).fit(battles)
    scores, coef = independent_fit(battles)
    np.testing.assert_allclose(model.scores_.to_numpy(), scores, atol=1e-6)
    assert model.style_coef_["length"] == pytest.approx(coef, abs=1e-6)


def test_recovers_length_bias_and_adjusts_ratings() -> None:
    battles, truth = verbose_battles(20_000, beta=1.0)
    model = StyleControl().fit(battles)
    z = style_differences(battles, ["length"])[:, 0]
    assert np.abs(z).max() <= 1 and model.style_scale_["length"] == pytest.approx(np.sqrt(np.mean(z**2)))
    # β per unit of z is coef / scale; ties (10 %, scored ½) shrink the log-odds by about 10 %.
    assert model.style_coef_["length"] / model.style_scale_["length"] == pytest.approx(0.9, abs=0.15)
    plain = BradleyTerry().fit(battles)
    error_style = np.abs(model.scores_.to_numpy() - 0.9 * truth).max()  # the same shrinkage by ties
    error_plain = np.abs(plain.scores_.to_numpy() - 0.9 * truth).max()
    assert error_style < 0.08 and error_plain > 0.2
    assert model.ratings_.idxmax() == "m0"
    win_rate = model.win_rate_
    assert win_rate.loc["m0", "m4"] == pytest.approx(expit(model.scores_["m0"] - model.scores_["m4"]))


def test_swapping_sides_changes_nothing() -> None:
    battles, _ = verbose_battles(2000)
    swapped = Battles(
        battles.model_b, battles.model_a, 1 - battles.outcome, battles.models,
        style_a=battles.style_b, style_b=battles.style_a, style_features=battles.style_features,
    )  # fmt: skip
    np.testing.assert_allclose(
        StyleControl().fit(swapped).scores_, StyleControl().fit(battles).scores_, atol=1e-9
    )


def test_bootstrap_and_errors() -> None:
    battles, _ = verbose_battles(2000)
    model = StyleControl().fit(battles, n_bootstrap=10, seed=0)
    assert (model.ci_["lower"] <= model.ratings_).all() and (model.ratings_ <= model.ci_["upper"]).all()
    plain = Battles(battles.model_a, battles.model_b, battles.outcome, battles.models)
    with pytest.raises(InvalidInput, match="style"):
        StyleControl().fit(plain)
    with pytest.raises(InvalidInput, match="unknown style"):
        StyleControl(features=["markdown"]).fit(battles)
    with pytest.raises(InvalidInput, match="style_reg"):
        StyleControl(style_reg=-1).fit(battles)
    zero = Battles(
        battles.model_a, battles.model_b, battles.outcome, battles.models,
        style_a=np.zeros((len(battles), 1)), style_b=np.zeros((len(battles), 1)), style_features=("length",),
    )  # fmt: skip
    flat = StyleControl().fit(zero)
    assert flat.style_coef_["length"] == 0.0
    np.testing.assert_allclose(flat.scores_, BradleyTerry().fit(zero).scores_, atol=1e-8)
