"""Free hinge VICReg against its diagonal solution (docs/theory.md 3.2; claims C2, C16).

For one trained free-Z hinge VICReg run on G:

- ``loss_at_diagonal``: ``losses.vicreg_loss`` (the run's alpha, beta, gamma, float64) at the
  diagonal solution Z = sqrt(N-1) U_K diag(s), s_k^2 = min(1, (alpha N / (4 gamma (N-1) l_k))^2),
  comparable with the run's ``final_loss``; ``diag_predicted_rank`` = #{s_k > 0}.
- ``surrogate_predicted_rank``: the squared surrogate's rank #{k <= K : l_k < alpha N /
  (gamma (N-1))} at the same alpha, gamma, G (docs/theory.md 3.1), read off the same eigenvalues,
  so C16 has its bound without a closed-form step.
- ``diag_angle_max_deg``: rank-aware, the largest principal angle between the r leading left
  singular vectors of the centred Z and the diagonal solution's column space, r = #{s_k > 0}
  (``subspaces.leading_angles``), so directions the diagonal solution switches off and a trained
  Z keeps at 1e-4 of s_1 do not read as 90 deg; ``diag_angle_all_deg``: the same against the
  whole numerical column space of Z (padded, ``experiments.compare_with_closed_form``). Where the
  K-th Laplacian eigenvalue is tied with the next (``diag_containing``) the reference is the
  whole eigenspace up to and including the cut and the angles measure containment.

One Laplacian eigenproblem per run (the same solver path as ``closed_form.vicreg_solution``);
computed for every free hinge VICReg run, whether or not its experiment has ``closed_form``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def diagonal_reference(sol: Any, edges: np.ndarray, n_nodes: int,
                       weights: np.ndarray | None) -> tuple[np.ndarray, bool]:
    """(basis, containing) of the diagonal solution's column space.

    Not containing: the columns of Z with s_k > 0 (an exact reference, padded angles). When the
    cut is degenerate and the cut's columns keep s > 0, the K columns are one arbitrary choice in
    a tied eigenspace: the basis is that whole eigenspace plus everything below it."""
    from .closed_form import laplacian_spectrum

    spec = sol.spectrum
    keep = sol.scales > 0
    if spec.degenerate_cut and keep[-1]:
        full = min(int(spec.n_below_cut) + int(spec.cut_multiplicity), n_nodes - 1)
        return laplacian_spectrum(edges, n_nodes, full, weights=weights).vectors, True
    return sol.embedding[:, keep], False


def hinge_diagonal_metrics(config: Any, result: Any, arrays: dict[str, np.ndarray],
                           edges: np.ndarray, weights: np.ndarray | None) -> dict[str, Any]:
    """The fields of the module docstring for one free hinge VICReg run."""
    import torch

    from .closed_form import vicreg_hinge_diagonal_solution
    from .experiments import compare_with_closed_form
    from .losses import vicreg_loss
    from .subspaces import leading_angles

    hp = result.hparams
    z_learned = arrays["z_views"]
    n = len(z_learned)
    alpha, gamma = float(hp["alpha"]), float(hp["gamma"])
    sol = vicreg_hinge_diagonal_solution(edges, n, config.k, alpha=alpha, gamma=gamma,
                                         weights=weights)  # fmt: skip
    with torch.no_grad():
        z = torch.as_tensor(sol.embedding, dtype=torch.float64)
        loss = float(vicreg_loss(z, edges, weights=weights, **hp))
    threshold = alpha * n / (gamma * (n - 1))
    basis, containing = diagonal_reference(sol, edges, n, weights)
    cmp = compare_with_closed_form(z_learned, basis, centre=True, containing=containing)
    rank = max(int(sol.predicted_rank), 1)
    lead = leading_angles(z_learned, basis, centre=True)[min(rank, config.k) - 1]
    return {
        "loss_at_diagonal": loss,
        "diag_predicted_rank": int(sol.predicted_rank),
        "surrogate_predicted_rank": int(np.sum(sol.eigenvalues < threshold)),
        "diag_angle_max_deg": float(lead),
        "diag_angle_all_deg": cmp["angle_max_deg"],
        "diag_containing": containing,
        "diag_rank": int(cmp["cf_rank"]),
    }
