"""BarlowTwins on a relation graph G (Zbontar et al. 2021, in the form of Balestriero & LeCun).

Positive pairs are unrolled from the edges: Z_left = Z[edges[0]], Z_right = Z[edges[1]].

    Zl = columns of Z_left divided by max(||column||_2, eps)    (no centring), Zr likewise
    C  = Zl^T Zr                                                 (K x K column cosines)
    loss = sum_k (C_kk - 1)^2 + alpha * sum_{k != l} C_kl^2

Computed without unrolling: Z_left^T Z_right = Z^T G Z and ||column k of Z_left||^2 =
sum_i d_i Z_ik^2, so the cost is O(E K + N K^2) and memory O(N K). When G is symmetric and
sparse (E <= 2N, e.g. the view graph), Z^T G Z = A + A^T with A summed over the E/2 edges
i < j, which costs E K^2 / 2 (the Z_a^T Z_b product of two-view implementations).
Edge weights w_e act as if row e of Z_left and Z_right were scaled by sqrt(w_e).
``standardize=True`` centres the columns of Z_left and Z_right first (the original method's
batch normalisation, biased variance).
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from ._graph import (
    as_edge_tensor,
    as_weight_tensor,
    check_embedding,
    degrees,
    propagate,
    symmetric_half,
)


def barlow_twins_loss(
    z: Tensor,
    edges: Any,
    *,
    alpha: float,
    eps: float = 1e-6,
    standardize: bool = False,
    weights: Any = None,
    return_terms: bool = False,
) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
    """BarlowTwins loss; ``return_terms=True`` adds the terms ``{"invariance", "redundancy"}``."""
    check_embedding(z)
    e = as_edge_tensor(edges, z)
    w = as_weight_tensor(weights, e, z)
    n = z.shape[0]
    half = symmetric_half(e, n, w, z.dtype) if e.shape[1] <= 2 * n else None
    if half is not None:
        cross, norm_left, norm_right = _symmetric_cross(z, e, w, half, standardize, eps)
    else:
        cross, norm_left, norm_right = _general_cross(z, e, w, standardize, eps)
    c = cross / (norm_left[:, None] * norm_right[None, :])
    diag = c.diagonal()
    terms = {
        "invariance": (diag - 1.0).square().sum(),
        "redundancy": c.square().sum() - diag.square().sum(),
    }
    loss = terms["invariance"] + alpha * terms["redundancy"]
    return (loss, terms) if return_terms else loss


def _general_cross(
    z: Tensor, e: Tensor, w: Tensor | None, standardize: bool, eps: float
) -> tuple[Tensor, Tensor, Tensor]:
    """Z_left^T Z_right = Z^T G Z through G Z, and the column norms of Z_left and Z_right."""
    n = z.shape[0]
    d_left = degrees(e, n, w, z.dtype, side=0)
    d_right = degrees(e, n, w, z.dtype, side=1)
    z_left, z_right = z, z
    if standardize:
        total = d_left.sum()
        z_left = z - (d_left @ z) / total
        z_right = z - (d_right @ z) / total
    cross = z_left.T @ propagate(z_right, e, w)
    norm_left = (d_left @ z_left.square()).sqrt().clamp(min=eps)
    norm_right = (d_right @ z_right.square()).sqrt().clamp(min=eps)
    return cross, norm_left, norm_right


def _symmetric_cross(
    z: Tensor,
    e: Tensor,
    w: Tensor | None,
    half: tuple[Tensor, Tensor, Tensor | None],
    standardize: bool,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """Symmetric G: d_left = d_right, Z_left = Z_right and Z^T G Z = A + A^T over i <= j."""
    d = degrees(e, z.shape[0], w, z.dtype)
    zc = z - (d @ z) / d.sum() if standardize else z
    src, dst, w_half = half
    left, right = _halves(zc, src, dst)
    a = left.T @ (right if w_half is None else w_half[:, None] * right)
    norm = (d @ zc.square()).sqrt().clamp(min=eps)
    return a + a.T, norm, norm


def _halves(z: Tensor, src: Tensor, dst: Tensor) -> tuple[Tensor, Tensor]:
    """(z[src], z[dst]); for the two-view graph stacked view-major (src = 0..N'-1, dst =
    N'..2N'-1) the two halves of z, without a copy (and one concatenation in backward)."""
    m, n = src.shape[0], z.shape[0]
    if 2 * m == n and _is_range(src, 0) and _is_range(dst, m):
        first, second = z.split(m)
        return first, second
    return z[src], z[dst]


def _is_range(index: Tensor, start: int) -> bool:
    """index == start, start + 1, ..., start + len(index) - 1."""
    m = index.shape[0]
    return (
        m > 0
        and int(index[0]) == start
        and int(index[-1]) == start + m - 1
        and bool((index.diff() == 1).all())
    )
