"""BradleyTerry against an independent scipy fit, Newton vs MM, and the degenerate cases the prior handles."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import expit

from assay.errors import EmptyInput, InvalidInput
from assay.evaluation import ELO_SCALE, Battles, BradleyTerry, ConvergenceWarning, _solvers
from assay.evaluation._pairs import aggregate
from tests.evaluation.simulation import TRUTH, simulate


def logistic_regression(battles: Battles, reg: float = 0.0) -> np.ndarray:
    """Plain row-level logistic regression with soft targets (tie = 0.5), model 0 fixed at 0, plus the
    documented virtual-ties prior when ``reg`` > 0; returns centred scores."""
    a, b, y, n = battles.model_a, battles.model_b, battles.outcome, battles.n_models

    def loss(free: np.ndarray) -> tuple[float, np.ndarray]:
        s = np.concatenate([[0.0], free]) if reg == 0 else free
        eta = s[a] - s[b]
        value = np.sum(np.logaddexp(0, eta) - y * eta) + reg * 0.5 * np.sum(
            np.logaddexp(0, s) + np.logaddexp(0, -s)
        )
        residual = expit(eta) - y
        grad = np.bincount(a, residual, n) - np.bincount(b, residual, n) + reg * (expit(s) - 0.5)
        return value, grad[1:] if reg == 0 else grad

    start = np.zeros(n - 1 if reg == 0 else n)
    result = minimize(loss, start, jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 10_000})
    s = np.concatenate([[0.0], result.x]) if reg == 0 else result.x
    return s - s.mean()


def davidson_fit(battles: Battles) -> tuple[np.ndarray, float]:
    """Davidson's tie model by direct likelihood maximisation on the rows."""
    a, b, y, n = battles.model_a, battles.model_b, battles.outcome, battles.n_models

    def nll(params: np.ndarray) -> float:
        s, log_nu = np.concatenate([[0.0], params[: n - 1]]), params[-1]
        half = 0.5 * (s[a] - s[b])
        log_norm = np.logaddexp(np.logaddexp(half, -half), log_nu)
        chosen = np.where(y == 1.0, half, np.where(y == 0.0, -half, log_nu))
        return float(np.sum(log_norm - chosen))

    result = minimize(nll, np.zeros(n), method="BFGS", options={"gtol": 1e-7})
    s = np.concatenate([[0.0], result.x[: n - 1]])
    return s - s.mean(), float(np.exp(result.x[-1]))


@pytest.mark.parametrize("method", ["newton", "mm"])
@pytest.mark.parametrize("reg", [0.0, 1.0])
def test_matches_independent_logistic_regression(battles: Battles, method: str, reg: float) -> None:
    model = BradleyTerry(method, reg=reg).fit(battles)
    assert model.converged_
    np.testing.assert_allclose(model.scores_.to_numpy(), logistic_regression(battles, reg), atol=1e-6)


def test_davidson_matches_direct_likelihood(battles: Battles) -> None:
    model = BradleyTerry(ties="davidson", reg=0).fit(battles)
    scores, nu = davidson_fit(battles)
    np.testing.assert_allclose(model.scores_.to_numpy(), scores, atol=1e-5)
    assert model.tie_param_ == pytest.approx(nu, rel=1e-5)
    # P(tie) between equal models is ν / (2 + ν); the data have 15 % ties.
    assert nu / (2 + nu) == pytest.approx(0.15, abs=0.03)
    probability = model.predict_proba("m0", "m5")[0]
    assert 0.5 < probability < 1.0


@pytest.mark.parametrize("ties", ["half", "davidson"])
@pytest.mark.parametrize("reg", [0.0, 2.0])
def test_newton_and_mm_agree(battles: Battles, ties: str, reg: float) -> None:
    newton = BradleyTerry("newton", ties=ties, reg=reg).fit(battles)
    mm = BradleyTerry("mm", ties=ties, reg=reg).fit(battles)
    np.testing.assert_allclose(newton.scores_.to_numpy(), mm.scores_.to_numpy(), atol=1e-7)
    if ties == "davidson":
        assert newton.tie_param_ == pytest.approx(mm.tie_param_, rel=1e-7)


