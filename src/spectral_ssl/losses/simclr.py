"""SimCLR / NT-Xent on a relation graph G, computed in row blocks.

    Zn    = rows of Z divided by their L2 norm
    S     = Zn Zn^T / tau                                  (cosine similarities / tau)
    lse_i = logsumexp_{k != i} S_ik                        (diagonal excluded)
    loss  = sum_{(i,j) in edges} G_ij (lse_i - S_ij)       (a sum, not a mean)

It is the cross-entropy between G and Ghat_ij = exp(S_ij) / sum_{k != i} exp(S_ik). We split it
as repulsion = sum_i d_i lse_i (d = G 1) and attraction = -sum_ij G_ij S_ij. The repulsion is
evaluated block by block with a hand-written backward that recomputes each block, so memory is
O(block x N): neither a dense G nor the N x N similarity matrix is ever held in full.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ._graph import as_edge_tensor, as_weight_tensor, check_embedding, degrees, propagate

DEFAULT_BLOCK_BYTES = 256 * 2**20  # one (block x N) similarity block


def block_rows(n_rows: int, element_size: int, block_bytes: int = DEFAULT_BLOCK_BYTES) -> int:
    """Rows per block so that one block x N similarity matrix fits in ``block_bytes``."""
    return max(1, min(n_rows, block_bytes // max(1, n_rows * element_size)))


class _Repulsion(torch.autograd.Function):
    """sum_i d_i logsumexp_{k != i} (zn_i . zn_k / tau), blocked over rows i."""

    @staticmethod
    def forward(ctx, zn: Tensor, d: Tensor, tau: float, block: int) -> Tensor:  # type: ignore[override]
        n = zn.shape[0]
        lse = torch.empty(n, dtype=zn.dtype, device=zn.device)
        for lo in range(0, n, block):
            hi = min(lo + block, n)
            lse[lo:hi] = _masked_scores(zn, lo, hi, tau).logsumexp(dim=1)
        ctx.save_for_backward(zn, d, lse)
        ctx.tau, ctx.block = tau, block
        return (d * lse).sum()

    @staticmethod
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        zn, d, lse = ctx.saved_tensors
        tau, block, n = ctx.tau, ctx.block, zn.shape[0]
        grad = torch.zeros_like(zn)
        for lo in range(0, n, block):
            hi = min(lo + block, n)
            # P_ik = softmax_k(S_ik), scaled by d_i / tau: d/dzn of d_i lse_i
            p = (_masked_scores(zn, lo, hi, tau) - lse[lo:hi, None]).exp_()
            p.mul_((grad_out * d[lo:hi] / tau)[:, None])
            grad[lo:hi] += p @ zn
            grad += p.T @ zn[lo:hi]
        return grad, None, None, None


def _masked_scores(zn: Tensor, lo: int, hi: int, tau: float) -> Tensor:
    """Rows lo..hi of S = Zn Zn^T / tau with the diagonal set to -inf."""
    s = zn[lo:hi] @ zn.T / tau
    rows = torch.arange(hi - lo, device=zn.device)
    s[rows, rows + lo] = float("-inf")
    return s


def simclr_loss(
    z: Tensor,
    edges: Any,
    *,
    tau: float,
    weights: Any = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    return_terms: bool = False,
) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
    """SimCLR loss sum_{(i,j)} G_ij (lse_i - S_ij) as a 0-dim tensor.

    ``return_terms=True`` also returns the terms
    ``{"attraction": -sum_ij G_ij S_ij, "repulsion": sum_i d_i lse_i}``.
    """
    check_embedding(z)
    if tau <= 0:
        raise ValueError(f"tau must be positive, got {tau}")
    if z.shape[0] < 2:
        raise ValueError("SimCLR needs at least 2 rows (the diagonal is excluded from lse)")
    e = as_edge_tensor(edges, z)
    w = as_weight_tensor(weights, e, z)
    zn = F.normalize(z, dim=1)
    d = degrees(e, z.shape[0], w, z.dtype)
    block = block_rows(z.shape[0], z.element_size(), block_bytes)
    terms = {
        "attraction": -(zn * propagate(zn, e, w)).sum() / tau,
        "repulsion": _Repulsion.apply(zn, d, float(tau), block),
    }
    loss = terms["attraction"] + terms["repulsion"]
    return (loss, terms) if return_terms else loss
