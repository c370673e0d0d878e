"""SimCLR / NT-Xent on a relation graph G, computed in blocks of the similarity matrix.

    Zn    = rows of Z divided by their L2 norm
    S     = Zn Zn^T / tau                                  (cosine similarities / tau)
    lse_i = logsumexp_{k != i} S_ik                        (diagonal excluded)
    loss  = sum_{(i,j) in edges} G_ij (lse_i - S_ij)       (a sum, not a mean)

It is the cross-entropy between G and Ghat_ij = exp(S_ij) / sum_{k != i} exp(S_ik). We split it
as repulsion = sum_i d_i lse_i (d = G 1) and attraction = -sum_ij G_ij S_ij. Neither a dense G
nor the full N x N similarity matrix is ever held: the repulsion is evaluated in blocks whose
total size is bounded by ``block_bytes``.

Fast path (``_SymmetricRepulsion``): since |S_ik| <= 1/tau, one global shift c keeps every
exp(S_ik - c) in the normal floating-point range whenever 2/tau + log N fits the exponent range
of the dtype (float32: tau > ~0.012). Then E = exp(S - c) is symmetric, so only the upper block
triangle is computed (about half of the N^2 K product), row sums r_i = sum_{k != i} E_ik give
lse_i = c + log r_i, and with w = d / (tau r) the gradient is

    d repulsion / d Zn = (diag(w) E + E diag(w)) Zn = E' Zn,   E'_ik = E_ik (w_i + w_k),

one more half-triangle product. When the gradient is needed it is formed during the forward
pass (the blocks are kept if they fit in ``block_bytes``, recomputed otherwise), so backward
only rescales it. Otherwise (tiny tau, float16) ``_RowRepulsion`` uses a per-row max shift,
row blocks of at most ``block_bytes`` and a backward that recomputes each block.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

from ._graph import as_edge_tensor, as_weight_tensor, check_embedding, degrees, propagate

DEFAULT_BLOCK_BYTES = 256 * 2**20  # similarity workspace held at once
_TRIANGLE_BLOCKS = 8  # row blocks of the symmetric path (fewer blocks: more wasted work) ...
_MIN_TRIANGLE_ROWS = 128  # ... but at least this many rows each (per-block overhead at small N)


def block_rows(n_rows: int, element_size: int, block_bytes: int = DEFAULT_BLOCK_BYTES) -> int:
    """Rows per block so that one block x N similarity matrix fits in ``block_bytes``."""
    return max(1, min(n_rows, block_bytes // max(1, n_rows * element_size)))


def triangle_block_rows(n: int, element_size: int, block_bytes: int = DEFAULT_BLOCK_BYTES) -> int:
    """Rows per block of the symmetric path: about N / 8, at least 128, within ``block_bytes``."""
    rows = max(-(-n // _TRIANGLE_BLOCKS), _MIN_TRIANGLE_ROWS)
    return min(rows, block_rows(n, element_size, block_bytes))


def global_shift(n: int, tau: float, dtype: torch.dtype) -> float | None:
    """Shift c with exp(S - c) normal and sum_k exp(S_ik - c) finite for |S| <= 1/tau, or None."""
    info = torch.finfo(dtype)
    log_max, log_tiny = math.log(info.max) - 1.0, math.log(info.tiny) + 1.0
    shift = max(0.0, 1.0 / tau + math.log(n) - log_max)
    return shift if -1.0 / tau - shift >= log_tiny else None


def _triangle_blocks(n: int, block: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + block, n)) for lo in range(0, n, block)]


def _view(buf: Tensor, rows: int, cols: int) -> Tensor:
    """A contiguous rows x cols matrix at the start of the flat workspace ``buf``."""
    return buf[: rows * cols].view(rows, cols)


def _exp_block(a: Tensor, zn: Tensor, lo: int, hi: int, shift: float, out: Tensor) -> Tensor:
    """E[lo:hi, lo:] = exp(S[lo:hi, lo:] - shift) with the diagonal set to 0 (a = zn / tau),
    written into ``out`` (hi - lo rows, N - lo columns)."""
    e = torch.mm(a[lo:hi], zn[lo:].T, out=out)
    if shift:
        e.sub_(shift)
    e.exp_()
    e.diagonal().zero_()
    return e


def _scale_pairs(e: Tensor, w_rows: Tensor, w_cols: Tensor) -> None:
    """e_ik *= w_rows_i + w_cols_k in place, in row slabs of ~2^20 elements (small temporary)."""
    rows = max(64, (1 << 20) // max(1, e.shape[1]))
    for lo in range(0, e.shape[0], rows):
        e[lo : lo + rows].mul_(w_rows[lo : lo + rows, None] + w_cols[None, :])


class _SymmetricRepulsion(torch.autograd.Function):
    """sum_i d_i logsumexp_{k != i} S_ik over the upper block triangle of E = exp(S - shift)."""

    @staticmethod
    def forward(  # type: ignore[override]
        ctx, zn: Tensor, d: Tensor, tau: float, shift: float, block: int, block_bytes: int
    ) -> Tensor:
        n = zn.shape[0]
        a = zn / tau
        blocks = _triangle_blocks(n, block)
        need_grad = ctx.needs_input_grad[0]
        sizes = [(hi - lo) * (n - lo) for lo, hi in blocks]
        keep = need_grad and sum(sizes) * zn.element_size() <= block_bytes
        # keep: one allocation per block, held for the gradient pass (on CPU, blocks below the
        # allocator's mmap threshold are recycled without page faults); otherwise a single
        # block-sized workspace reused by every (re)computation
        ws = None if keep else zn.new_empty(max(sizes))
        kept: list[Tensor] = []
        r = torch.zeros(n, dtype=zn.dtype, device=zn.device)
        for lo, hi in blocks:
            out = zn.new_empty(hi - lo, n - lo) if ws is None else _view(ws, hi - lo, n - lo)
            e = _exp_block(a, zn, lo, hi, shift, out)
            r[lo:hi] += e.sum(dim=1)
            r[hi:] += e[:, hi - lo :].sum(dim=0)
            if keep:
                kept.append(e)
            del e, out
        loss = (d * (r.log() + shift)).sum()
        if need_grad:
            w = d / (r * tau)
            grad = torch.zeros_like(zn)
            for i, (lo, hi) in enumerate(blocks):
                if ws is None:
                    e = kept[i]
                else:
                    e = _exp_block(a, zn, lo, hi, shift, _view(ws, hi - lo, n - lo))
                _scale_pairs(e, w[lo:hi], w[lo:])  # E'_ik = E_ik (w_i + w_k)
                grad[lo:hi].addmm_(e, zn[lo:])
                grad[hi:].addmm_(e[:, hi - lo :].T, zn[lo:hi])
                del e
                if keep:
                    kept[i] = grad.new_empty(0)  # free the block
            ctx.save_for_backward(grad)
        return loss

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        (grad,) = ctx.saved_tensors
        return grad * grad_out, None, None, None, None, None


class _RowRepulsion(torch.autograd.Function):
    """sum_i d_i logsumexp_{k != i} S_ik with a per-row max shift, blocked over rows i."""

    @staticmethod
    def forward(ctx, zn: Tensor, d: Tensor, tau: float, block: int) -> Tensor:  # type: ignore[override]
        n = zn.shape[0]
        lse = torch.empty(n, dtype=zn.dtype, device=zn.device)
        ws = zn.new_empty(min(block, n) * n)
        for lo in range(0, n, block):
            hi = min(lo + block, n)
            s = _masked_scores(zn, lo, hi, tau, _view(ws, hi - lo, n))
            m = s.amax(dim=1, keepdim=True)
            lse[lo:hi] = s.sub_(m).exp_().sum(dim=1).log_().add_(m[:, 0])
        ctx.save_for_backward(zn, d, lse)
        ctx.tau, ctx.block = tau, block
        return (d * lse).sum()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):  # type: ignore[override]
        zn, d, lse = ctx.saved_tensors
        tau, block, n = ctx.tau, ctx.block, zn.shape[0]
        grad = torch.zeros_like(zn)
        ws = zn.new_empty(min(block, n) * n)
        for lo in range(0, n, block):
            hi = min(lo + block, n)
            # P_ik = softmax_k(S_ik), scaled by d_i / tau: d/dzn of d_i lse_i
            s = _masked_scores(zn, lo, hi, tau, _view(ws, hi - lo, n))
            p = s.sub_(lse[lo:hi, None]).exp_()
            p.mul_((grad_out * d[lo:hi] / tau)[:, None])
            grad[lo:hi] += p @ zn
            grad += p.T @ zn[lo:hi]
        return grad, None, None, None


def _masked_scores(zn: Tensor, lo: int, hi: int, tau: float, out: Tensor) -> Tensor:
    """Rows lo..hi of S = Zn Zn^T / tau with the diagonal set to -inf, written into ``out``."""
    s = torch.mm(zn[lo:hi] / tau, zn.T, out=out)
    s[:, lo:hi].diagonal().fill_(float("-inf"))
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
    n, tau = z.shape[0], float(tau)
    d = degrees(e, n, w, z.dtype)
    shift = global_shift(n, tau, z.dtype)
    if shift is None:
        block = block_rows(n, z.element_size(), block_bytes)
        repulsion = _RowRepulsion.apply(zn, d, tau, block)
    else:
        block = triangle_block_rows(n, z.element_size(), block_bytes)
        repulsion = _SymmetricRepulsion.apply(zn, d, tau, shift, block, block_bytes)
    terms = {
        "attraction": -(zn * propagate(zn, e, w)).sum() / tau,
        "repulsion": repulsion,
    }
    loss = terms["attraction"] + terms["repulsion"]
    return (loss, terms) if return_terms else loss