def test_ratings_use_the_elo_scale(battles: Battles) -> None:
    model = BradleyTerry().fit(battles)
    np.testing.assert_allclose(model.ratings_, 1000 + 400 / np.log(10) * model.scores_)
    assert model.ratings_.mean() == pytest.approx(1000.0)
    assert pytest.approx(173.7178, abs=1e-4) == ELO_SCALE
    gap = model.ratings_["m0"] - model.ratings_["m5"]
    assert model.predict_proba("m0", "m5")[0] == pytest.approx(1 / (1 + 10 ** (-gap / 400)))
    assert np.corrcoef(model.scores_, TRUTH)[0, 1] > 0.98
    anchored = BradleyTerry(anchor="m3", base_rating=1200).fit(battles)
    assert anchored.ratings_["m3"] == pytest.approx(1200.0)
    np.testing.assert_allclose(np.diff(anchored.ratings_), np.diff(model.ratings_))


def test_win_rate_matrix(battles: Battles) -> None:
    win_rate = BradleyTerry().fit(battles).win_rate_
    assert win_rate.shape == (6, 6) and np.isnan(np.diag(win_rate)).all()
    off = ~np.eye(6, dtype=bool)
    np.testing.assert_allclose((win_rate + win_rate.T).to_numpy()[off], 1.0)
    assert (win_rate.loc["m0"].drop("m0") > 0.5).all()


def ratings(logs: list[tuple[str, str, str]], **params: object) -> dict[str, float]:
    battles = Battles.from_arena([{"model_a": a, "model_b": b, "winner": w} for a, b, w in logs])
    model = BradleyTerry(**params).fit(battles)  # type: ignore[arg-type]
    values = model.ratings_
    assert np.isfinite(values).all()
    return values.to_dict()


@pytest.mark.parametrize("method", ["newton", "mm"])
def test_cycle_gives_equal_finite_ratings(method: str) -> None:
    cycle = [("a", "b", "model_a"), ("b", "c", "model_a"), ("c", "a", "model_a")]
    for reg in (0.0, 1.0):
        values = ratings(cycle, method=method, reg=reg)
        assert values == pytest.approx({"a": 1000.0, "b": 1000.0, "c": 1000.0}, abs=1e-6)


@pytest.mark.parametrize("ties", ["half", "davidson"])
def test_ties_only_gives_equal_ratings(ties: str) -> None:
    logs = [("a", "b", "tie"), ("b", "c", "tie (bothbad)"), ("a", "c", "tie")]
    assert ratings(logs, ties=ties) == pytest.approx({"a": 1000.0, "b": 1000.0, "c": 1000.0}, abs=1e-6)
    assert ratings(logs, ties="half", reg=0) == pytest.approx(
        {"a": 1000.0, "b": 1000.0, "c": 1000.0}, abs=1e-6
    )
    with pytest.raises(InvalidInput, match="davidson"):
        ratings(logs, ties="davidson", reg=0)


@pytest.mark.parametrize("method", ["newton", "mm"])
def test_model_that_never_wins_is_finite_and_lowest(method: str) -> None:
    logs = [("a", "b", "model_a"), ("b", "a", "model_a"), ("c", "a", "model_b"), ("b", "c", "model_a")] * 5
    values = ratings(logs, method=method)
    assert min(values, key=values.get) == "c"
    assert values["c"] > 0  # pulled in by the prior, not sent to minus infinity
    with pytest.raises(InvalidInput, match="reg > 0"):
        ratings(logs, method=method, reg=0)


def test_disconnected_graph_gives_finite_ratings() -> None:
    logs = [("a", "b", "model_a"), ("a", "b", "model_a"), ("b", "a", "model_a"), ("c", "d", "model_b")]
    battles = Battles.from_arena([{"model_a": a, "model_b": b, "winner": w} for a, b, w in logs])
    for method in ("newton", "mm"):
        model = BradleyTerry(method).fit(battles)
        assert model.n_components_ == 2 and np.isfinite(model.ratings_).all()
        assert model.ratings_["a"] > model.ratings_["b"] and model.ratings_["d"] > model.ratings_["c"]
    mm, newton = BradleyTerry("mm").fit(battles), BradleyTerry().fit(battles)
    np.testing.assert_allclose(mm.scores_, newton.scores_, atol=1e-7)


def test_single_battle() -> None:
    values = ratings([("a", "b", "model_a")])
    assert values["a"] > 1000 > values["b"]


