"""Stationarity measures where the gradient norm is not one: hinge VICReg's kink, and losses
invariant to the scale of blocks of parameters (SimCLR, NNCLR, BarlowTwins).

**Hinge VICReg: the norm of its minimum-norm (Clarke) subgradient.**

VICReg's variance term ``alpha * sum_k (1 - sqrt(clamp(C_kk, floor, 1)))`` has a kink at
C_kk = 1, and its minimisers typically sit on it (the hinge pushes a column's variance up to 1
and no further). There the function is not differentiable: autograd returns ONE element of the
subdifferential (the one-sided derivative torch's clamp picks), whose norm need not vanish at a
minimiser, so "||grad|| final / initial < conv_grad_rtol" can never hold for a converged run.

The stationarity measure for such a loss is the norm of the minimum-norm element of the
(epsilon-)Clarke subdifferential. With m columns on the kink (|C_kk - 1| <= ``KINK_TOL``),
d/dc of -sqrt(min(c, 1)) ranges over [-1/2, 0] (left derivative -1/(2 sqrt(1)), right 0), so

    dL = g_smooth + alpha * sum_{k on the kink} s_k dC_kk/dtheta,    s_k in [-1/2, 0],

with g_smooth the gradient of every other part of the loss. Its minimum norm over s is a
bounded least-squares problem in m unknowns (``scipy.optimize.lsq_linear``). Away from the kink
(m = 0) it is the ordinary gradient norm; it is never larger than the norm of the gradient
autograd returns (that gradient is one admissible s), and it is 0 at a minimiser on the kink.

**Scale-invariant losses: the gradient on the product of spheres.** SimCLR (and NNCLR) see
only the row directions of Z (cosine similarities), BarlowTwins only its column directions
(column-normalised cross-correlation). If f(c w_b) = f(w_b) for every c > 0 on a block w_b of
a parameter, then grad_b f(c w) = grad_b f(w) / c and grad_b f is orthogonal to w_b (Euler), so
the plain gradient norm grows as the optimiser shrinks the block while the loss stays put (a
plateaued linear SimCLR run read "gradient 11x its initial value"), and shrinks as it grows.
The scale-free measure is the Riemannian gradient norm on the unit sphere of each block,

    || grad ||_sf = sqrt( sum_b ( ||w_b|| ||grad_b f|| )^2 ),

unchanged by any rescaling of the blocks. Blocks (``scale_blocks``): free Z, rows for SimCLR
and columns for BarlowTwins; linear Z = X W, the whole W for SimCLR (one row of Z cannot be
rescaled alone) and the columns of W for BarlowTwins; an MLP has no such block (None: the
plain norm).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import torch

from .losses.vicreg import covariance, vicreg_terms

# columns with |C_kk - 1| <= KINK_TOL count as on the kink (the epsilon of the subdifferential;
# float32 training leaves C_kk within ~1e-4 of 1, fp64 L-BFGS within ~1e-8)
KINK_TOL = 1e-3
HINGE_SLOPE = (-0.5, 0.0)  # d/dc -sqrt(min(c, 1)) at c = 1: [left, right] derivative


def _flat(grads: Sequence[torch.Tensor | None], params: Sequence[torch.Tensor]) -> np.ndarray:
    return np.concatenate([
        (torch.zeros_like(p) if g is None else g).detach().double().reshape(-1).cpu().numpy()
        for g, p in zip(grads, params, strict=True)
    ])  # fmt: skip


def vicreg_min_norm_subgradient(
    z: torch.Tensor,
    params: Sequence[torch.Tensor],
    edges: object,
    *,
    alpha: float,
    beta: float,
    gamma: float,
    weights: object = None,
    kink_tol: float = KINK_TOL,
) -> tuple[float, int]:
    """(min-norm subgradient norm of ``losses.vicreg_loss`` w.r.t. ``params``, columns on the
    kink). ``z`` must be computed from ``params`` with autograd enabled."""
    from scipy.optimize import lsq_linear

    params = [p for p in params if p.requires_grad]
    diag = covariance(z).diagonal()
    kink = (diag - 1.0).abs() <= kink_tol
    terms = vicreg_terms(z, edges, weights, hinge_columns=~kink)  # the kink's columns left out
    smooth = alpha * terms["variance"] + beta * terms["covariance"] + gamma * terms["invariance"]
    on_kink = torch.nonzero(kink).flatten().tolist()
    g = _flat(torch.autograd.grad(smooth, params, retain_graph=bool(on_kink),
                                  allow_unused=True), params)  # fmt: skip
    if not on_kink:
        return float(np.linalg.norm(g)), 0
    columns = [
        alpha * _flat(torch.autograd.grad(diag[k], params, retain_graph=True, allow_unused=True),
                      params)  # fmt: skip
        for k in on_kink
    ]
    a = np.stack(columns, axis=1)
    fit = lsq_linear(a, -g, bounds=HINGE_SLOPE, method="bvls")
    return float(np.linalg.norm(g + a @ fit.x)), len(on_kink)


def stationarity_norm(
    loss_name: str,
    z_of_params: Callable[[], torch.Tensor],
    params: Sequence[torch.Tensor],
    edges: object,
    weights: object,
    hp: dict[str, float],
) -> float | None:
    """The min-norm subgradient norm for losses with a kink (hinge VICReg), else None (the
    ordinary gradient norm is the stationarity measure)."""
    if loss_name != "vicreg_loss":
        return None
    z = z_of_params()
    norm, _ = vicreg_min_norm_subgradient(z, params, edges, weights=weights, alpha=hp["alpha"],
                                          beta=hp["beta"], gamma=hp["gamma"])  # fmt: skip
    return norm


Invariance = Literal["rows", "columns"]
Blocks = Literal["rows", "columns", "all"]


def scale_blocks(invariance: Invariance | None, model: str) -> Blocks | None:
    """The blocks of the model's one parameter that the loss's scale invariance acts on: for a
    loss invariant to the scale of each row (``"rows"``) or column (``"columns"``) of Z."""
    if invariance is None or model not in ("free", "linear"):
        return None
    if model == "free":
        return invariance
    return "columns" if invariance == "columns" else "all"


def scale_free_norm(param: torch.Tensor, grad: torch.Tensor, blocks: Blocks) -> float:
    """sqrt(sum_b (||w_b|| ||g_b||)^2) over the rows, the columns or the whole of a 2-D
    parameter ``param`` with gradient ``grad`` (module docstring)."""
    w, g = param.detach().double(), grad.detach().double()
    if blocks == "all":
        return float(torch.linalg.vector_norm(w) * torch.linalg.vector_norm(g))
    dim = 1 if blocks == "rows" else 0
    per_block = torch.linalg.vector_norm(w, dim=dim) * torch.linalg.vector_norm(g, dim=dim)
    return float(torch.linalg.vector_norm(per_block))
