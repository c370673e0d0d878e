"""Comparing column spaces honestly, ranks, and the Garrido et al. (2022) duality terms.

Principal angles are only meaningful next to the numerical ranks: scipy's subspace_angles
orthonormalises and silently drops rank, so a collapsed embedding can look perfectly aligned.
Here ranks are computed first (singular values above ``rtol`` times the largest), angles are
taken between the two numerical column spaces, and :func:`compare_subspaces` also reports the
angles padded with 90 degrees up to the larger rank and the projector distance
||P_A - P_B||_F, which both grow with a rank gap. (The rank *measures* of an embedding,
``numerical_rank`` and ``effective_rank`` with the noise floor, live in ``evaluation``.)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as la

from .errors import DataError

DEFAULT_RTOL = 1e-6  # singular values below DEFAULT_RTOL * s_max count as zero
_BLOCK_ROWS = 2048  # rows of A A^T formed at a time in duality_terms


@dataclass(frozen=True)
class SubspaceComparison:
    """Column spaces of A and B compared (angles in degrees, ascending).

    ``angles`` has min(rank_a, rank_b) entries; ``angles_padded`` has max(rank_a, rank_b),
    the extra ones 90 degrees (directions of the larger space with no partner).
    ``projector_distance`` = ||P_A - P_B||_F; it is 0 only for equal subspaces (equal ranks).
    """

    angles: np.ndarray
    angles_padded: np.ndarray
    rank_a: int
    rank_b: int
    singular_values_a: np.ndarray
    singular_values_b: np.ndarray
    projector_distance: float

    @property
    def max_angle(self) -> float:
        """Largest padded angle: 90 when the ranks differ, so a collapse never looks aligned."""
        return float(self.angles_padded.max()) if self.angles_padded.size else 0.0

    @property
    def same_rank(self) -> bool:
        return self.rank_a == self.rank_b


def _matrix(a: Any, centre: bool) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise DataError(f"expected a 2-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise DataError("array contains NaN or Inf")
    return a - a.mean(axis=0) if centre else a


def _basis(a: np.ndarray, rtol: float) -> tuple[np.ndarray, np.ndarray]:
    """(orthonormal basis of the numerical column space, all singular values)."""
    u, s, _ = np.linalg.svd(a, full_matrices=False)
    rank = int(np.sum(s > rtol * s[0])) if s.size and s[0] > 0 else 0
    return u[:, :rank], s


def compare_subspaces(
    a: Any, b: Any, *, centre: bool = True, rtol: float = DEFAULT_RTOL
) -> SubspaceComparison:
    """Principal angles, ranks, singular values and projector distance of col(A) vs col(B)."""
    ma, mb = _matrix(a, centre), _matrix(b, centre)
    if ma.shape[0] != mb.shape[0]:
        raise DataError(
            f"A and B need the same number of rows, got {ma.shape[0]} and {mb.shape[0]}"
        )
    qa, sa = _basis(ma, rtol)
    qb, sb = _basis(mb, rtol)
    ra, rb = qa.shape[1], qb.shape[1]
    if ra and rb:
        angles = np.sort(np.degrees(la.subspace_angles(qa, qb)))
        overlap = float(np.sum((qa.T @ qb) ** 2))
    else:
        angles, overlap = np.zeros(0), 0.0
    padded = np.concatenate([angles, np.full(abs(ra - rb), 90.0)])
    dist = float(np.sqrt(max(ra + rb - 2.0 * overlap, 0.0)))
    return SubspaceComparison(angles, padded, ra, rb, sa, sb, dist)


def containment_angle(
    a: Any, b: Any, *, centre: bool = True, rtol: float = DEFAULT_RTOL
) -> float:
    """How far col(A) is from lying inside col(B), in degrees: the largest principal angle
    between col(A) and col(B), unpadded (rank_a <= rank_b angles). 0 iff col(A) is a subspace
    of col(B); 90 when rank_a > rank_b (col(A) cannot fit) or A is 0."""
    cmp = compare_subspaces(a, b, centre=centre, rtol=rtol)
    if cmp.rank_a == 0 or cmp.rank_a > cmp.rank_b:
        return 90.0
    return float(cmp.angles.max())


def leading_angles(a: Any, reference: Any, *, centre: bool = True,
                   rtol: float = DEFAULT_RTOL) -> np.ndarray:
    """theta_r, r = 1 .. cols(A): the largest principal angle (degrees) between the span of the
    r leading left singular vectors of A (centred if ``centre``) and col(reference) (never
    centred: a reference that contains 1, such as component indicators, contains every centred
    column of its span). Rank-aware containment: a reader who counts rank r = #(s_i / s_1 >
    tol) takes theta_r, so small trailing directions of a trained Z do not read as 90 deg."""
    ma, mb = _matrix(a, centre), _matrix(reference, False)
    if ma.shape[0] != mb.shape[0]:
        raise DataError(
            f"A and B need the same number of rows, got {ma.shape[0]} and {mb.shape[0]}"
        )
    u = np.linalg.svd(ma, full_matrices=False)[0]
    qb, _ = _basis(mb, rtol)
    resid = u - qb @ (qb.T @ u)  # the part of each u_i outside col(reference)
    out = np.full(u.shape[1], np.nan)
    for r in range(1, u.shape[1] + 1):  # sin(theta_max) = ||(I - P_ref) U_r||_2 (precise near 0)
        smax = np.linalg.svd(resid[:, :r], compute_uv=False)[0] if qb.shape[1] >= r else 1.0
        out[r - 1] = float(np.degrees(np.arcsin(np.clip(smax, 0.0, 1.0))))
    return out


def principal_angles(
    a: Any, b: Any, *, centre: bool = True, rtol: float = DEFAULT_RTOL
) -> np.ndarray:
    """Principal angles in degrees (ascending) between the numerical column spaces of A and B.

    Only min(rank_a, rank_b) angles exist; use :func:`compare_subspaces` to see a rank gap.
    """
    return compare_subspaces(a, b, centre=centre, rtol=rtol).angles


def projector_distance(a: Any, b: Any, *, centre: bool = True, rtol: float = DEFAULT_RTOL) -> float:
    """||P_A - P_B||_F = sqrt(r_a + r_b - 2 ||Q_A^T Q_B||_F^2) without forming N x N projectors."""
    return compare_subspaces(a, b, centre=centre, rtol=rtol).projector_distance


# --------------------------------------------------------------------------------------------
# Garrido et al. (2022) duality
# --------------------------------------------------------------------------------------------
def duality_terms(a: Any) -> tuple[float, float]:
    """(L_c, L_nc) for A (N samples x M dims).

    L_c = ||A A^T - diag(A A^T)||_F^2 (sample-contrastive), computed literally in row blocks
    (memory O(block N)); L_nc = ||A^T A - diag(A^T A)||_F^2 (dimension-contrastive).
    Identity: L_nc + sum_j ||A_:j||^4 = L_c + sum_i ||A_i:||^4.
    """
    a = _matrix(a, centre=False)
    n = a.shape[0]
    l_c = 0.0
    for lo in range(0, n, _BLOCK_ROWS):
        gram = a[lo : lo + _BLOCK_ROWS] @ a.T
        rows = np.arange(gram.shape[0])
        gram[rows, rows + lo] = 0.0
        l_c += float(np.sum(gram**2))
    cov = a.T @ a
    np.fill_diagonal(cov, 0.0)
    return l_c, float(np.sum(cov**2))


@dataclass(frozen=True)
class DoublyNormalised:
    """Result of :func:`doubly_normalise_report`: unit rows, columns of norm ``col_norm``."""

    matrix: np.ndarray
    col_norm: float
    iterations: int
    converged: bool
    row_error: float
    col_error: float


def doubly_normalise_report(
    a: Any, iters: int = 1000, *, tol: float = 1e-12, col_norm: float | None = None
) -> DoublyNormalised:
    """Alternate row and column normalisation (Sinkhorn on the squared entries).

    Unit rows and unit columns together need sum_ij A_ij^2 = N = M, so they exist only for a
    square A; in general the consistent target is unit rows and columns of norm sqrt(N / M)
    (the default ``col_norm``), for which L_nc - L_c = N - N^2 / M (= N - M only when N = M).
    Stops when every row and column norm is within ``tol`` of its target; needs no zero rows
    or columns. The final step normalises rows, so ``row_error`` is ~0 and ``col_error``
    measures convergence.
    """
    x = _matrix(a, centre=False).copy()
    n, m = x.shape
    target = float(np.sqrt(n / m)) if col_norm is None else float(col_norm)
    if np.any(np.linalg.norm(x, axis=1) == 0) or np.any(np.linalg.norm(x, axis=0) == 0):
        raise DataError("doubly_normalise needs every row and every column to be non-zero")
    col_err, it = np.inf, 0
    while it < iters and col_err > tol:
        it += 1
        x *= target / np.linalg.norm(x, axis=0)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        col_err = float(np.max(np.abs(np.linalg.norm(x, axis=0) - target)))
    row_err = float(np.max(np.abs(np.linalg.norm(x, axis=1) - 1.0)))
    return DoublyNormalised(
        x, target, it, bool(col_err <= tol and row_err <= tol), row_err, col_err
    )


def doubly_normalise(
    a: Any, iters: int = 1000, *, tol: float = 1e-12, col_norm: float | None = None
) -> np.ndarray:
    """The matrix of :func:`doubly_normalise_report`; warns (RuntimeWarning) if not converged."""
    res = doubly_normalise_report(a, iters, tol=tol, col_norm=col_norm)
    if not res.converged:
        warnings.warn(
            f"doubly_normalise did not converge in {iters} iterations "
            f"(column norm error {res.col_error:.1e})",
            RuntimeWarning,
            stacklevel=2,
        )
    return res.matrix