def test_bootstrap_intervals_cover_the_truth() -> None:
    truth = np.linspace(-1.5, 1.5, 10)
    battles = simulate(truth, 20_000, seed=7)
    model = BradleyTerry().fit(battles, n_bootstrap=100, seed=0)
    true_ratings = 1000 + ELO_SCALE * (truth - truth.mean())
    covered = (model.ci_["lower"] <= true_ratings) & (true_ratings <= model.ci_["upper"])
    assert covered.mean() >= 0.8
    assert (model.ci_["lower"] <= model.ratings_).all() and (model.ratings_ <= model.ci_["upper"]).all()
    assert model.bootstrap_ratings_.shape == (100, 10)
    again = BradleyTerry().fit(battles).bootstrap(100, seed=0)
    np.testing.assert_array_equal(again.ci_, model.ci_)
    assert not hasattr(again.fit(battles), "ci_")  # a refit drops the old intervals
    wider = BradleyTerry().fit(battles).bootstrap(100, seed=0, confidence=0.99)
    assert (wider.ci_["upper"] - wider.ci_["lower"] >= model.ci_["upper"] - model.ci_["lower"] - 1e-9).all()


def test_bootstrap_without_prior_survives_degenerate_resamples() -> None:
    logs = [("a", "b", "model_a"), ("b", "a", "model_a"), ("b", "c", "model_a"), ("c", "b", "tie")]
    battles = Battles.from_arena([{"model_a": a, "model_b": b, "winner": w} for a, b, w in logs])
    for ties in ("half", "davidson"):
        # Many resamples lose a win, a loss or the only tie, so the plain MLE no longer exists in them.
        model = BradleyTerry(reg=0, ties=ties).fit(battles, n_bootstrap=30, seed=1)
        assert np.isfinite(model.ci_.to_numpy()).all()


def test_pair_counts_do_not_depend_on_order_or_representation(battles: Battles) -> None:
    order = np.random.default_rng(0).permutation(len(battles))
    shuffled = Battles(battles.model_a[order], battles.model_b[order], battles.outcome[order], battles.models)
    swapped = Battles(battles.model_b, battles.model_a, 1.0 - battles.outcome, battles.models)
    for other in (shuffled, swapped):
        np.testing.assert_allclose(BradleyTerry().fit(other).scores_, BradleyTerry().fit(battles).scores_)
    pairs = aggregate(battles)
    assert pairs.counts.sum() == len(battles) and len(pairs.first) == 15
    a, b, y = battles.model_a, battles.model_b, battles.outcome
    first_wins = ((a == 0) & (b == 1) & (y == 1)).sum() + ((a == 1) & (b == 0) & (y == 0)).sum()
    ties = ((np.minimum(a, b) == 0) & (np.maximum(a, b) == 1) & (y == 0.5)).sum()
    assert (pairs.first[0], pairs.second[0]) == (0, 1)
    assert pairs.counts[0, 0] == first_wins and pairs.counts[0, 2] == ties


def test_many_models_use_sparse_aggregation_and_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    truth = np.random.default_rng(3).normal(size=3000)
    battles = simulate(truth, 6000, seed=3)
    pairs = aggregate(battles)  # 3000² pairs would not fit a dense bincount
    assert pairs.counts.sum() == 6000 and (pairs.first < pairs.second).all()
    small = simulate(TRUTH, 500, seed=4)
    dense = BradleyTerry().fit(small).scores_
    monkeypatch.setattr(_solvers, "DENSE_LIMIT", 2)
    np.testing.assert_allclose(BradleyTerry().fit(small).scores_, dense, atol=1e-9)
    np.testing.assert_allclose(
        BradleyTerry(reg=0).fit(small).scores_, BradleyTerry(reg=0, method="mm").fit(small).scores_, atol=1e-7
    )


def test_parameters_and_empty_input(battles: Battles) -> None:
    for params in ({"method": "sgd"}, {"ties": "ignore"}, {"reg": -1.0}, {"tol": 0.0}, {"anchor": "nobody"}):
        with pytest.raises(InvalidInput):
            BradleyTerry(**params).fit(battles)  # type: ignore[arg-type]
    with pytest.raises(EmptyInput):
        BradleyTerry().fit(Battles(np.array([], int), np.array([], int), np.array([]), ("a", "b")))
    with pytest.raises(InvalidInput, match="fit"):
        BradleyTerry().bootstrap(10)
    with pytest.raises(InvalidInput, match="unknown model"):
        BradleyTerry().fit(battles).predict_proba("m0", "gpt-9")
    with pytest.warns(ConvergenceWarning):
        BradleyTerry("mm", max_iter=2).fit(battles)
    model = BradleyTerry("mm", reg=0.5)
    assert model.clone().get_params() == model.get_params() and "reg=0.5" in repr(model)
    assert BradleyTerry().fit_predict(battles).index.tolist() == list(battles.models)
