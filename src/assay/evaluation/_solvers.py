"""Maximum a posteriori Bradley-Terry fits on pair counts: Newton-Raphson and MM / fixed-point iterations.

Model (``d = s_i - s_j``, ``w, l, t`` = wins, losses, ties of ``i`` against ``j``):

* ``half``:     ``ℓ = (w + t/2)·log σ(d) + (l + t/2)·log σ(-d)`` (a tie is half a win for each side);
* ``davidson``: ``P(win, loss, tie) ∝ (e^{d/2}, e^{-d/2}, ν)`` with ``θ = log ν`` fitted (Davidson, 1970).

Prior (``reg`` ≥ 0): every model plays ``reg`` virtual ties against a reference of score 0, i.e. adds
``reg·(½·log σ(s) + ½·log σ(-s))`` — quadratic (``-reg·s²/8``) near 0, linear in the tails, so it only anchors
what the data leave free: a model that never wins, a disconnected component, the overall shift. Under
``davidson`` ``θ`` gets ``reg`` virtual games split evenly three ways between two equal models (``ν = 1``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve
from scipy.special import expit

from assay.evaluation._pairs import LOSS, TIE, WIN, PairCounts

__all__ = ["Solution", "initial_log_nu", "newton", "prior_terms", "solve"]

DENSE_LIMIT = 2000  # above this many models the Newton system is solved as a sparse matrix
LOG2 = float(np.log(2.0))


@dataclass(frozen=True)
class Solution:
    scores: np.ndarray
    log_nu: float  # Davidson's log tie parameter, NaN under ``half``
    n_iter: int
    converged: bool


def initial_log_nu(pairs: PairCounts, reg: float) -> float:
    """``log ν`` that matches the overall tie rate when all models are equal: ``p_tie = ν / (2 + ν)``."""
    p_tie = (pairs.counts[:, TIE].sum() + reg / 3) / (pairs.counts.sum() + reg)
    return float(np.log(2 * p_tie / (1 - p_tie)))


def prior_terms(s: np.ndarray, reg: float) -> tuple[float, np.ndarray, np.ndarray]:
    """The virtual-ties prior: its negative log, its gradient (log scale) and negative Hessian diagonal."""
    p = expit(s)
    f = reg * 0.5 * float((np.logaddexp(0.0, -s) + np.logaddexp(0.0, s)).sum())
    return f, reg * (0.5 - p), reg * p * (1.0 - p)


def _terms(pairs: PairCounts, x: np.ndarray, davidson: bool, reg: float, derivatives: bool = True) -> tuple:
    """Negative log-posterior ``f`` and, per pair, ``∂ℓ/∂d``, ``-∂²ℓ/∂d²`` (and the ``θ`` terms)."""
    n = pairs.n_models
    s = x[:n]
    d = s[pairs.first] - s[pairs.second]
    c = pairs.counts
    w, lose, t = c[:, WIN], c[:, LOSS], c[:, TIE]
    f = prior_terms(s, reg)[0]
    if not davidson:
        w1, w2 = w + 0.5 * t, lose + 0.5 * t
        f += (w1 * np.logaddexp(0.0, -d) + w2 * np.logaddexp(0.0, d)).sum()
        if not derivatives:
            return (f,)
        p = expit(d)
        total = w1 + w2
        return f, w1 - total * p, total * p * (1.0 - p), None
    theta = x[n]
    half = 0.5 * d
    top = np.maximum(np.abs(half), theta)
    e_win, e_loss, e_tie = np.exp(half - top), np.exp(-half - top), np.exp(theta - top)
    norm = e_win + e_loss + e_tie
    log_norm = top + np.log(norm)
    f -= (w * (half - log_norm) + lose * (-half - log_norm) + t * (theta - log_norm)).sum()
    f -= reg * (theta / 3.0 - np.logaddexp(LOG2, theta))
    if not derivatives:
        return (f,)
    p_win, p_loss, p_tie = e_win / norm, e_loss / norm, e_tie / norm
    total = w + lose + t
    diff = p_win - p_loss
    theta_terms = (
        (t - total * p_tie).sum() + reg * (1.0 / 3.0 - expit(theta - LOG2)),  # ∂/∂θ
        -0.5 * total * p_tie * diff,  # -∂²/∂d∂θ per pair
        (total * p_tie * (1.0 - p_tie)).sum() + reg * expit(theta - LOG2) * expit(LOG2 - theta),
    )
    return f, 0.5 * (w - lose) - 0.5 * total * diff, 0.25 * total * ((p_win + p_loss) - diff**2), theta_terms


def _system(
    pairs: PairCounts, x: np.ndarray, davidson: bool, reg: float
) -> tuple[np.ndarray, np.ndarray | sparse.coo_matrix]:
    """Gradient of the log-posterior and its negative Hessian (sparse above ``DENSE_LIMIT`` unknowns)."""
    n = pairs.n_models
    _, g_d, h_d, theta_terms = _terms(pairs, x, davidson, reg)
    i, j = pairs.first, pairs.second
    _, prior_grad, prior_hess = prior_terms(x[:n], reg)
    grad_s = np.bincount(i, g_d, n) - np.bincount(j, g_d, n) + prior_grad
    diag = np.bincount(i, h_d, n) + np.bincount(j, h_d, n) + prior_hess
    size = n + davidson
    rows, cols, vals = [i, j, np.arange(n)], [j, i, np.arange(n)], [-h_d, -h_d, diag]
    grad = grad_s
    if davidson:
        g_theta, h_dtheta, h_theta = theta_terms
        cross = np.bincount(i, h_dtheta, n) - np.bincount(j, h_dtheta, n)
        grad = np.append(grad_s, g_theta)
        last = np.full(n, n)
        rows += [last, np.arange(n), [n]]
        cols += [np.arange(n), last, [n]]
        vals += [cross, cross, [h_theta]]
    row, col, val = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    if reg == 0:  # the likelihood ignores a common shift: pin model 0's step to zero
        grad[0] = 0.0
        keep = (row != 0) & (col != 0)
        row, col, val = np.append(row[keep], 0), np.append(col[keep], 0), np.append(val[keep], 1.0)
    if size > DENSE_LIMIT:
        return grad, sparse.coo_matrix((val, (row, col)), shape=(size, size))
    hess = np.zeros((size, size))
    hess[row, col] = val  # every (row, col) occurs once
    return grad, hess


def newton(
    value: Callable[[np.ndarray], float],
    system: Callable[[np.ndarray], tuple[np.ndarray, Any]],
    x: np.ndarray,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, int, bool]:
    """Maximise a concave log-posterior by Newton-Raphson with backtracking. ``value(x)`` is the negative
    log-posterior, ``system(x)`` returns the gradient of the log-posterior and the negative Hessian (dense,
    or sparse — solved densely up to ``DENSE_LIMIT`` unknowns). Stops when a step moves less than ``tol``."""
    f = value(x)
    for it in range(1, max_iter + 1):
        grad, hess = system(x)
        if sparse.issparse(hess) and x.size > DENSE_LIMIT:
            step = spsolve(hess.tocsc(), grad)
        else:
            dense = hess.toarray() if sparse.issparse(hess) else hess
            try:
                step = linalg.solve(dense, grad, assume_a="pos")
            except linalg.LinAlgError:
                step = linalg.lstsq(dense, grad)[0]
        # Armijo backtracking; the relative slack absorbs rounding once f is flat at the optimum.
        ascent, t = float(grad @ step), 1.0
        while True:
            candidate = x + t * step
            f_new = value(candidate)
            if f_new <= f - 1e-4 * t * ascent + 1e-13 * abs(f) or t < 1e-8:
                break
            t *= 0.5
        x, f = candidate, f_new
        if np.max(np.abs(t * step)) < tol:
            return x, it, True
    return x, max_iter, False


def _components(pairs: PairCounts) -> np.ndarray:
    graph = sparse.csr_matrix(
        (np.ones(len(pairs.first)), (pairs.first, pairs.second)), shape=(pairs.n_models,) * 2
    )
    return connected_components(graph, directed=False)[1]


def _best_shift(s: np.ndarray, component: np.ndarray, reg: float) -> np.ndarray:
    """``s`` with each connected component shifted to maximise the prior. The likelihood ignores such
    shifts, so this only speeds up the MM iteration, whose own steps move them by O(reg / battles)."""
    shift = np.zeros(component.max() + 1)
    for _ in range(100):
        p = expit(s + shift[component])
        curvature = np.maximum(np.bincount(component, p * (1.0 - p)), 1e-12)  # 0 once p saturates
        step = np.bincount(component, 0.5 - p) / curvature
        shift += np.clip(step, -2.0, 2.0)  # the prior is linear in its tails: keep Newton from overshooting
        if np.max(np.abs(step)) < 1e-13:
            break
    return s + shift[component]


def _mm(pairs: PairCounts, x: np.ndarray, davidson: bool, reg: float, max_iter: int, tol: float) -> tuple:
    """Hunter's (2004) MM update under ``half``; Davidson's (1970) fixed-point update under ``davidson``."""
    n = pairs.n_models
    i, j = pairs.first, pairs.second
    c = pairs.counts
    total = c.sum(axis=1)
    log_wins = np.log(
        np.bincount(i, c[:, WIN] + 0.5 * c[:, TIE], n)
        + np.bincount(j, c[:, LOSS] + 0.5 * c[:, TIE], n)
        + reg / 2
    )
    ties = c[:, TIE].sum() + reg / 3.0
    s, theta = x[:n].copy(), (x[n] if davidson else -np.inf)
    component = _components(pairs) if reg > 0 else None
    for it in range(1, max_iter + 1):
        top = s.max()  # strengths are taken relative to the strongest model so exp never overflows
        strength = np.exp(s - top)
        reference = np.exp(-top)  # the virtual opponent's strength on the same footing
        nu = np.exp(theta)
        root = np.exp(0.5 * (s[i] + s[j]) - top)
        norm = strength[i] + strength[j] + nu * root
        term_i = total * (1.0 + 0.5 * nu * np.exp(0.5 * (s[j] - s[i]))) / norm
        term_j = total * (1.0 + 0.5 * nu * np.exp(0.5 * (s[i] - s[j]))) / norm
        denominator = np.bincount(i, term_i, n) + np.bincount(j, term_j, n) + reg / (strength + reference)
        new_s = log_wins - np.log(denominator) + top
        new_s = new_s - new_s.mean() if component is None else _best_shift(new_s, component, reg)
        new_theta = theta
        if davidson:
            root_norm = (total * root / norm).sum() + reg / (2.0 + nu)
            new_theta = float(np.log(ties / root_norm))
        change = max(np.max(np.abs(new_s - s)), abs(new_theta - theta) if davidson else 0.0)
        s, theta = new_s, new_theta
        if change < tol:
            return np.append(s, theta) if davidson else s, it, True
    return np.append(s, theta) if davidson else s, max_iter, False


def solve(
    pairs: PairCounts,
    *,
    ties: str,
    method: str,
    reg: float,
    max_iter: int,
    tol: float,
    init: Solution | None = None,
) -> Solution:
    """Fit log-strengths (and ``log ν``) to pair counts, warm-starting from ``init`` when given."""
    davidson = ties == "davidson"
    n = pairs.n_models
    scores = np.zeros(n) if init is None else init.scores.copy()
    x = np.append(scores, initial_log_nu(pairs, reg) if init is None else init.log_nu) if davidson else scores
    if method == "newton":
        x, n_iter, converged = newton(
            lambda x: _terms(pairs, x, davidson, reg, derivatives=False)[0],
            lambda x: _system(pairs, x, davidson, reg),
            x,
            max_iter,
            tol,
        )
    else:
        x, n_iter, converged = _mm(pairs, x, davidson, reg, max_iter, tol)
    return Solution(x[:n], float(x[n]) if davidson else float("nan"), n_iter, converged)
