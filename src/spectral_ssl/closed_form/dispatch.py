"""``compute(method, ...)``: one entry point over every closed form, by name (see METHODS)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ConfigError
from .baselines import classical_mds, laplacian_eigenmaps_with_spectrum
from .free import spectral_contrastive_solution, vicreg_solution
from .linear import (
    RANK_RCOND,
    as_features,
    cca_solution,
    lpp_solution,
    relative_gaps,
    spectral_contrastive_linear_solution,
)
from .results import ClosedForm, finite_or_none

METHODS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # method: (required hyperparameters, optional ones, regime: free / linear / features)
    "vicreg_sq": (("alpha", "gamma"), ("weights", "solver"), "free"),
    "vicreg_sq_linear": (("alpha", "gamma"), ("weights", "ridge"), "linear"),
    "spectral_contrastive": ((), ("weights", "solver"), "free"),
    "spectral_contrastive_linear": ((), ("weights", "ridge"), "linear"),
    "barlow_twins_linear": ((), ("weights", "ridge"), "linear"),
    "laplacian_eigenmaps": ((), ("weights", "solver"), "free"),
    "mds": ((), (), "features"),
}


# the linear twins' eigenproblems, as figures and tables name them
EIGENPROBLEMS = {
    "vicreg_sq_linear": "LPP",
    "barlow_twins_linear": "CCA",
    "spectral_contrastive_linear": "spectral",
}


def twin_label(name: str) -> str:
    """The ``method`` of a closed form's row in the tables: 'twin:lpp', 'twin:cca', ...,
    'twin:<name>' for the others."""
    return f"twin:{EIGENPROBLEMS[name].lower()}" if name in EIGENPROBLEMS else f"twin:{name}"


def compute(
    method: str,
    x: Any,
    edges: np.ndarray | None,
    n_nodes: int,
    k: int,
    **hp: Any,
) -> ClosedForm:
    """Closed form of ``method`` (a key of METHODS) with hyperparameters ``hp``.

    Free methods return ``embedding`` (N x K) and ignore x; linear ones return ``weights``
    (D x K); "mds" embeds x and ignores G. Besides the required hyperparameters, ``hp`` may
    hold ``weights`` (edge weights), ``solver`` (free methods) and ``ridge`` (linear methods).
    """
    if method not in METHODS:
        raise ConfigError(f"unknown closed-form method {method!r}; choose from {sorted(METHODS)}")
    required, optional, regime = METHODS[method]
    missing = [h for h in required if h not in hp]
    extra = sorted(set(hp) - set(required) - set(optional))
    if missing or extra:
        raise ConfigError(
            f"{method}: missing hyperparameters {missing}, unexpected {extra} "
            f"(accepted: {sorted(required + optional)})"
        )
    if regime != "free" and x is None:
        raise ConfigError(f"{method} needs the features x")
    if regime != "features" and edges is None:
        raise ConfigError(f"{method} needs the relation graph G (edges)")
    meta: dict[str, Any] = {"method": method, "k": int(k), "n_nodes": int(n_nodes)}
    meta.update({h: hp[h] for h in required})
    if method == "laplacian_eigenmaps":
        z, spec = laplacian_eigenmaps_with_spectrum(edges, n_nodes, k, **hp)
        meta.update(spec.cut_info())
        meta["next_eigenvalue"] = finite_or_none(meta["next_eigenvalue"])
        return ClosedForm(method, spec.values, k, embedding=z, metadata=meta)
    if regime == "free":
        fn = vicreg_solution if method == "vicreg_sq" else spectral_contrastive_solution
        sol = fn(edges, n_nodes, k, **hp)
        meta.update(sol.spectrum.cut_info(), scales=sol.scales.tolist(), minimum=sol.minimum)
        meta["next_eigenvalue"] = finite_or_none(meta["next_eigenvalue"])
        return ClosedForm(
            method, sol.eigenvalues, sol.predicted_rank, embedding=sol.embedding, metadata=meta
        )
    x = as_features(x, n_nodes)
    if regime == "features":
        z = classical_mds(x, k)
        eig = np.sum(z**2, axis=0)  # eigenvalues of H X X^T H
        rank = int(np.sum(eig > RANK_RCOND * eig.max()))
        return ClosedForm(method, eig, rank, embedding=z, metadata=meta)
    fns = {
        "vicreg_sq_linear": lpp_solution,
        "spectral_contrastive_linear": spectral_contrastive_linear_solution,
        "barlow_twins_linear": cca_solution,
    }
    lin = fns[method](x, edges, k, **hp)
    gaps = relative_gaps(lin.eigenvalues, lin.next_eigenvalue)
    meta.update(
        gaps_rel=[finite_or_none(g) for g in gaps],  # after each cut r = 1..K
        gap_rel=finite_or_none(gaps[-1]),  # (v_K - v_{K+1}) / v_K: is the K-cut well-posed?
        scales=lin.scales.tolist(),
        minimum=finite_or_none(lin.minimum),
        next_eigenvalue=finite_or_none(lin.next_eigenvalue),
        degenerate_cut=lin.degenerate_cut,
        rank_b=lin.rank_b,
        ridge=lin.ridge,
    )
    return ClosedForm(
        method, lin.eigenvalues, lin.predicted_rank, weights=lin.weights, metadata=meta
    )
