"""Iterative solvers for one large connected component: ARPACK in shift-invert mode on a sparse
LU factorisation (scipy.sparse.linalg.eigsh), with block LOBPCG as the fallback when ARPACK does
not converge (clustered spectra)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla

ARPACK_MAXITER = 500  # restarts of one eigsh call before falling back to LOBPCG


def _spd_lu(mat: sp.csc_array) -> sla.SuperLU:
    """LU of a symmetric positive definite sparse matrix with a symmetric fill-reducing order."""
    return sla.splu(
        mat.tocsc(),
        permc_spec="MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    )


def arpack_bottom(
    block: sp.csc_array, trivial: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """r smallest eigenpairs of a connected component's (normalised) Laplacian, t deflated.

    Shift-invert Lanczos on P (M + s I)^-1 P, P = I - t t^T / ||t||^2 (t spans the null space
    of M, so the deflated operator has eigenvalues 1 / (l + s) on t^perp and 0 on t);
    s = 1e-10 * max diag only makes the factorisation non-singular. Returns (values,
    vectors, whether the LOBPCG fallback was used).
    """
    m = block.shape[0]
    t = trivial / np.linalg.norm(trivial)
    shift = 1e-10 * float(block.diagonal().max())
    lu = _spd_lu(block + shift * sp.identity(m, format="csc"))

    def project(x: np.ndarray) -> np.ndarray:
        return x - np.outer(t, t @ x) if x.ndim == 2 else x - t * (t @ x)

    op = sla.LinearOperator((m, m), matvec=lambda x: project(lu.solve(project(x))), dtype=float)
    v0 = project(np.random.default_rng(0).standard_normal(m))
    try:
        theta, vecs = sla.eigsh(op, k=r, which="LA", v0=v0, maxiter=ARPACK_MAXITER)
        vals, fallback = 1.0 / theta - shift, False
    except sla.ArpackNoConvergence:
        vals, vecs = _lobpcg(lambda x: project(block @ project(x)), lu, project, r, largest=False)
        fallback = True
    order = np.argsort(vals)
    return np.maximum(vals[order], 0.0), vecs[:, order], fallback


def arpack_top(block: sp.csc_array, r: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """r largest eigenpairs of a connected component's G by shift-invert above its spectrum.

    lambda_max is estimated by a short Lanczos run; sigma = lambda_max + 1% keeps sigma I - G
    positive definite, so its LU is stable and the top of G maps to the largest 1/(sigma - l).
    """
    m = block.shape[0]
    v0 = np.random.default_rng(0).standard_normal(m)
    top = sla.eigsh(block, k=1, which="LA", v0=v0, tol=1e-6, return_eigenvectors=False)[0]
    sigma = float(top) + 0.01 * max(abs(float(top)), 1.0)
    lu = _spd_lu(sigma * sp.identity(m, format="csc") - block)
    op = sla.LinearOperator((m, m), matvec=lu.solve, dtype=float)
    try:
        theta, vecs = sla.eigsh(op, k=r, which="LA", v0=v0, maxiter=ARPACK_MAXITER)
        vals, fallback = sigma - 1.0 / theta, False
    except sla.ArpackNoConvergence:
        vals, vecs = _lobpcg(lambda x: block @ x, lu, lambda x: x, r, largest=True)
        fallback = True
    order = np.argsort(-vals)
    return vals[order], vecs[:, order], fallback


def _lobpcg(
    apply: Any, lu: sla.SuperLU, project: Any, r: int, *, largest: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Fallback for clustered spectra: block LOBPCG (r + 8 vectors), tolerance 1e-9,
    preconditioned by the shifted factorisation; warns when it does not converge either."""
    m = lu.shape[0]
    x0 = project(np.random.default_rng(1).standard_normal((m, r + 8)))
    op = sla.LinearOperator((m, m), matvec=apply, matmat=apply, dtype=float)

    def precondition(x: np.ndarray) -> np.ndarray:
        return project(lu.solve(project(x)))

    prec = sla.LinearOperator((m, m), matvec=precondition, matmat=precondition, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        vals, vecs, res = sla.lobpcg(
            op, x0, M=prec, largest=largest, tol=1e-9, maxiter=500, retResidualNormsHistory=True
        )
    order = np.argsort(-vals if largest else vals)[:r]
    if np.max(res[-1][order]) > 1e-6:
        warnings.warn(
            f"LOBPCG fallback stopped with residual {np.max(res[-1][order]):.1e}",
            RuntimeWarning,
            stacklevel=3,
        )
    return vals[order], vecs[:, order]
