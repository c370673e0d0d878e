"""Linear-regime closed forms Z = X W: generalised eigenproblems in feature space [derived].

VICReg surrogate   X^T L X w = mu S w (smallest, LPP), S = X^T H X / (N-1),
                   W^T S W = diag(q^2), q_k^2 = max(0, 1 - gamma mu_k / (alpha N))
spectral contr.    X^T G X w = lambda X^T X w (largest), w^T X^T X w = N max(lambda, 0)
BarlowTwins        X^T G X w = rho X^T D X w (largest): CCA with shared weights
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError, DataError
from ..relations import adjacency, degree, laplacian, validate_edges
from ..spectral.eigenspace import TIE_RTOL, check_k, sign_fix
from .results import LinearSolution, check_positive

RANK_RCOND = 1e-10  # eigenvalues of B below RANK_RCOND * max are treated as zero (singular B)


def _generalised_eigh(
    a: np.ndarray, b: np.ndarray, k: int, *, largest: bool, ridge: float
) -> tuple[np.ndarray, np.ndarray, float, int, float]:
    """A w = e B w for symmetric A and PSD B, k eigenpairs from one end, w^T B w = 1.

    B (+ ridge * tr(B) / D * I when ridge > 0) is diagonalised; the problem is solved on the
    range of B (eigenvalues above RANK_RCOND * max), which is exact when B is non-singular and
    avoids the 0/0 directions of a singular B (directions with X w constant, where a ridge
    would produce spurious zero eigenvalues). Returns (values, vectors, next value, rank of
    B, absolute ridge).
    """
    d = b.shape[0]
    ridge_abs = ridge * float(np.trace(b)) / d if ridge > 0 else 0.0
    s, v = np.linalg.eigh(b + ridge_abs * np.eye(d))
    keep = s > RANK_RCOND * max(float(s[-1]), 0.0)
    rank = int(keep.sum())
    check_k(k, rank, "directions with non-zero variance (numerical rank of B)")
    p = v[:, keep] / np.sqrt(s[keep])
    c = p.T @ a @ p
    vals, y = np.linalg.eigh((c + c.T) / 2)
    if largest:
        vals, y = vals[::-1], y[:, ::-1]
    next_value = float(vals[k]) if vals.size > k else float("nan")
    return vals[:k], sign_fix(p @ y[:, :k]), next_value, rank, ridge_abs


def relative_gaps(values: np.ndarray, next_value: float) -> np.ndarray:
    """Relative spectral gap after each cut r = 1..K: |v_r - v_{r+1}| / |v_r| (v_{K+1} = the
    next eigenvalue; NaN when there is none). The top-r subspace of an eigenproblem is
    well-posed only at a cut with a gap: a perturbation E of the matrices turns it by an angle
    of order ||E|| / gap (Davis-Kahan), so a cut inside a flat spectrum is ill-posed."""
    v = np.append(np.asarray(values, dtype=np.float64), float(next_value))
    scale = np.maximum(np.abs(v[:-1]), np.finfo(np.float64).tiny)
    return np.abs(v[:-1] - v[1:]) / scale


def as_features(x: Any, n_nodes: int | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise DataError(f"x must be a 2-D array (N x D), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DataError("x contains NaN or Inf")
    if n_nodes is not None and x.shape[0] != n_nodes:
        raise DataError(f"x has {x.shape[0]} rows but G has {n_nodes} nodes")
    return x


def _linear_solution(
    values: np.ndarray,
    directions: np.ndarray,
    scales: np.ndarray,
    minimum: float,
    next_value: float,
    rank_b: int,
    ridge_abs: float,
    tol: float,
) -> LinearSolution:
    degenerate = bool(np.isfinite(next_value) and abs(next_value - values[-1]) <= tol)
    return LinearSolution(
        weights=directions * scales,
        directions=directions,
        eigenvalues=values,
        scales=scales,
        predicted_rank=int(np.sum(scales > 0)),
        minimum=minimum,
        next_eigenvalue=next_value,
        degenerate_cut=degenerate,
        rank_b=rank_b,
        ridge=ridge_abs,
    )


def lpp_solution(
    x: Any,
    edges: np.ndarray,
    k: int,
    *,
    alpha: float | None = None,
    gamma: float | None = None,
    weights: Any = None,
    ridge: float = 0.0,
) -> LinearSolution:
    """Locality Preserving Projections = linear VICReg surrogate: X^T L X w = mu S w, smallest K.

    S = X^T H X / (N-1). Without alpha, gamma: W^T S W = I (scales 1). With them, the optimum
    of alpha ||Cov(X W) - I||_F^2 + (2 gamma / N) tr(W^T X^T L X W): W^T S W = diag(q^2),
    q_k^2 = max(0, 1 - gamma mu_k / (alpha N)), minimum
    sum_k [alpha (q_k^2 - 1)^2 + (2 gamma / N) mu_k q_k^2] (free Z is X = I: mu = (N-1) l).
    ``ridge`` (relative to tr(S) / D) regularises an ill-conditioned S; a singular S is
    handled exactly by solving on its range (see ``_generalised_eigh``).
    """
    x = as_features(x)
    n = x.shape[0]
    edges = validate_edges(edges, n, weights)
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / (n - 1)
    a = x.T @ (laplacian(edges, n, weights) @ x)
    vals, dirs, nxt, rank, ridge_abs = _generalised_eigh(a, s, k, largest=False, ridge=ridge)
    tol = TIE_RTOL * max(abs(float(vals[-1])), 1.0)
    if alpha is None and gamma is None:
        return _linear_solution(vals, dirs, np.ones(k), float("nan"), nxt, rank, ridge_abs, tol)
    if alpha is None or gamma is None:
        raise ConfigError("give both alpha and gamma (or neither) to scale the LPP directions")
    check_positive(alpha=alpha, gamma=gamma)
    q2 = np.maximum(0.0, 1.0 - gamma * vals / (alpha * n))
    minimum = float(np.sum(alpha * (q2 - 1.0) ** 2 + 2.0 * gamma / n * vals * q2))
    return _linear_solution(vals, dirs, np.sqrt(q2), minimum, nxt, rank, ridge_abs, tol)


def lpp_weights(
    x: Any,
    edges: np.ndarray,
    k: int,
    *,
    alpha: float | None = None,
    gamma: float | None = None,
    weights: Any = None,
    ridge: float = 0.0,
) -> np.ndarray:
    """W (D x K) of :func:`lpp_solution` (W^T S W = I, or diag(q^2) when alpha, gamma given)."""
    return lpp_solution(x, edges, k, alpha=alpha, gamma=gamma, weights=weights, ridge=ridge).weights


def spectral_contrastive_linear_solution(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> LinearSolution:
    """Linear spectral contrastive optimum: X^T G X w = lambda X^T X w, top K.

    With Y = (X^T X)^1/2 W the loss is ||Y Y^T / N - C||^2 - ||C||^2, so
    W* = directions diag(sqrt(N max(lambda, 0))) (directions^T X^T X directions = I),
    minimum -sum_k max(lambda_k, 0)^2.
    """
    x = as_features(x)
    n = x.shape[0]
    edges = validate_edges(edges, n, weights)
    a = x.T @ (adjacency(edges, n, weights) @ x)
    vals, dirs, nxt, rank, ridge_abs = _generalised_eigh(a, x.T @ x, k, largest=True, ridge=ridge)
    pos = np.maximum(vals, 0.0)
    tol = TIE_RTOL * max(abs(float(vals[0])), 1.0)
    return _linear_solution(
        vals, dirs, np.sqrt(n * pos), -float(np.sum(pos**2)), nxt, rank, ridge_abs, tol
    )


def spectral_contrastive_weights(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> np.ndarray:
    """Optimal W* (D x K) of the linear spectral contrastive loss (scaled, see the solution)."""
    return spectral_contrastive_linear_solution(x, edges, k, weights=weights, ridge=ridge).weights


def cca_solution(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> LinearSolution:
    """Top-K canonical subspace of (X^T G X, X^T D X): CCA with shared weights = linear BT.

    X_left^T X_right = X^T G X and ||X_left w||^2 = w^T X^T D X w, so the BarlowTwins
    correlations are generalised Rayleigh quotients rho. Directions satisfy
    w^T X^T D X w = 1; BarlowTwins is invariant to column scales, so scales are 1 and the
    optimum is defined only as a subspace (columns are a rotation of these). Every node must
    have a positive degree (an isolated row would be silently ignored by the loss).
    """
    x = as_features(x)
    n = x.shape[0]
    edges = validate_edges(edges, n, weights, require_degree=True)
    a = x.T @ (adjacency(edges, n, weights) @ x)
    b = x.T @ (degree(edges, n, weights)[:, None] * x)
    vals, dirs, nxt, rank, ridge_abs = _generalised_eigh(a, b, k, largest=True, ridge=ridge)
    return _linear_solution(vals, dirs, np.ones(k), float("nan"), nxt, rank, ridge_abs, TIE_RTOL)


def cca_weights(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> np.ndarray:
    """Canonical directions (D x K, w^T X^T D X w = 1) spanning the linear BarlowTwins optimum."""
    return cca_solution(x, edges, k, weights=weights, ridge=ridge).weights
