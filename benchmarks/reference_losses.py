"""BASELINE: literal dense transcriptions of the loss formulas (``docs/theory.md``).

The one home of the dense references: the benchmarks compare ``spectral_ssl.losses`` against
them, and ``tests/test_losses.py`` checks every loss (values and gradients) against them.
They follow the formulas word for word, with a dense N x N relation matrix G (VICReg, SimCLR)
or the unrolled positive pairs Z[edges[0]], Z[edges[1]] (BarlowTwins), and are deliberately
*not* optimised: O(N^2) memory for VICReg and SimCLR, O(E K) for BarlowTwins. Building the dense
G (``dense_relation``) is a one-off input preparation and is not part of the timed loss.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor


def dense_relation(
    edges: Any,
    n: int,
    weights: Any = None,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> Tensor:
    """Dense N x N G with G[i, j] = w_e for every edge e = (i, j) (1 when unweighted)."""
    e = torch.as_tensor(edges, dtype=torch.long, device=device)
    w = (
        torch.ones(e.shape[1], dtype=dtype, device=device)
        if weights is None
        else torch.as_tensor(weights, dtype=dtype, device=device)
    )
    g = torch.zeros(n, n, dtype=dtype, device=device)
    g[e[0], e[1]] = w
    return g


def dense_vicreg(z: Tensor, g: Tensor, *, alpha: float, beta: float, gamma: float) -> Tensor:
    """VICReg with inv = (G * cdist(Z, Z)^2).sum() / N and the unbiased covariance (torch.cov)."""
    n, k = z.shape
    c = torch.cov(z.T)
    var = k - torch.sqrt(torch.clamp(torch.diag(c), min=1e-6, max=1)).sum()
    cov = (c**2).sum() - (torch.diag(c) ** 2).sum()
    inv = (g * torch.cdist(z, z) ** 2).sum() / n
    return alpha * var + beta * cov + gamma * inv


def dense_vicreg_sq(z: Tensor, g: Tensor, *, alpha: float, gamma: float) -> Tensor:
    """VICReg surrogate alpha ||Cov(Z) - I||_F^2 + (2 gamma / N) tr(Z^T L Z), L = D - G."""
    n, k = z.shape
    lap = torch.diag(g.sum(1)) - g
    eye = torch.eye(k, dtype=z.dtype, device=z.device)
    return alpha * ((torch.cov(z.T) - eye) ** 2).sum() + 2 * gamma / n * torch.trace(z.T @ lap @ z)


def dense_simclr(z: Tensor, g: Tensor, *, tau: float) -> Tensor:
    """SimCLR with the full N x N similarity matrix: sum_ij G_ij (lse_i - S_ij)."""
    zn = z / z.norm(dim=1, keepdim=True)
    s = zn @ zn.T / tau
    eye = torch.eye(len(z), dtype=torch.bool, device=z.device)
    lse = torch.logsumexp(s.masked_fill(eye, float("-inf")), dim=1)
    return (g * (lse[:, None] - s)).sum()


def unrolled_barlow_twins(
    z: Tensor,
    edges: Any,
    *,
    alpha: float,
    eps: float = 1e-6,
    standardize: bool = False,
    weights: Any = None,
) -> Tensor:
    """BarlowTwins on the unrolled pairs Z_left = Z[edges[0]], Z_right = Z[edges[1]] (E x K).

    A weighted edge is its rows scaled by sqrt(w) (means, when standardising, weighted by w).
    """
    e = torch.as_tensor(edges, dtype=torch.long, device=z.device)
    zl, zr = z[e[0]], z[e[1]]
    if weights is not None:
        w = torch.as_tensor(weights, dtype=z.dtype, device=z.device)[:, None]
        if standardize:
            zl = zl - (w * zl).sum(0) / w.sum()
            zr = zr - (w * zr).sum(0) / w.sum()
        zl, zr = zl * w.sqrt(), zr * w.sqrt()
    elif standardize:
        zl, zr = zl - zl.mean(0), zr - zr.mean(0)
    zl = zl / torch.clamp(zl.norm(dim=0), min=eps)
    zr = zr / torch.clamp(zr.norm(dim=0), min=eps)
    c = zl.T @ zr
    off = c - torch.diag(torch.diag(c))
    return ((torch.diag(c) - 1) ** 2).sum() + alpha * (off**2).sum()


def dense_spectral_contrastive(z: Tensor, g: Tensor) -> Tensor:
    """-(2/N) sum_ij G_ij z_i^T z_j + (1/N^2) sum_ij (z_i^T z_j)^2."""
    n = len(z)
    gram = z @ z.T
    return -2 / n * (g * gram).sum() + (gram**2).sum() / n**2
