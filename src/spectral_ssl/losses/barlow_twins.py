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

What depends only on the edge list (whether G is symmetric, its upper triangle, whether that is
the two-view split, the degrees) is computed once per distinct edge list (``_STRUCTURES``, a
content-checked cache), and the symmetric case runs as one autograd function with a hand-written
backward (``_SymmetricBarlowTwins``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ._graph import (
    EdgeCache,
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
    g = _STRUCTURES.get(e, z.shape[0], w, z.dtype)
    if g.symmetric and (w is None or not w.requires_grad):
        zc = z - (g.d @ z) / g.total if standardize else z
        loss, invariance, redundancy = _SymmetricBarlowTwins.apply(zc, g, float(alpha), eps)
        terms = {"invariance": invariance, "redundancy": redundancy}
        return (loss, terms) if return_terms else loss
    if g.symmetric:  # weights that require grad: differentiate through them with autograd
        cross, norm_left, norm_right = _symmetric_cross(z, g, standardize, eps)
    else:
        cross, norm_left, norm_right = _general_cross(z, e, w, g, standardize, eps)
    c = cross / (norm_left[:, None] * norm_right[None, :])
    diag = c.diagonal()
    terms = {
        "invariance": (diag - 1.0).square().sum(),
        "redundancy": c.square().sum() - diag.square().sum(),
    }
    loss = terms["invariance"] + alpha * terms["redundancy"]
    return (loss, terms) if return_terms else loss


@dataclass(frozen=True)
class _Structure:
    """What the loss needs from (edges, weights, N) alone.

    symmetric: G = G^T and E <= 2N, so the upper-triangle product is used; then src, dst, w_half
    are the upper triangle with self-loops at half weight, ``split`` = N/2 when those edges are
    (i, i + N/2) for i < N/2 (the two-view graph stacked view-major: the halves of Z are views,
    no gather), and d = d_left = d_right. Otherwise d and d_right are the row and column degrees.
    unit: every degree is exactly 1 (weighted column norms are plain column norms).
    """

    symmetric: bool
    d: Tensor
    d_right: Tensor
    total: Tensor
    unit: bool
    src: Tensor | None = None
    dst: Tensor | None = None
    w_half: Tensor | None = None
    split: int | None = None


def _build_structure(e: Tensor, n: int, w: Tensor | None, dtype: torch.dtype) -> _Structure:
    half = symmetric_half(e, n, w, dtype) if e.shape[1] <= 2 * n else None
    d = degrees(e, n, w, dtype, side=0)
    if half is None:
        d_right = degrees(e, n, w, dtype, side=1)
        return _Structure(False, d, d_right, d.sum(), unit=False)  # unit: symmetric path only
    src, dst, w_half = half
    m = src.shape[0]
    split = m if 2 * m == n and _is_range(src, 0) and _is_range(dst, m) else None
    unit = bool((d == 1).all())
    return _Structure(True, d, d, d.sum(), unit, src, dst, w_half, split)


_STRUCTURES = EdgeCache(_build_structure)


def _general_cross(
    z: Tensor, e: Tensor, w: Tensor | None, g: _Structure, standardize: bool, eps: float
) -> tuple[Tensor, Tensor, Tensor]:
    """Z_left^T Z_right = Z^T G Z through G Z, and the column norms of Z_left and Z_right."""
    d_left, d_right = g.d, g.d_right
    z_left, z_right = z, z
    if standardize:
        z_left = z - (d_left @ z) / g.total
        z_right = z - (d_right @ z) / g.total
    cross = z_left.T @ propagate(z_right, e, w)
    norm_left = (d_left @ z_left.square()).clamp(min=eps * eps).sqrt()
    norm_right = (d_right @ z_right.square()).clamp(min=eps * eps).sqrt()
    return cross, norm_left, norm_right


def _symmetric_cross(
    z: Tensor, g: _Structure, standardize: bool, eps: float
) -> tuple[Tensor, Tensor, Tensor]:
    """Symmetric G through autograd (weights that require grad: ``g`` was built from them
    uncached, so its w_half and d carry their gradient): Z^T G Z = A + A^T over i <= j."""
    zc = z - (g.d @ z) / g.total if standardize else z
    left, right = _halves(zc, g)
    a = left.T @ (right if g.w_half is None else g.w_half[:, None] * right)
    norm = (g.d @ zc.square()).clamp(min=eps * eps).sqrt()
    return a + a.T, norm, norm


class _SymmetricBarlowTwins(torch.autograd.Function):
    """(loss, invariance, redundancy) of a symmetric G from the cached structure, in one pass.

    Forward: A = X^T W Y over the upper triangle (X = Z[src], Y = Z[dst], W = diag(w_half)),
    S = A + A^T, n_k = max(sqrt(sum_i d_i Z_ik^2), eps), C = S / (n n^T). Backward, with
    G_C = dloss/dC (symmetric): H = 2 G_C / (n n^T) = dloss/dA, q = -2 rowsum(G_C * C) / n^2
    (0 where n was clamped), and dZ = scatter of W Y H to src and of W X H to dst, + d * Z * q.
    For the two-view split both products are written into the two halves of one buffer.
    A backward with create_graph=True differentiates the same formulas with autograd instead.
    """

    @staticmethod
    def forward(ctx, z: Tensor, g: _Structure, alpha: float, eps: float):  # type: ignore[override]
        x, y = _halves(z, g)
        yw = y if g.w_half is None else g.w_half[:, None] * y
        a = x.T @ yw
        c = a + a.T
        raw = _column_norms(z, g)
        r = raw.clamp(min=eps).reciprocal()
        c.mul_(r[:, None]).mul_(r)  # C = S / (n n^T), in place
        diag = c.diagonal()
        row_squares = c.square().sum(1)  # sum_l C_kl^2, reused by backward
        invariance = (diag - 1.0).square().sum()
        redundancy = row_squares.sum() - diag.square().sum()
        loss = invariance + alpha * redundancy
        ctx.g, ctx.alpha, ctx.eps = g, alpha, eps
        saved = (z, c, r, raw, row_squares)
        ctx.save_for_backward(*(saved if g.split is not None else saved + (x, yw)))
        return loss, invariance, redundancy

    @staticmethod
    def backward(ctx, g_loss, g_inv, g_red):  # type: ignore[override]
        g: _Structure = ctx.g
        z, c, r, raw, row_squares = ctx.saved_tensors[:5]
        if torch.is_grad_enabled():  # create_graph=True: a differentiable recomputation
            return _double_backward_grad(z, g, ctx.alpha, ctx.eps, g_loss, g_inv, g_red)
        # dloss/dC = 2 b C off the diagonal, 2 a (C_kk - 1) on it
        a = _scalar(g_loss) + _scalar(g_inv)
        b = ctx.alpha * _scalar(g_loss) + _scalar(g_red)
        diag = c.diagonal()
        r2 = r.square()
        # q_k = -2 r_k^2 sum_l (dloss/dC)_kl C_kl: the column norms' share, 0 where clamped
        rows = (row_squares - diag.square()) * (2.0 * b) + (diag - 1.0) * diag * (2.0 * a)
        q = rows.mul_(r2).mul_(-2.0).masked_fill_(raw < ctx.eps, 0.0)
        # H = dloss/dA = 2 (dloss/dC) / (n n^T), symmetric
        h = c.mul(r[:, None]).mul_(r * (4.0 * b))
        h.diagonal().copy_((diag - 1.0).mul_(r2).mul_(4.0 * a))
        grad = torch.empty(z.shape, dtype=z.dtype, device=z.device)
        if g.split is not None:
            x, y = z[: g.split], z[g.split :]
            if g.w_half is None:
                torch.mm(y, h, out=grad[: g.split])
                torch.mm(x, h, out=grad[g.split :])
            else:
                torch.mm(g.w_half[:, None] * y, h, out=grad[: g.split])
                torch.mm(x, h, out=grad[g.split :]).mul_(g.w_half[:, None])
        else:
            x, yw = ctx.saved_tensors[5:]
            grad.zero_()
            grad.index_add_(0, g.src, yw @ h)
            xh = x @ h
            grad.index_add_(0, g.dst, xh if g.w_half is None else xh.mul_(g.w_half[:, None]))
        if g.unit:
            grad.addcmul_(z, q)
        else:
            grad.addcmul_(z * g.d[:, None], q)
        return grad, None, None, None


def _scalar(grad: Tensor | None) -> Tensor | float:
    return 0.0 if grad is None else grad


def _halves(z: Tensor, g: _Structure) -> tuple[Tensor, Tensor]:
    """(Z[src], Z[dst]); for the two-view split the two halves of Z, without a copy."""
    if g.split is not None:
        return z[: g.split], z[g.split :]
    assert g.src is not None and g.dst is not None
    return z[g.src], z[g.dst]


def _column_norms(z: Tensor, g: _Structure) -> Tensor:
    """sqrt(sum_i d_i Z_ik^2) (square + column sum: torch.linalg.vector_norm(z, dim=0) is ~8x
    slower on CPU, a strided reduction)."""
    squares = z.square().sum(0) if g.unit else g.d @ z.square()
    return squares.sqrt()


def _double_backward_grad(z, g, alpha, eps, g_loss, g_inv, g_red):
    """dloss/dZ as a differentiable function of Z (backward with create_graph=True)."""
    with torch.enable_grad():
        zz = z if z.requires_grad else z.detach().requires_grad_(True)
        x, y = _halves(zz, g)
        a = x.T @ (y if g.w_half is None else g.w_half[:, None] * y)
        squares = zz.square().sum(0) if g.unit else g.d @ zz.square()
        norm = squares.clamp(min=eps * eps).sqrt()
        c = (a + a.T) / (norm[:, None] * norm[None, :])
        diag = c.diagonal()
        invariance = (diag - 1.0).square().sum()
        redundancy = c.square().sum() - diag.square().sum()
        total = (_scalar(g_loss) + _scalar(g_inv)) * invariance
        total = total + (alpha * _scalar(g_loss) + _scalar(g_red)) * redundancy
        (grad,) = torch.autograd.grad(total, zz, create_graph=True)
    return grad, None, None, None


def _is_range(index: Tensor, start: int) -> bool:
    """index == start, start + 1, ..., start + len(index) - 1."""
    m = index.shape[0]
    return (
        m > 0
        and int(index[0]) == start
        and int(index[-1]) == start + m - 1
        and bool((index.diff() == 1).all())
    )
