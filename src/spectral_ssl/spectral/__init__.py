"""Eigensolvers for graph matrices: the K smallest non-trivial eigenpairs of L and the K largest
of G, with the cut (ties at the K-th eigenvalue) described.

    eigenspace   the result type (Eigenspace), tie tolerance, sign convention, shared helpers
    graph        laplacian_spectrum, adjacency_spectrum: pick dense or component-wise
    dense        whole-matrix eigh
    components   component-batched solver (union of the blocks' spectra)
    arpack       ARPACK shift-invert and the LOBPCG fallback for one large component
"""

from .eigenspace import DENSE_HARD_MAX_NODES, DENSE_MAX_NODES, TIE_RTOL, Eigenspace, Solver
from .graph import adjacency_spectrum, laplacian_spectrum

__all__ = [
    "DENSE_HARD_MAX_NODES",
    "DENSE_MAX_NODES",
    "TIE_RTOL",
    "Eigenspace",
    "Solver",
    "adjacency_spectrum",
    "laplacian_spectrum",
]
