"""NNCLR in G form: the SimCLR loss on the evolving relation G_t.

    loss = simclr_loss(Z, G_t; tau)

The loss is SimCLR's exactly (same signature, same value on the same edges); what makes the
method NNCLR is G_t, the given G united with each row's ``m`` nearest neighbours in the current
embedding, which the trainer rebuilds every ``refresh_every`` steps
(``spectral_ssl.nearest_neighbour_graph``). ``m`` and ``refresh_every`` are accepted here only
so that one hyperparameter dict serves both the trainer and the loss.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from .simclr import DEFAULT_BLOCK_BYTES, simclr_loss


def nnclr_loss(
    z: Tensor,
    edges: Any,
    *,
    tau: float,
    m: int = 1,
    refresh_every: int = 10,
    weights: Any = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    return_terms: bool = False,
) -> Tensor | tuple[Tensor, dict[str, Tensor]]:
    """SimCLR's loss on ``edges`` (= G_t); ``m`` and ``refresh_every`` define G_t, not the loss."""
    del m, refresh_every
    return simclr_loss(z, edges, tau=tau, weights=weights, block_bytes=block_bytes,
                       return_terms=return_terms)  # fmt: skip
