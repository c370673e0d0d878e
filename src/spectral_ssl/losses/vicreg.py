"""VICReg loss on a relation graph G (Bardes et al. 2022, in the form of Balestriero & LeCun).

    C   = unbiased covariance of the columns of Z (K x K)
    var = K - sum_k sqrt(clamp(C_kk, 1e-6, 1))       cov = sum_{k != l} C_kl^2
    inv = (1/N) sum_{(i,j) in edges} G_ij ||Z_i - Z_j||^2
    loss = alpha * var + beta * cov + gamma * inv

``vicreg_squared_loss`` is the squared surrogate of the theory notes, whose optimum has a closed
form: alpha * ||C - I||_F^2 + gamma * inv.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from ._graph import as_edge_tensor, as_weight_tensor, check_embedding, dirichlet_energy

VARIANCE_FLOOR = 1e-6  # C_kk is clamped to [VARIANCE_FLOOR, 1] inside the hinge


def covariance(z: Tensor) -> Tensor:
    """Unbiased covariance of the columns of Z (divided by N - 1)."""
    zc = z - z.mean(dim=0, keepdim=True)
    return zc.T @ zc / (z.shape[0] - 1)


def _invariance(z: Tensor, edges: Any, weights: Any) -> Tensor:
    e = as_edge_tensor(edges, z)
    return dirichlet_energy(z, e, as_weight_tensor(weights, e, z)) / z.shape[0]


def _off_diagonal_sq(c: Tensor) -> Tensor:
    return c.square().sum() - c.diagonal().square().sum()


def vicreg_terms(z: Tensor, edges: Any, weights: Any = None,
                 hinge_columns: Tensor | None = None) -> dict[str, Tensor]:  # fmt: skip
    """The unweighted terms of ``vicreg_loss``; ``hinge_columns`` (a boolean mask) restricts the
    variance hinge sum_k (1 - sqrt(clamp(C_kk, floor, 1))) to those columns (``stationarity``
    takes the kink's columns out)."""
    c = covariance(z)
    diag = c.diagonal() if hinge_columns is None else c.diagonal()[hinge_columns]
    return {
        "variance": (1.0 - diag.clamp(min=VARIANCE_FLOOR, max=1.0).sqrt()).sum(),
        "covariance": _off_diagonal_sq(c),
        "invariance": _invariance(z, edges, weights),
    }


def vicreg_loss(
    z: Tensor,
    edges: Any,
    *,
    alpha: float,
    beta: float,
    gamma: float,
    weights: Any = None,
    return_terms: bool = False,
) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
    """VICReg: alpha * variance hinge + beta * covariance + gamma * invariance (0-dim tensor).

    With ``return_terms=True`` also returns the unweighted terms
    ``{"variance", "covariance", "invariance"}``.
    """
    check_embedding(z)
    terms = vicreg_terms(z, edges, weights)
    loss = alpha * terms["variance"] + beta * terms["covariance"] + gamma * terms["invariance"]
    return (loss, terms) if return_terms else loss


def vicreg_squared_loss(
    z: Tensor,
    edges: Any,
    *,
    alpha: float,
    gamma: float,
    weights: Any = None,
    return_terms: bool = False,
) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
    """Squared surrogate alpha ||Cov(Z) - I||_F^2 + gamma inv = ... + (2 gamma / N) tr(Z^T L Z).

    Terms: ``{"variance": sum_k (C_kk - 1)^2, "covariance": sum_{k != l} C_kl^2, "invariance"}``.
    """
    check_embedding(z)
    c = covariance(z)
    terms = {
        "variance": (c.diagonal() - 1.0).square().sum(),
        "covariance": _off_diagonal_sq(c),
        "invariance": _invariance(z, edges, weights),
    }
    loss = alpha * (terms["variance"] + terms["covariance"]) + gamma * terms["invariance"]
    return (loss, terms) if return_terms else loss
