"""The result of every eigensolver (:class:`Eigenspace`) and what the solvers share.

An Eigenspace holds K eigenpairs at one end of a symmetric graph matrix M (L or G) and describes
the cut: when l_K = l_{K+1} (within ``TIE_RTOL`` * ||M||, a Gershgorin bound) the K-dimensional
subspace is not unique; only the eigenvectors strictly below the cut, plus the whole cut
eigenspace, are defined. Eigenvectors get a deterministic sign (the entry of largest modulus
positive, as scikit-learn does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.sparse.csgraph import connected_components

from ..errors import ConfigError
from ..relations import adjacency

Solver = Literal["auto", "dense", "sparse"]

DENSE_MAX_NODES = 3000  # "auto" diagonalises the whole matrix up to this many nodes
DENSE_HARD_MAX_NODES = 20000  # "dense" refuses above this (the N x N matrix alone is 3.2 GB)
TIE_RTOL = 1e-8  # eigenvalues closer than TIE_RTOL * ||M|| (Gershgorin bound) are tied
RANK_RCOND = 1e-10  # eigenvalues of B below RANK_RCOND * max are treated as zero (singular B)


@dataclass(frozen=True)
class Eigenspace:
    """K eigenpairs of a graph matrix at one end of its spectrum, with the cut described.

    ``values`` are sorted from the selected end (ascending for L, descending for G),
    ``vectors`` are orthonormal (N x K). ``next_value`` is the (K+1)-th eigenvalue (NaN when
    there is none). When ``degenerate_cut`` the K-th and (K+1)-th eigenvalues are tied: the
    first ``n_below_cut`` vectors are determined (up to rotations inside their own eigenspaces)
    and the remaining K - n_below_cut are an arbitrary orthonormal choice inside the cut
    eigenspace of dimension ``cut_multiplicity`` (a lower bound unless
    ``cut_multiplicity_exact``). ``residual`` = max_k ||M u_k - l_k u_k||.
    """

    values: np.ndarray
    vectors: np.ndarray
    next_value: float
    degenerate_cut: bool
    cut_multiplicity: int
    cut_multiplicity_exact: bool
    n_below_cut: int
    residual: float
    solver: str

    @classmethod
    def measured(
        cls,
        mat: Any,
        values: np.ndarray,
        vectors: np.ndarray,
        next_value: float,
        cut: tuple[bool, int, int],
        exact: bool,
        solver: str,
    ) -> Eigenspace:
        """The eigenspace with its cut (degenerate, multiplicity, n below) and residual on mat."""
        degenerate, mult, n_below = cut
        return cls(
            values=values,
            vectors=vectors,
            next_value=next_value,
            degenerate_cut=degenerate,
            cut_multiplicity=mult,
            cut_multiplicity_exact=exact,
            n_below_cut=n_below,
            residual=residual_norm(mat, vectors, values),
            solver=solver,
        )

    def cut_info(self) -> dict[str, Any]:
        return {
            "next_eigenvalue": self.next_value,
            "degenerate_cut": self.degenerate_cut,
            "cut_multiplicity": self.cut_multiplicity,
            "cut_multiplicity_exact": self.cut_multiplicity_exact,
            "n_below_cut": self.n_below_cut,
            "residual": self.residual,
            "solver": self.solver,
        }


def use_dense(solver: str, n_nodes: int) -> bool:
    if solver not in ("auto", "dense", "sparse"):
        raise ConfigError(f"solver must be 'auto', 'dense' or 'sparse', got {solver!r}")
    if solver == "dense" and n_nodes > DENSE_HARD_MAX_NODES:
        raise ConfigError(
            f"solver='dense' needs an N x N matrix ({8 * n_nodes**2 / 2**30:.1f} GiB for "
            f"N = {n_nodes}); use solver='sparse' above {DENSE_HARD_MAX_NODES} nodes"
        )
    return solver == "dense" or (solver == "auto" and n_nodes <= DENSE_MAX_NODES)


def check_k(k: int, available: int, what: str) -> None:
    if int(k) != k or k < 1:
        raise ConfigError(f"K must be a positive integer, got {k}")
    if k > available:
        raise ConfigError(f"K = {k} exceeds the number of available {what} = {available}")


def component_labels(edges: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    _, labels = connected_components(adjacency(edges, n_nodes), directed=False)
    return labels.astype(np.int64), np.bincount(labels).astype(np.int64)


def sign_fix(u: np.ndarray) -> np.ndarray:
    """Flip each column so that its entry of largest modulus is positive (sklearn convention)."""
    if u.size == 0:
        return u
    idx = np.argmax(np.abs(u), axis=0)
    signs = np.sign(u[idx, np.arange(u.shape[1])])
    signs[signs == 0] = 1.0
    return u * signs


def householder(t: np.ndarray) -> np.ndarray:
    """v with (I - 2 v v^T) t / ||t|| = -e_1; columns 2.. of that reflection span t^perp."""
    v = t / np.linalg.norm(t)
    v[0] += 1.0  # t_0 >= 0 here, so no cancellation
    return v / np.linalg.norm(v)


def cut_of(values: np.ndarray, next_value: float, tol: float) -> tuple[bool, int, int]:
    """(degenerate, multiplicity among values + next, number strictly below the cut)."""
    cut = values[-1]
    n_below = int(np.sum(np.abs(values - cut) > tol))
    degenerate = bool(np.isfinite(next_value) and abs(next_value - cut) <= tol)
    return degenerate, len(values) - n_below + int(degenerate), n_below


def residual_norm(mat: Any, vectors: np.ndarray, values: np.ndarray) -> float:
    if vectors.shape[1] == 0:
        return 0.0
    return float(np.linalg.norm(mat @ vectors - vectors * values, axis=0).max())
