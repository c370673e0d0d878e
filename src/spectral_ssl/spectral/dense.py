"""Whole-matrix eigensolvers (scipy.linalg.eigh): the bottom of L off t, the top of G.

Used for N <= ``DENSE_MAX_NODES`` (``solver="auto"``) or ``solver="dense"``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from .eigenspace import Eigenspace, cut_of, householder, sign_fix


def dense_bottom(mat: sp.csr_array, trivial: np.ndarray, k: int, tol: float) -> Eigenspace:
    """Whole-matrix eigh on the complement of t: M' = R M R restricted to rows/cols 1..N-1."""
    n = mat.shape[0]
    m = mat.toarray()
    v = householder(trivial)
    mv = m @ v
    reflected = m - 2.0 * np.outer(v, mv) - 2.0 * np.outer(mv, v) + 4.0 * (v @ mv) * np.outer(v, v)
    sub = reflected[1:, 1:]
    n_eig = min(k + 1, n - 1)
    vals, y = la.eigh(sub, subset_by_index=[0, n_eig - 1], driver="evr")
    vals = np.maximum(vals, 0.0)  # M is PSD; clip rounding
    full = np.vstack([np.zeros((1, n_eig)), y])
    vecs = full - 2.0 * np.outer(v, v @ full)
    values, vectors = vals[:k], sign_fix(vecs[:, :k])
    next_value = float(vals[k]) if n_eig > k else float("nan")
    degenerate, mult, n_below = cut_of(values, next_value, tol)
    if degenerate:
        n_le = la.eigh(sub, eigvals_only=True, subset_by_value=[-np.inf, values[-1] + tol]).size
        mult = n_le - n_below
    return Eigenspace.measured(
        mat, values, vectors, next_value, (degenerate, mult, n_below), True, "dense"
    )


def dense_top(g: sp.csr_array, k: int, tol: float) -> Eigenspace:
    n = g.shape[0]
    dense = g.toarray()
    n_eig = min(k + 1, n)
    vals, vecs = la.eigh(dense, subset_by_index=[n - n_eig, n - 1], driver="evr")
    vals, vecs = vals[::-1], vecs[:, ::-1]
    values, vectors = vals[:k], sign_fix(vecs[:, :k])
    next_value = float(vals[k]) if n_eig > k else float("nan")
    # work with -values so that the cut logic is the same as for the bottom of L
    degenerate, mult, n_below = cut_of(-values, -next_value, tol)
    if degenerate:
        n_ge = la.eigh(dense, eigvals_only=True, subset_by_value=[values[-1] - tol, np.inf]).size
        mult = n_ge - n_below
    return Eigenspace.measured(
        g, values, vectors, next_value, (degenerate, mult, n_below), True, "dense"
    )
