"""Reference closed forms of the SSL losses (numpy in, numpy out, float64).

Notation of ``docs/theory.md``: G the N x N relation, D = diag(G 1), L = D - G,
H = I - 11^T / N, K the embedding width. Solutions are unique only up to an orthogonal O
(Z -> Z O) and, for VICReg, a mean. The eigensolvers live in :mod:`spectral_ssl.spectral`.

    results         FreeSolution, LinearSolution, ComponentStructure, ClosedForm
    free            free-Z optima (VICReg surrogate, spectral contrastive, components)
    linear          linear-regime optima Z = X W (LPP, spectral, CCA)
    baselines       Laplacian Eigenmaps, classical MDS
    regular_graph   C10: the three linear eigenproblems agree on a regular graph
    dispatch        compute(method, ...) by name (METHODS)
    artifact        the one .npz format (save_closed_form / load_closed_form)
"""

import scipy.sparse.linalg as sla  # noqa: F401  (tests patch sla.eigsh through this name)

from ..spectral import DENSE_MAX_NODES, Eigenspace, adjacency_spectrum, laplacian_spectrum
from .artifact import load_closed_form, save_closed_form
from .baselines import classical_mds, laplacian_eigenmaps
from .dispatch import EIGENPROBLEMS, METHODS, compute, twin_label
from .free import (
    barlow_twins_free_embedding,
    component_structure,
    free_rank_bound,
    hinge_diagonal_objective,
    hinge_diagonal_variances,
    spectral_contrastive_embedding,
    spectral_contrastive_solution,
    vicreg_embedding,
    vicreg_hinge_diagonal_solution,
    vicreg_solution,
)
from .linear import (
    cca_solution,
    cca_weights,
    lpp_solution,
    lpp_weights,
    spectral_contrastive_linear_solution,
    spectral_contrastive_weights,
)
from .regular_graph import regular_graph_check
from .results import ClosedForm, ComponentStructure, FreeSolution, LinearSolution

__all__ = [
    "DENSE_MAX_NODES",
    "EIGENPROBLEMS",
    "METHODS",
    "ClosedForm",
    "ComponentStructure",
    "Eigenspace",
    "FreeSolution",
    "LinearSolution",
    "adjacency_spectrum",
    "barlow_twins_free_embedding",
    "cca_solution",
    "cca_weights",
    "classical_mds",
    "component_structure",
    "compute",
    "free_rank_bound",
    "laplacian_eigenmaps",
    "laplacian_spectrum",
    "load_closed_form",
    "lpp_solution",
    "lpp_weights",
    "regular_graph_check",
    "save_closed_form",
    "spectral_contrastive_embedding",
    "spectral_contrastive_linear_solution",
    "spectral_contrastive_solution",
    "spectral_contrastive_weights",
    "twin_label",
    "hinge_diagonal_objective",
    "hinge_diagonal_variances",
    "vicreg_embedding",
    "vicreg_hinge_diagonal_solution",
    "vicreg_solution",
]
