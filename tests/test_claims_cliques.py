"""C5, C2 and C16 on union-of-cliques cells (experiment `cliques`), known answers: table rows
computed from embeddings built by hand on a real clique graph with the project's own metric
functions (relation statistics, centred / uncentred spectra, leading angles to the indicators).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spectral_ssl.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, judge, with_spectral_rank
from spectral_ssl.claims.registry import CLAIMS
from spectral_ssl.evaluation import embedding_metrics
from spectral_ssl.experiments import uncentred_spectrum
from spectral_ssl.relations import is_union_of_cliques, label_graph, relation_stats
from spectral_ssl.subspaces import containment_angle, leading_angles

THR = {"alpha": 0.05, "angle_deg": 1.0, "loss_gap_rel": 1e-3, "sv_rel_error": 1e-2,
       "identity_rel": 1e-10, "probe_gap": 0.05, "exponent_tol": 0.35,
       "rank_rtol": 0.05}  # fmt: skip
BY_ID = {c.id: c for c in CLAIMS}
C, SIZE, K = 4, 10, 8  # 4 cliques of 10 rows, K = 8 > c
LABELS = np.repeat(np.arange(C), SIZE)
EDGES = label_graph(LABELS)
INDICATORS = (LABELS[:, None] == np.arange(C)[None, :]).astype(np.float64)


def verdict(claim: str, rows: list[dict]) -> dict:
    table = with_spectral_rank(pd.DataFrame(rows).assign(status="ok"), THR["rank_rtol"])
    return judge(BY_ID[claim], {"cliques": table}, THR)


def clique_row(z: np.ndarray, method: str, seed: int, converged: bool = True, **kw) -> dict:
    """One cliques.csv row for a free Z on EDGES, from the functions the pipeline uses."""
    stats = relation_stats(EDGES, len(LABELS), labels=LABELS)
    metrics = embedding_metrics(z, LABELS, val_seed=seed)
    theta = leading_angles(z, INDICATORS, centre=True)
    return {
        "data": "d", "relation": "label_cliques", "model": "free", "method": method,
        "hparams": kw.pop("hparams", "default"), "seed": seed, "converged": converged,
        "run_dir": f"runs/{method}/seed{seed}", **{f"g_{k}": v for k, v in stats.items()},
        **metrics, **uncentred_spectrum(z),
        **{f"ind_angle_{i + 1}": t for i, t in enumerate(theta)},
        "ind_contains_deg": containment_angle(INDICATORS, z, centre=True), **kw,
    }  # fmt: skip


def z_in_span(rank: int, seed: int, noise: float = 0.0) -> np.ndarray:
    """Z = indicators @ A (+ noise outside the span): `rank` distinct clique points, so
    centred rank rank - 1 (c points: c - 1, the bound)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(C, K))
    if rank < C:
        a[rank:] = a[0]  # rows merged: the first `rank` cliques stay distinct
    return INDICATORS @ a + noise * rng.normal(size=(len(LABELS), K))


def z_full(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(len(LABELS), K))


def test_graph_is_a_certified_union_of_cliques():
    assert is_union_of_cliques(EDGES, len(LABELS))
    assert not is_union_of_cliques(label_graph(LABELS, positives_per_row=2), len(LABELS))


@pytest.mark.parametrize("method", ["simclr", "barlow_twins"])
def test_c5_rank_c_minus_1_supported_rank_above_c_refuted(method):
    ok = [clique_row(z_in_span(C, s), method, s) for s in range(3)]
    assert verdict("C5", ok)["verdict"] == SUPPORTED  # centred rank c - 1 = 3
    bad = ok + [clique_row(z_full(9), method, 9)]  # rank K = 8 > c
    assert verdict("C5", bad)["verdict"] == NOT_SUPPORTED


def test_c5_barlow_twins_reads_the_uncentred_rank():
    # uncentred rank c = 4 (centred c - 1 = 3 plus the mean): inside the bound
    rows = [clique_row(z_in_span(C, s) + 1.0, "barlow_twins", s) for s in range(3)]
    assert (with_spectral_rank(pd.DataFrame(rows), 0.05)["uncentred_spectral_rank"] <= C).all()
    assert verdict("C5", rows)["verdict"] == SUPPORTED
    rows = [clique_row(z_in_span(C, s, noise=0.3), "barlow_twins", s) for s in range(3)]
    assert verdict("C5", rows)["verdict"] == NOT_SUPPORTED  # noise: uncentred rank K > c


def test_c5_unconverged_is_inconclusive_and_contrast_must_keep_k():
    rows = [clique_row(z_full(s), "simclr", s, converged=False) for s in range(3)]
    assert verdict("C5", rows)["verdict"] == INCONCLUSIVE
    ok = [clique_row(z_in_span(C, s), "simclr", s) for s in range(3)]
    full = [clique_row(z_full(s), "vicreg_sq", s, gamma=0.01, alpha=25.0) for s in range(3)]
    assert verdict("C5", ok + full)["verdict"] == SUPPORTED
    short = [clique_row(z_in_span(C, s), "vicreg_sq", s, gamma=0.01, alpha=25.0)
             for s in range(3)]  # fmt: skip
    assert verdict("C5", ok + short)["verdict"] == NOT_SUPPORTED  # the contrast fails


