"""Sparse graph primitives shared by the losses: G Z, degrees and the Dirichlet energy.

None of them builds a dense N x N G; memory is O(E + N K) (plus one edge chunk of K columns).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

_CHUNK_ELEMENTS = 1 << 24  # edge-chunk size (rows x K) for the Dirichlet energy


def as_edge_tensor(edges: Any, z: Tensor) -> Tensor:
    """Edges as a (2, E) int64 tensor on z's device (no copy when already there)."""
    e = torch.as_tensor(edges, dtype=torch.long, device=z.device)
    if e.ndim != 2 or e.shape[0] != 2:
        raise ValueError(f"edges must have shape (2, E), got {tuple(e.shape)}")
    return e


def as_weight_tensor(weights: Any, edges: Tensor, z: Tensor) -> Tensor | None:
    if weights is None:
        return None
    w = torch.as_tensor(weights, dtype=z.dtype, device=z.device)
    if w.shape != (edges.shape[1],):
        raise ValueError(f"weights must have shape ({edges.shape[1]},), got {tuple(w.shape)}")
    return w


def check_embedding(z: Tensor) -> None:
    if not isinstance(z, Tensor) or z.ndim != 2:
        raise ValueError(f"z must be a 2-D tensor (N x K), got {getattr(z, 'shape', type(z))}")
    if not z.is_floating_point():
        raise ValueError(f"z must be floating point, got {z.dtype}")


def degrees(
    edges: Tensor, n_nodes: int, weights: Tensor | None, dtype: torch.dtype, side: int = 0
) -> Tensor:
    """d_i = sum_j G_ij over edges[side] (side 0: rows, side 1: columns)."""
    src = edges[side]
    w = torch.ones(src.shape[0], dtype=dtype, device=src.device) if weights is None else weights
    return torch.zeros(n_nodes, dtype=dtype, device=src.device).index_add_(0, src, w)


def propagate(z: Tensor, edges: Tensor, weights: Tensor | None = None) -> Tensor:
    """G Z with G[i, j] = w_e for e = (i, j), as a sparse-dense product (differentiable in Z)."""
    n = z.shape[0]
    w = torch.ones(edges.shape[1], dtype=z.dtype, device=z.device) if weights is None else weights
    g = torch.sparse_coo_tensor(edges, w, (n, n), is_coalesced=False, check_invariants=False)
    return torch.sparse.mm(g, z)


class _DirichletEnergy(torch.autograd.Function):
    """sum_e w_e ||z_i - z_j||^2 over edges e = (i, j), in edge chunks.

    Uses the difference form (no cancellation when related rows are close) and a hand-written
    backward, so no E x K tensor is kept for autograd.
    """

    @staticmethod
    def forward(ctx, z: Tensor, edges: Tensor, weights: Tensor | None) -> Tensor:  # type: ignore[override]
        ctx.save_for_backward(z, edges, weights if weights is not None else torch.empty(0))
        ctx.has_weights = weights is not None
        total = z.new_zeros(())
        for lo, hi in _chunks(edges.shape[1], z.shape[1]):
            diff = z[edges[0, lo:hi]] - z[edges[1, lo:hi]]
            sq = diff.square().sum(dim=1)
            total = total + (sq if weights is None else weights[lo:hi] * sq).sum()
        return total

    @staticmethod
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        z, edges, weights = ctx.saved_tensors
        grad = torch.zeros_like(z)
        for lo, hi in _chunks(edges.shape[1], z.shape[1]):
            i, j = edges[0, lo:hi], edges[1, lo:hi]
            g = 2.0 * (z[i] - z[j])
            if ctx.has_weights:
                g = g * weights[lo:hi, None]
            g = g * grad_out
            grad.index_add_(0, i, g)
            grad.index_add_(0, j, -g)
        return grad, None, None


def dirichlet_energy(z: Tensor, edges: Tensor, weights: Tensor | None = None) -> Tensor:
    """sum_{(i,j) in edges} G_ij ||z_i - z_j||^2  (= 2 tr(Z^T L Z) for symmetric G)."""
    return _DirichletEnergy.apply(z, edges, weights)


def _chunks(n_edges: int, width: int):
    step = max(1, _CHUNK_ELEMENTS // max(width, 1))
    for lo in range(0, n_edges, step):
        yield lo, min(lo + step, n_edges)
