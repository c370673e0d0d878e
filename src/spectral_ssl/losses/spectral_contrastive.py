"""Spectral contrastive loss in G form (HaoChen et al. 2021), the tractable global reference.

    L_spec(Z) = -(2/N) sum_ij G_ij z_i^T z_j + (1/N^2) sum_ij (z_i^T z_j)^2

equal to ||Z Z^T / N - G||_F^2 up to the constant ||G||_F^2; its minimiser is classical MDS /
kernel PCA with G as the Gram matrix (see closed_form). The quartic term is ||Z^T Z||_F^2 / N^2,
so the cost is O(E K + N K^2).
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from ._graph import as_edge_tensor, as_weight_tensor, check_embedding, propagate


def spectral_contrastive_loss(
    z: Tensor, edges: Any, *, weights: Any = None, return_terms: bool = False
) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
    """L_spec as a 0-dim tensor; ``return_terms=True`` adds ``{"attraction", "repulsion"}``."""
    check_embedding(z)
    e = as_edge_tensor(edges, z)
    w = as_weight_tensor(weights, e, z)
    n = z.shape[0]
    terms = {
        "attraction": -2.0 * (z * propagate(z, e, w)).sum() / n,
        "repulsion": (z.T @ z).square().sum() / n**2,
    }
    loss = terms["attraction"] + terms["repulsion"]
    return (loss, terms) if return_terms else loss
