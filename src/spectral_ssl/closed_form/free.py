"""Free-Z closed forms (Z is an N x K table, one row per view) [derived in docs/theory.md].

VICReg surrogate   Z* = sqrt(N-1) U_K diag(q),  q_k^2 = max(0, 1 - gamma (N-1) l_k / (alpha N))
                   U_K: K smallest non-trivial eigenvectors of L (orthogonal to 1)
hinge VICReg       diagonal solution (not a proven minimiser): Z = sqrt(N-1) U_K diag(s),
                   s_k^2 = min(1, (alpha N / (4 gamma (N-1) l_k))^2)  (0 below the hinge's floor)
spectral contr.    Z* = sqrt(N) E_K diag(sqrt(max(lambda_k(G), 0))),  E_K: top-K of G
BarlowTwins/SimCLR Z constant on the connected components of G, rank <= min(K, components)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..relations import validate_edges
from ..spectral import Solver, adjacency_spectrum, laplacian_spectrum
from ..spectral.eigenspace import check_k, component_labels
from .results import ComponentStructure, FreeSolution, check_positive

# losses.vicreg.VARIANCE_FLOOR (kept here so closed_form does not import torch; a test checks)
VARIANCE_FLOOR = 1e-6


def vicreg_solution(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    alpha: float,
    gamma: float,
    weights: Any = None,
    solver: Solver = "auto",
) -> FreeSolution:
    """Optimum of the VICReg squared surrogate alpha ||Cov(Z) - I||_F^2 + (2 gamma / N) tr(Z^T L Z).

    Z* = sqrt(N-1) U_K diag(q), q_k^2 = max(0, 1 - gamma (N-1) l_k / (alpha N)) (centred; any
    Z* O + 1 c^T is optimal too), predicted rank #{k : l_k < alpha N / (gamma (N-1))},
    minimum sum_k [alpha (q_k^2 - 1)^2 + (2 gamma (N-1) / N) l_k q_k^2]. With C = Z^T Z/(N-1)
    = diag(q^2) and tr(Z^T L Z) = (N-1) sum_k l_k q_k^2 this is exactly the loss at Z*
    (checked against ``losses.vicreg_squared_loss`` in the tests). When ``degenerate_cut``
    U_K is one arbitrary choice inside the cut eigenspace (see :class:`Eigenspace`).
    """
    check_positive(alpha=alpha, gamma=gamma)
    spec = laplacian_spectrum(edges, n_nodes, k, weights=weights, solver=solver)
    n, lam = n_nodes, spec.values
    q2 = np.maximum(0.0, 1.0 - gamma * (n - 1) * lam / (alpha * n))
    minimum = float(np.sum(alpha * (q2 - 1.0) ** 2 + 2.0 * gamma * (n - 1) / n * lam * q2))
    return _on_laplacian_eigenvectors(spec, n, q2, minimum)


def _on_laplacian_eigenvectors(spec: Any, n_nodes: int, variances: np.ndarray,
                               minimum: float) -> FreeSolution:
    """Z = sqrt(N-1) U_K diag(sqrt(v)): column variances v on the Laplacian eigenvectors."""
    scales = np.sqrt(variances)
    return FreeSolution(
        embedding=np.sqrt(n_nodes - 1) * spec.vectors * scales,
        eigenvalues=spec.values,
        scales=scales,
        predicted_rank=int(np.sum(variances > 0)),
        minimum=minimum,
        spectrum=spec,
    )


def hinge_diagonal_variances(
    eigenvalues: np.ndarray,
    n_nodes: int,
    *,
    alpha: float,
    gamma: float,
    floor: float = VARIANCE_FLOOR,
) -> np.ndarray:
    """Exact minimisers v_k of f(v) = alpha (1 - sqrt(clip(v, floor, 1))) + c l_k v, v >= 0,
    c = 2 gamma (N-1) / N (hinge VICReg per column on u_k, docs/theory.md 3.2).

    For floor <= v < 1, f'(v) = -alpha / (2 sqrt v) + c l_k = 0 at
    sqrt v = t_k = alpha N / (4 gamma (N-1) l_k), a minimum (f convex there); v > 1 only adds
    c l_k v, so v = min(1, t_k^2) (v = 1 when l_k = 0). Below the floor the hinge is flat and f
    is minimised at v = 0 with value alpha (1 - sqrt(floor)), against alpha (1 - t_k / 2) at
    t_k^2: v = 0 wins when t_k <= 2 sqrt(floor).
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    n = n_nodes
    with np.errstate(divide="ignore"):
        t = np.where(lam > 0, alpha * n / (4.0 * gamma * (n - 1) * np.maximum(lam, 1e-300)),
                     np.inf)  # fmt: skip
    v = np.minimum(1.0, t) ** 2
    return np.where(t > 2.0 * np.sqrt(floor), v, 0.0)


def hinge_diagonal_objective(
    v: np.ndarray,
    eigenvalues: np.ndarray,
    n_nodes: int,
    *,
    alpha: float,
    gamma: float,
    floor: float = VARIANCE_FLOOR,
) -> np.ndarray:
    """f_k(v) = alpha (1 - sqrt(clip(v, floor, 1))) + (2 gamma (N-1) / N) l_k v per column."""
    v = np.asarray(v, dtype=np.float64)
    lam = np.asarray(eigenvalues, dtype=np.float64)
    c = 2.0 * gamma * (n_nodes - 1) / n_nodes
    return alpha * (1.0 - np.sqrt(np.clip(v, floor, 1.0))) + c * lam * v


