"""Result types of the closed forms: free-Z and linear optima, components, dispatcher output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..spectral import Eigenspace


@dataclass(frozen=True)
class FreeSolution:
    """Free-Z optimum Z* = c U_K diag(scales) (c = sqrt(N-1) for VICReg, sqrt(N) spectral).

    ``minimum`` is the loss value at Z*, ``predicted_rank`` = #{k : scales_k > 0}.
    """

    embedding: np.ndarray
    eigenvalues: np.ndarray
    scales: np.ndarray
    predicted_rank: int
    minimum: float
    spectrum: Eigenspace

    @property
    def degenerate_cut(self) -> bool:
        return self.spectrum.degenerate_cut

    @property
    def cut_multiplicity(self) -> int:
        return self.spectrum.cut_multiplicity


@dataclass(frozen=True)
class LinearSolution:
    """Linear-regime optimum W* = directions diag(scales) of a generalised eigenproblem A w = e B w.

    ``directions`` are B-orthonormal (directions^T B directions = I); ``rank_b`` is the numerical
    rank of B (the problem is solved on B's range when B is singular) and ``ridge`` the
    Tikhonov term that was added to B (absolute, 0 when none).
    """

    weights: np.ndarray
    directions: np.ndarray
    eigenvalues: np.ndarray
    scales: np.ndarray
    predicted_rank: int
    minimum: float
    next_eigenvalue: float
    degenerate_cut: bool
    rank_b: int
    ridge: float


@dataclass(frozen=True)
class ComponentStructure:
    """Connected components of G: what the free-Z BarlowTwins / SimCLR optima are built from.

    ``labels[i]`` is the component of node i; ``n_edge_components`` counts components with at
    least one edge (isolated nodes are components without positive pairs).
    """

    labels: np.ndarray
    sizes: np.ndarray
    n_components: int
    n_edge_components: int

    def rank_bound(self, k: int) -> int:
        """rank(Z*) <= min(K, number of components of G)  (BarlowTwins and SimCLR, free Z)."""
        return min(int(k), self.n_components)


@dataclass(frozen=True)
class ClosedForm:
    """Output of :func:`compute`: an ``embedding`` (N x K) or ``weights`` (D x K)."""

    method: str
    eigenvalues: np.ndarray
    predicted_rank: int
    embedding: np.ndarray | None = None
    weights: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def finite_or_none(v: float) -> float | None:
    """JSON has no NaN: undefined values (no closed-form minimum, no next eigenvalue) -> None."""
    return float(v) if np.isfinite(v) else None


def check_positive(**values: float) -> None:
    for name, v in values.items():
        if not (np.isfinite(v) and v > 0):
            raise ConfigError(f"{name} must be a positive finite number, got {v}")
