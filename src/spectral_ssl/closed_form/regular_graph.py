"""C10 measured: on a d-regular G with centred X the three linear eigenproblems coincide.

For d-regular G (the V-view graph, d = V - 1) and centred X, X^T D X = d X^T X = d (N-1) S and
X^T L X = d X^T X - X^T G X, so X^T L X w = mu S w (LPP), X^T G X w = rho X^T D X w (CCA) and
X^T G X w = lambda X^T X w (spectral) share their eigenvectors, with rho = 1 - mu / ((N-1) d)
and lambda = d rho.
"""

from __future__ import annotations

import numpy as np

from ..relations import view_pairs
from ..subspaces import compare_subspaces
from .linear import cca_solution, lpp_solution, spectral_contrastive_linear_solution


def regular_graph_check(
    seed: int = 0, n_samples: int = 200, n_views: int = 3, dim: int = 10, k: int = 4
) -> dict[str, float]:
    """Largest principal angle (degrees) between the K-dimensional LPP, CCA and spectral
    solutions and the largest absolute errors of rho = 1 - mu / ((N-1) d) and lambda = d rho,
    on X = (Gaussian N x D) A (random A), centred, and the V-view graph."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_samples * n_views, dim)) @ rng.normal(size=(dim, dim))
    x -= x.mean(axis=0)
    edges = view_pairs(n_samples, n_views)
    n, d = x.shape[0], n_views - 1
    lpp = lpp_solution(x, edges, k)
    cca = cca_solution(x, edges, k)
    spec = spectral_contrastive_linear_solution(x, edges, k)
    rho_from_mu = 1.0 - lpp.eigenvalues / ((n - 1) * d)
    return {
        "max angle LPP vs CCA directions (deg)": _max_angle(lpp.directions, cca.directions),
        "max angle LPP vs spectral directions (deg)": _max_angle(lpp.directions, spec.directions),
        "max |rho - (1 - mu/((N-1)d))|": float(np.max(np.abs(cca.eigenvalues - rho_from_mu))),
        "max |lambda - d rho|": float(np.max(np.abs(spec.eigenvalues - d * cca.eigenvalues))),
    }


def _max_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Largest principal angle (degrees) between col(a) and col(b), padded to the larger rank."""
    angles = np.asarray(compare_subspaces(a, b, centre=False).angles_padded, dtype=np.float64)
    return float(angles.max()) if angles.size else float("nan")