def vicreg_hinge_diagonal_solution(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    alpha: float,
    gamma: float,
    weights: Any = None,
    solver: Solver = "auto",
) -> FreeSolution:
    """Hinge VICReg (``losses.vicreg_loss``) minimised over the diagonal family
    Z = sqrt(N-1) U_K diag(s) on the surrogate's eigenvectors (docs/theory.md 3.2).

    C = diag(s^2), so the covariance term is 0 for every beta and the loss separates per column
    (:func:`hinge_diagonal_variances`). ``scales`` = s (standard deviations), ``minimum`` =
    ``loss_at_diagonal`` = sum_k f_k(s_k^2); ``predicted_rank`` = #{s_k > 0}. A stationary point
    of the hinge loss, not a proven global minimiser: a trained run may go lower only by leaving
    this family (C16). Same eigen-solver path and edge-weight conventions as
    :func:`vicreg_solution`.
    """
    check_positive(alpha=alpha, gamma=gamma)
    spec = laplacian_spectrum(edges, n_nodes, k, weights=weights, solver=solver)
    lam = spec.values
    v = hinge_diagonal_variances(lam, n_nodes, alpha=alpha, gamma=gamma)
    minimum = float(np.sum(hinge_diagonal_objective(v, lam, n_nodes, alpha=alpha, gamma=gamma)))
    return _on_laplacian_eigenvectors(spec, n_nodes, v, minimum)


def vicreg_embedding(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    alpha: float,
    gamma: float,
    weights: Any = None,
    solver: Solver = "auto",
) -> np.ndarray:
    """Centred Z* (N x K) of the VICReg squared surrogate; see :func:`vicreg_solution`."""
    return vicreg_solution(
        edges, n_nodes, k, alpha=alpha, gamma=gamma, weights=weights, solver=solver
    ).embedding


def spectral_contrastive_solution(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> FreeSolution:
    """Optimum of L_spec(Z) = -(2/N) sum_ij G_ij z_i^T z_j + (1/N^2) sum_ij (z_i^T z_j)^2.

    L_spec = ||Z Z^T / N - G||_F^2 - ||G||_F^2, so by Eckart-Young
    Z* = sqrt(N) E_K diag(sqrt(max(lambda_k, 0))) (classical MDS with G as Gram matrix),
    minimum -sum_k max(lambda_k, 0)^2, rank #{k : lambda_k > 0}.
    """
    spec = adjacency_spectrum(edges, n_nodes, k, weights=weights, solver=solver)
    pos = np.maximum(spec.values, 0.0)
    scales = np.sqrt(pos)
    return FreeSolution(
        embedding=np.sqrt(n_nodes) * spec.vectors * scales,
        eigenvalues=spec.values,
        scales=scales,
        predicted_rank=int(np.sum(pos > 0)),
        minimum=-float(np.sum(pos**2)),
        spectrum=spec,
    )


def spectral_contrastive_embedding(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> np.ndarray:
    """Z* = sqrt(N) E_K diag(sqrt(max(lambda_k(G), 0))); Z* Z*^T / N is G's best rank-K PSD fit."""
    return spectral_contrastive_solution(
        edges, n_nodes, k, weights=weights, solver=solver
    ).embedding


def component_structure(edges: np.ndarray, n_nodes: int) -> ComponentStructure:
    """Connected components of G (free-Z BarlowTwins and SimCLR optima are constant on them)."""
    edges = validate_edges(edges, n_nodes, allow_empty=True)
    if edges.shape[1] == 0:
        labels, sizes = np.arange(n_nodes, dtype=np.int64), np.ones(n_nodes, dtype=np.int64)
    else:
        labels, sizes = component_labels(edges, n_nodes)
    return ComponentStructure(labels, sizes, int(sizes.size), int(np.sum(sizes > 1)))


def free_rank_bound(edges: np.ndarray, n_nodes: int, k: int) -> int:
    """rank(Z*) <= min(K, number of connected components of G) for free-Z BarlowTwins / SimCLR."""
    return component_structure(edges, n_nodes).rank_bound(k)


def barlow_twins_free_embedding(edges: np.ndarray, n_nodes: int, k: int) -> np.ndarray:
    """A zero-loss free-Z BarlowTwins embedding: indicators of K components that have edges.

    Zero loss needs C_kk = 1 (column k equal on both ends of every edge, i.e. constant on
    components) and C_kl = 0 (columns orthogonal under the degree weights), which K distinct
    component indicators satisfy. Exists iff K <= number of components with an edge (largest
    components first, ties by lowest label); raises ConfigError otherwise.
    """
    cs = component_structure(edges, n_nodes)
    check_k(k, cs.n_edge_components, "components of G with at least one edge")
    order = np.argsort(-cs.sizes, kind="stable")[:k]
    z = (cs.labels[:, None] == order[None, :]).astype(np.float64)
    return z / np.sqrt(cs.sizes[order])
