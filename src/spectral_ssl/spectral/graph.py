"""Graph spectra: the bottom of the Laplacian L = D - G (or L_sym) and the top of G.

``solver="dense"`` diagonalises the whole N x N matrix; ``"sparse"`` splits G into connected
components (:mod:`.components`); ``"auto"`` is dense up to ``DENSE_MAX_NODES`` nodes. The sparse
path runs with BLAS limited to one thread (threadpoolctl): ARPACK's level-2 BLAS calls are
memory-bound, and multi-threaded OpenBLAS spin-waiting made them 15x slower on a shared 2-core
machine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from ..relations import adjacency, degree, laplacian, validate_edges
from .components import sparse_bottom, sparse_top
from .dense import dense_bottom, dense_top
from .eigenspace import TIE_RTOL, Eigenspace, Solver, check_k, component_labels, use_dense


def laplacian_spectrum(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    weights: Any = None,
    normalised: bool = False,
    solver: Solver = "auto",
) -> Eigenspace:
    """K smallest non-trivial eigenpairs of L = D - G (or L_sym = I - D^-1/2 G D^-1/2).

    Non-trivial means orthogonal to the trivial null vector t (t = 1 for L, t = D^1/2 1 for
    L_sym). For a disconnected G the other null vectors (combinations of component indicators
    orthogonal to t) have eigenvalue 0 and are included first.
    """
    edges = validate_edges(edges, n_nodes, weights, require_degree=normalised)
    check_k(k, n_nodes - 1, "non-trivial Laplacian eigenvectors (N - 1)")
    deg = degree(edges, n_nodes, weights)
    if normalised:
        inv_sqrt = 1.0 / np.sqrt(deg)
        g = adjacency(edges, n_nodes, weights)
        mat = (
            sp.identity(n_nodes, format="csr")
            - sp.diags_array(inv_sqrt) @ g @ sp.diags_array(inv_sqrt)
        ).tocsr()
        trivial, scale = np.sqrt(deg), 2.0
    else:
        mat = laplacian(edges, n_nodes, weights)
        trivial, scale = np.ones(n_nodes), 2.0 * float(deg.max())
    if use_dense(solver, n_nodes):
        return dense_bottom(mat, trivial, k, TIE_RTOL * scale)
    labels, sizes = component_labels(edges, n_nodes)
    with threadpool_limits(limits=1, user_api="blas"):
        return sparse_bottom(mat, trivial, labels, sizes, k, TIE_RTOL * scale)


def adjacency_spectrum(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> Eigenspace:
    """K largest eigenpairs of G (values descending)."""
    edges = validate_edges(edges, n_nodes, weights)
    check_k(k, n_nodes, "eigenvectors of G (N)")
    g = adjacency(edges, n_nodes, weights)
    tol = TIE_RTOL * float(degree(edges, n_nodes, weights).max())
    if use_dense(solver, n_nodes):
        return dense_top(g, k, tol)
    labels, sizes = component_labels(edges, n_nodes)
    with threadpool_limits(limits=1, user_api="blas"):
        return sparse_top(g, labels, sizes, k, tol)
