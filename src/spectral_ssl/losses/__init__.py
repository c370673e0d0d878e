"""The SSL losses of Balestriero & LeCun (2022), one per module, on a sparse relation graph G.

Every loss takes ``(z, edges, *, hyperparameters, weights=None, return_terms=False)`` with z the
N x K embedding and edges the (2, E) edge list of G, and returns a 0-dim tensor (and the
unweighted terms when ``return_terms``). Formulas: ``docs/theory.md``.
"""

from .barlow_twins import barlow_twins_loss
from .memory import check_memory, estimate_memory
from .nnclr import nnclr_loss
from .simclr import simclr_loss
from .spectral_contrastive import spectral_contrastive_loss
from .vicreg import covariance, vicreg_loss, vicreg_squared_loss

__all__ = [
    "barlow_twins_loss",
    "check_memory",
    "covariance",
    "estimate_memory",
    "nnclr_loss",
    "simclr_loss",
    "spectral_contrastive_loss",
    "vicreg_loss",
    "vicreg_squared_loss",
]