def test_c5_contrast_is_the_smallest_gamma_of_the_grid_even_when_it_is_unconverged():
    ok = [clique_row(z_in_span(C, s), "simclr", s) for s in range(3)]
    # gamma 0.01 never converged; gamma 100 converged at rank c - 1: the contrast is about the
    # smallest gamma, so it is not judged (INCONCLUSIVE), never judged at gamma 100 instead
    small = [clique_row(z_full(s), "vicreg", s, converged=False, gamma=0.01, alpha=25.0,
                        beta=25.0, hparams="g0.01") for s in range(3)]  # fmt: skip
    large = [clique_row(z_in_span(C, s), "vicreg", s, gamma=100.0, alpha=25.0, beta=25.0,
                        hparams="g100") for s in range(3)]  # fmt: skip
    row = verdict("C5", ok + small + large)
    assert row["verdict"] == INCONCLUSIVE, row["reason"]
    assert "smallest gamma 0.01" in row["details"] and "not judged" in row["details"]


def test_c2_indicator_span_rank_aware():
    # small noise outside the span: trailing directions at 1e-4 do not count (rank-aware)
    ok = [clique_row(z_in_span(C, s, noise=1e-5), "simclr", s) for s in range(3)]
    assert verdict("C2", ok)["verdict"] == SUPPORTED
    tilted = [clique_row(z_in_span(C, s, noise=0.3), "simclr", s) for s in range(3)]
    assert verdict("C2", tilted)["verdict"] == NOT_SUPPORTED
    unconv = [clique_row(z_in_span(C, s, noise=0.3), "simclr", s, converged=False)
              for s in range(3)]  # fmt: skip
    assert verdict("C2", unconv)["verdict"] == INCONCLUSIVE


def test_c2_keeps_the_indicator_span_even_with_extra_directions_and_any_column_scale():
    # K > c: the span of the indicators plus directions beyond it keeps G's top eigenspace
    # (C2 holds) while breaking C5's rank bound; rescaling columns (BarlowTwins' loss does not
    # see it) changes neither verdict
    rng = np.random.default_rng(5)
    rows = []
    for s in range(3):
        z = z_in_span(C, s)
        z[:, C:] = rng.normal(size=(len(LABELS), K - C))  # extra directions in the last columns
        z = z * rng.uniform(0.1, 10.0, size=K)
        rows.append(clique_row(z, "barlow_twins", s))
    assert verdict("C2", rows)["verdict"] == SUPPORTED
    assert verdict("C5", rows)["verdict"] == NOT_SUPPORTED


def test_c2_with_more_cliques_than_k_asks_col_z_inside_the_indicator_span():
    """K < c - 1 (view pairs of many samples): the c - 1 tied indicator directions cannot fit
    in col(Z), so the test is the other containment, col(Z) inside their span; before, such
    cells read 90 deg whatever Z was."""
    c, size, k = 12, 5, 4
    labels = np.repeat(np.arange(c), size)
    indicators = (labels[:, None] == np.arange(c)[None, :]).astype(np.float64)
    edges = label_graph(labels)
    stats = relation_stats(edges, len(labels), labels=labels)

    def row(z: np.ndarray, s: int) -> dict:
        theta = leading_angles(z, indicators, centre=True)
        return {"data": "d", "relation": "view_pairs", "model": "free", "method": "simclr",
                "hparams": "default", "seed": s, "converged": True, "k": k,
                "run_dir": f"runs/simclr/seed{s}", **{f"g_{n}": v for n, v in stats.items()},
                **embedding_metrics(z, labels, val_seed=s), **uncentred_spectrum(z),
                **{f"ind_angle_{i + 1}": t for i, t in enumerate(theta)},
                "ind_contains_deg": containment_angle(indicators, z, centre=True)}  # fmt: skip

    rng = np.random.default_rng(3)
    inside = [indicators @ rng.normal(size=(c, k)) for _ in range(3)]
    rows = [row(z, s) for s, z in enumerate(inside)]
    assert all(r["ind_contains_deg"] == 90.0 for r in rows)  # the old reading: cannot fit
    assert verdict("C2", rows)["verdict"] == SUPPORTED
    noisy = [row(z + 0.3 * rng.normal(size=z.shape), s) for s, z in enumerate(inside)]
    assert verdict("C2", noisy)["verdict"] == NOT_SUPPORTED


def test_c2_hinge_judged_only_at_or_above_the_diagonal_loss():
    def hinge(angle: float, loss: float, s: int) -> dict:
        return clique_row(z_full(s), "vicreg", s, gamma=0.01, alpha=25.0, beta=25.0,
                          hparams="g", diag_angle_max_deg=angle, final_loss=loss,
                          loss_at_diagonal=10.0)  # fmt: skip

    assert verdict("C2", [hinge(0.1, 10.0, s) for s in range(3)])["verdict"] == SUPPORTED
    assert verdict("C2", [hinge(5.0, 10.0, s) for s in range(3)])["verdict"] == NOT_SUPPORTED
    below = verdict("C2", [hinge(5.0, 9.0, s) for s in range(3)])  # not the minimiser there
    assert below["verdict"] == INCONCLUSIVE


def test_c16_reads_the_runs_own_surrogate_rank():
    """Without a closed-form step (cf_predicted_rank absent) C16 uses surrogate_predicted_rank."""
    def top(z, loss, s):
        return clique_row(z, "vicreg", s, gamma=100.0, alpha=25.0, beta=25.0, final_loss=loss,
                          loss_at_diagonal=10.0, surrogate_predicted_rank=C - 1)  # fmt: skip

    collapsed = [top(z_in_span(2, s), 9.0, s) for s in range(3)]  # rank 2 < 3, loss below
    assert verdict("C16", collapsed)["verdict"] == SUPPORTED
    kept = [top(z_in_span(C, s), 9.0, s) for s in range(3)]  # rank 3 = the surrogate's
    assert verdict("C16", kept)["verdict"] == NOT_SUPPORTED
