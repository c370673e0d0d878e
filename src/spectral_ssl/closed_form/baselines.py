"""Classical baselines: Laplacian Eigenmaps (scikit-learn's normalisation) and classical MDS."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..relations import degree
from ..spectral import Eigenspace, Solver, laplacian_spectrum
from ..spectral.eigenspace import check_k, sign_fix
from .linear import as_features


def laplacian_eigenmaps(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    weights: Any = None,
    solver: Solver = "auto",
) -> np.ndarray:
    """Laplacian Eigenmaps as sklearn.manifold.SpectralEmbedding(affinity='precomputed').

    u_k = D^-1/2 v_k with v_k the K smallest non-trivial eigenvectors of
    L_sym = I - D^-1/2 G D^-1/2 (so L u = l D u, u^T D u = 1), sign-fixed after the division
    as scikit-learn does. Needs every degree positive.
    """
    return laplacian_eigenmaps_with_spectrum(edges, n_nodes, k, weights=weights, solver=solver)[0]


def laplacian_eigenmaps_with_spectrum(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> tuple[np.ndarray, Eigenspace]:
    spec = laplacian_spectrum(edges, n_nodes, k, weights=weights, normalised=True, solver=solver)
    deg = degree(np.asarray(edges, dtype=np.int64), n_nodes, weights)
    return sign_fix(spec.vectors / np.sqrt(deg)[:, None]), spec


def classical_mds(x: Any, k: int) -> np.ndarray:
    """Classical MDS of Euclidean features = PCA scores: top-K of H X X^T H scaled by sqrt(eig).

    Computed from the thin SVD of the centred X (U_K S_K), columns sign-fixed.
    """
    x = as_features(x)
    check_k(k, min(x.shape[0] - 1, x.shape[1]), "principal directions (min(N - 1, D))")
    xc = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    return sign_fix(u[:, :k] * s[:k])
