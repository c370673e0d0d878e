"""Every claim (C1-C17, C19): statement, metric, threshold, figure, how it is measured, evaluator.

The ``how`` text is the one-line operationalisation the report prints; the full rule is in the
docstring of the family module (identities, agreement, rank, accuracy, cost).
"""

from __future__ import annotations

from .accuracy import (
    eval_c11,
    eval_c12_arxiv,
    eval_c12_neurips,
    eval_c13_arxiv,
    eval_c13_neurips,
    eval_c14,
)
from .agreement import eval_c2, eval_c3, eval_c7, linear_angle_claim
from .cost import eval_c17
from .identities import identity_claim
from .neighbours import eval_c19
from .rank import eval_c4, eval_c5, eval_c16
from .verdicts import (
    Claim,
)

CLAIMS: tuple[Claim, ...] = (
    Claim(
        "C1", "derived", "sum_ij G_ij ||z_i - z_j||^2 = 2 tr(Z^T L Z)",
        "relative error of the Dirichlet identity (identities.csv)",
        "exact rule: relative error < {identity_rel:g}", "identities.csv",
        "identity rows of C1", identity_claim("C1"),
    ),
    Claim(
        "C2", "paper", "learned Z's top left singular vectors align with the closed form's",
        "angle_max_deg, learned vs closed form (optimal.csv)",
        "exact rule: every run < {angle_deg:g} deg and learned rank == closed-form rank (the "
        "predicted rank inside a tied eigenspace)", "angles_vs_step.png",
        "vicreg_sq and spectral_contrastive judged; vicreg, simclr, barlow_twins reported",
        eval_c2,
    ),
    Claim(
        "C3", "derived", "VICReg surrogate reaches the closed-form minimum and singular values",
        "|loss_gap_rel| and sv_rel_error of vicreg_sq (optimal.csv)",
        "exact rule: every run |loss_gap_rel| < {loss_gap_rel:g} and sv_rel_error < "
        "{sv_rel_error:g}", "singular_values.png",
        "vicreg_sq rows; value = the deciding group's largest value", eval_c3,
    ),
    Claim(
        "C4", "paper", "VICReg can be full rank: effective rank decreases with gamma",
        "Theil-Sen slope of effective_rank on gamma (Kendall tau), vicreg / vicreg_sq (rank.csv)",
        "decreasing at alpha = {alpha:g} (Holm) in every group and rank == k at the smallest "
        "gamma (s_i / s_1 > {rank_rtol:g})", "rank_vs_gamma.png",
        "per (data, relation, model, method); value = the deciding test's estimate", eval_c4,
    ),
    Claim(
        "C5", "paper",
        "G a union of c cliques, K > c: SimCLR centred rank <= c - 1, BarlowTwins uncentred <= c",
        "centred rank (s_i / s_1 > {rank_rtol:g}) - (g_n_components - 1) (optimal.csv, rank.csv)",
        "exact rule: <= 0 in every run of a derived cell (cliques, k > components)",
        "rank_vs_gamma.png", "free model, every tau and alpha; other cells reported", eval_c5,
    ),
    Claim(
        "C6", "paper", "right singular vectors unconstrained: loss unchanged under Z -> Z O",
        "relative change of each loss under a random rotation (identities.csv)",
        "exact rule: relative change < {identity_rel:g} (rotation-invariant losses)",
        "identities.csv", "identity rows of C6; non-invariant losses reported",
        identity_claim("C6"),
    ),
    Claim(
        "C7", "derived", "spectral contrastive: Z* Z*^T / N is the best rank-K approx. of G",
        "angle_max_deg and |loss_gap_rel| of spectral_contrastive (optimal.csv)",
        "exact rule: every run < {angle_deg:g} deg and |loss_gap_rel| < {loss_gap_rel:g}",
        "angles_vs_step.png", "free model; value = the deciding group's largest value", eval_c7,
    ),
    Claim(
        "C8", "derived", "linear VICReg spans the LPP subspace",
        "angle_max_deg of vicreg_sq, W vs LPP (linear.csv)",
        "exact rule: every run < {angle_deg:g} deg", "linear_angles.png",
        "vicreg_sq judged; hinge vicreg reported",
        linear_angle_claim("vicreg_sq", "LPP", extra=("vicreg",)),
    ),
    Claim(
        "C9", "derived", "linear BarlowTwins spans the top-K canonical subspace",
        "padded angle_max_deg of barlow_twins, W vs CCA (linear.csv)",
        "exact rule: every run < {angle_deg:g} deg", "linear_angles.png",
        "barlow_twins rows; the padded angle reads 90 deg for a rank-deficient W (rank-aware "
        "containment needs an unpadded angle column, not in the tables)",
        linear_angle_claim("barlow_twins", "CCA"),
    ),
    Claim(
        "C10", "derived", "regular G, centred X: the three eigenproblems share eigenvectors",
        "shared-eigenvector angle and rho relation error (identities.csv)",
        "exact rule: angles < {angle_deg:g} deg, other rows their tolerance", "identities.csv",
        "identity rows of C10", identity_claim("C10"),
    ),
    Claim(
        "C11", "paper", "aligned G: a probe on every method's Z reaches the supervised one",
        "probe_test_accuracy of the selected cell - supervised, per seed (alignment.csv, aligned "
        "relations)",
        "non-inferiority: lower bound (alpha = {alpha:g}) > -{probe_gap:g} in every group (Holm)",
        "accuracy_vs_gamma.png",
        "per (data, relation, model, method); cell selected per seed on validation / probe "
        "train accuracy", eval_c11,
    ),
    Claim(
        "C12-arxiv", "paper-arxiv", "misaligned G: VICReg (small gamma) beats SimCLR and BT",
        "paired per-seed accuracy difference: vicreg (lower half of gamma) - each rival's "
        "selected cell",
        "lower bound (alpha = {alpha:g}) > 0 for every rival and group (Holm)",
        "accuracy_vs_gamma.png",
        "misaligned relations, per (data, relation, model); paired on seeds", eval_c12_arxiv,
    ),
    Claim(
        "C12-neurips", "paper-neurips", "misaligned G: BT or VICReg (small gamma) beat the rest",
        "paired per-seed difference: selected BT / small-gamma vicreg cell - selected other cell",
        "lower bound (alpha = {alpha:g}) > 0 in every group (Holm)", "accuracy_vs_gamma.png",
        "misaligned relations, per (data, relation, model); paired on seeds", eval_c12_neurips,
    ),
    Claim(
        "C13-arxiv", "paper-arxiv", "low data (N' < K): VICReg accuracy increases with gamma",
        "Theil-Sen slope of probe_test_accuracy on gamma (Kendall tau), vicreg (low_data.csv)",
        "increasing at alpha = {alpha:g} in every group (Holm)", "low_data.png",
        "N' < k, per (data, N', relation, model)", eval_c13_arxiv,
    ),
    Claim(
        "C13-neurips", "paper-neurips", "low data (N' < K): SimCLR or VICReg (high gamma) best",
        "paired per-seed difference: selected simclr / large-gamma vicreg cell - selected other",
        "lower bound (alpha = {alpha:g}) > 0 in every group (Holm)", "low_data.png",
        "N' < k; paired on seeds", eval_c13_neurips,
    ),
    Claim(
        "C14", "derived", "gamma -> 0: linear VICReg's probe equals a probe on whitened X",
        "probe_test_accuracy at the smallest gamma - whitened reference, per seed",
        "TOST (alpha = {alpha:g}) inside +-{probe_gap:g} in every group (Holm)",
        "accuracy_vs_gamma.png",
        "linear model, alignment.csv (its gamma sweep); runs at the smallest gamma", eval_c14,
    ),
    Claim(
        "C15", "garrido",
        "duality identity exact; unit rows, columns of norm sqrt(N/M): L_nc - L_c = N - N^2/M",
        "identity errors (identities.csv)",
        "exact rule: relative error < {identity_rel:g}, other rows their tolerance",
        "identities.csv", "identity rows of C15", identity_claim("C15"),
    ),
    Claim(
        "C16", "derived", "hinge VICReg at large gamma/alpha may collapse dimensions",
        "collapse: rank (s_i / s_1 > {rank_rtol:g}) < min(k, surrogate's predicted rank) and "
        "final_loss < loss_at_diagonal, hinge vicreg at the largest gamma/alpha",
        "rule 'any': some converged run collapses", "rank_vs_gamma.png",
        "free model, rank.csv and optimal.csv; value = collapsing runs of the deciding group",
        eval_c16,
    ),
    Claim(
        "C17", "seed", "cost: SimCLR ~ N^2, VICReg and BarlowTwins ~ N K^2",
        "fitted log-log exponents of time_ms vs N and K (cost.csv)",
        "TOST: slope interval inside expected +-{exponent_tol:g} (alpha = {alpha:g}, Holm)",
        "cost.png",
        "least squares over all repeats (not independent runs); value = the deciding slope",
        eval_c17,
    ),
    Claim(
        "C19", "paper", "SimCLR and NNCLR differ only in G: NNCLR's G_t = view pairs u nearest "
        "neighbours in the current embedding, rebuilt during training",
        "alignment of G_t's neighbour edges with the labels, last - first refresh, per seed, "
        "selected nnclr cell (nnclr.csv); probe accuracy nnclr - simclr reported",
        "lower bound (alpha = {alpha:g}) > 0 in every (data, model) group (Holm)",
        "nnclr_alignment.png",
        "per (data, model), view-pairs G; cells selected per seed on validation", eval_c19,
    ),
)  # fmt: skip
