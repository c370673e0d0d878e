"""Each claim's evaluator on small synthetic tables with known verdicts: SUPPORTED, NOT
SUPPORTED and INCONCLUSIVE (a claim must be able to fail), convergence and selection rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spectral_ssl.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, judge, with_spectral_rank
from spectral_ssl.claims.registry import CLAIMS

THR = {"alpha": 0.05, "angle_deg": 1.0, "loss_gap_rel": 1e-3, "sv_rel_error": 1e-2,
       "identity_rel": 1e-10, "probe_gap": 0.05, "exponent_tol": 0.35,
       "rank_rtol": 0.05}  # fmt: skip
SEEDS = range(5)
BY_ID = {c.id: c for c in CLAIMS}


def verdict(claim: str, tables: dict[str, list[dict]]) -> dict:
    frames = {k: with_spectral_rank(pd.DataFrame(v).assign(
        status=lambda t: t["status"] if "status" in t else "ok"), THR["rank_rtol"])
        for k, v in tables.items()}  # fmt: skip
    return judge(BY_ID[claim], frames, THR)


def run(**kw) -> dict:
    base = {"data": "d", "relation": "r", "model": "free", "hparams": "default", "k": 4,
            "run_dir": f"runs/{kw.get('method', 'm')}/{kw.get('hparams', 'default')}/"
                       f"seed{kw.get('seed', 0)}"}  # fmt: skip
    return {**base, **kw}


# ---------------------------------------------------------------- identities (exact rule)
@pytest.mark.parametrize("value,expected", [(1e-15, SUPPORTED), (1e-6, NOT_SUPPORTED)])
def test_identity_exact_rule(value, expected):
    rows = [{"claim": "C1", "quantity": "relative error of the Dirichlet identity",
             "value": value, "tolerance": 1e-10}]  # fmt: skip
    row = verdict("C1", {"identities": rows})
    assert row["verdict"] == expected
    assert "no interval needed" in row["test"] and "not applicable" in row["reason"]


def test_identity_without_judged_rows_is_inconclusive():
    rows = [{"claim": "C6", "quantity": "x (not invariant)", "value": 0.3, "tolerance": np.inf}]
    assert verdict("C6", {"identities": rows})["verdict"] == INCONCLUSIVE


# ---------------------------------------------------------------- closed forms (exact rule)
def _optimal(angles, converged=None, rank_bad=False):
    rows = []
    for s, a in enumerate(angles):
        r = run(method="vicreg_sq", seed=s, angle_max_deg=a, learned_rank=3 if rank_bad else 4,
                cf_rank=4, loss_gap_rel=1e-5, sv_rel_error=1e-4)
        if converged is not None:
            r["converged"] = converged[s]
        rows.append(r)
    return {"optimal": rows}


def test_c2_every_run_within_supports_one_counterexample_refutes():
    assert verdict("C2", _optimal([0.1, 0.2, 0.1]))["verdict"] == SUPPORTED
    # a mean well below 1 deg does not hide a counterexample
    row = verdict("C2", _optimal([0.1, 0.1, 0.1, 0.1, 5.0]))
    assert row["verdict"] == NOT_SUPPORTED and "4 of 5 runs" in row["reason"]
    assert verdict("C2", _optimal([0.1, 0.1], rank_bad=True))["verdict"] == NOT_SUPPORTED


def test_not_supported_never_rests_on_unconverged_runs():
    # the counterexample did not converge: it is counted and left out; the rest supports
    row = verdict("C2", _optimal([0.1, 0.1, 0.1, 5.0], converged=[True, True, True, False]))
    assert row["verdict"] == SUPPORTED
    assert (row["n_converged"], row["n_unconverged"], row["n_unrecorded"]) == (3, 1, 0)
    assert "unconverged runs: " in row["details"]


def test_mostly_unconverged_evidence_is_inconclusive():
    row = verdict("C2", _optimal([0.1, 5.0, 5.0, 5.0], converged=[True, False, False, False]))
    assert row["verdict"] == INCONCLUSIVE and "mostly unconverged" in row["reason"]
    row = verdict("C2", _optimal([5.0, 5.0], converged=["False", "false"]))  # csv strings
    assert row["verdict"] == INCONCLUSIVE and row["n_unconverged"] == 2


def test_convergence_not_recorded_is_said():
    row = verdict("C3", _optimal([0.1, 0.1]))
    assert row["verdict"] == SUPPORTED and row["n_unrecorded"] == 2
    assert "convergence not recorded for 2 run(s)" in row["reason"]


def test_c3_loss_below_the_minimum_fails():
    tables = _optimal([0.1, 0.1])
    tables["optimal"][1]["loss_gap_rel"] = -0.01
    assert verdict("C3", tables)["verdict"] == NOT_SUPPORTED


# ---------------------------------------------------------------- C4 trend
def _rank_sweep(slope: float, full_at_small: bool = True, noise: float = 0.0):
    rng = np.random.default_rng(0)
    rows = []
    for i, g in enumerate((0.01, 0.1, 1, 10, 100)):
        for s in SEEDS:
            rank = 8 if (i == 0 and full_at_small) or i > 0 else 6
            sv = {f"sv_rel_{j}": 1.0 if j <= rank else 1e-3 for j in range(1, 9)}
            rows.append(run(method="vicreg", gamma=g, alpha=25, seed=s, k=8,
                            hparams=f"gamma={g}", effective_rank=6 + slope * i
                            + noise * rng.normal(), **sv))  # fmt: skip
    return {"rank": rows}


def test_c4_trend_in_both_directions_and_flat():
    assert verdict("C4", _rank_sweep(-0.5))["verdict"] == SUPPORTED
    assert verdict("C4", _rank_sweep(+0.5))["verdict"] == NOT_SUPPORTED
    assert verdict("C4", _rank_sweep(0.0, noise=0.5))["verdict"] == INCONCLUSIVE
    row = verdict("C4", _rank_sweep(-0.5, full_at_small=False))
    assert row["verdict"] == NOT_SUPPORTED  # rank < k at the smallest gamma
    assert "Kendall" in row["test"] and "Holm" in row["test"]


# ---------------------------------------------------------------- C5 derived cells only
def _c5(rank: int, clique: bool = True, k: int = 16, method: str = "simclr"):
    c = 4
    stats = {"g_n_components": c, "g_degree_min": 9.0, "g_degree_max": 9.0,
             "g_n_nodes": 40 if clique else 41}  # fmt: skip
    sv = {f"sv_rel_{j}": 1.0 if j <= rank else 1e-3 for j in range(1, k + 1)}
    return {"rank": [run(method=method, tau=0.5, seed=s, k=k, hparams="tau=0.5", **stats, **sv)
                     for s in SEEDS]}  # fmt: skip


def test_c5_judged_only_on_cliques_with_k_above_components():
    assert verdict("C5", _c5(3))["verdict"] == SUPPORTED  # centred rank c - 1
    assert verdict("C5", _c5(6))["verdict"] == NOT_SUPPORTED
    row = verdict("C5", _c5(6, clique=False))  # not a union of cliques: reported only
    assert row["verdict"] == INCONCLUSIVE and "no cell where the bound is derived" in row["reason"]
    assert verdict("C5", _c5(6, k=4))["verdict"] == INCONCLUSIVE  # k <= components
    # BarlowTwins: uncentred <= c; a centred rank of exactly c cannot decide it
    assert verdict("C5", _c5(3, method="barlow_twins"))["verdict"] == SUPPORTED
    assert verdict("C5", _c5(4, method="barlow_twins"))["verdict"] == INCONCLUSIVE
    assert verdict("C5", _c5(6, method="barlow_twins"))["verdict"] == NOT_SUPPORTED


def test_c5_view_pair_kind_counts_as_cliques():
    tables = _c5(6, clique=False)
    for r in tables["rank"]:
        r["g_kind"] = "view_pairs"
    assert verdict("C5", tables)["verdict"] == NOT_SUPPORTED


# ---------------------------------------------------------------- C16 collapse criterion
def _c16(rank: int, loss: float | None, predicted: int = 6, k: int = 8, converged=None):
    rows = []
    for s in SEEDS:
        sv = {f"sv_rel_{j}": 1.0 if j <= rank else 1e-3 for j in range(1, k + 1)}
        extra = {} if loss is None else {"final_loss": loss, "loss_at_diagonal": 2.0,
                                         "cf_predicted_rank": predicted}  # fmt: skip
        if converged is not None:
            extra["converged"] = converged[s]
        rows.append(run(method="vicreg", gamma=100, alpha=25, seed=s, k=k, **sv, **extra))
    return {"rank": rows}


def test_c16_collapse_needs_rank_and_loss_below_the_references():
    assert verdict("C16", _c16(rank=3, loss=1.0))["verdict"] == SUPPORTED
    # rank equal to the surrogate's truncation: not collapse, whatever rank < k says
    assert verdict("C16", _c16(rank=6, loss=1.0))["verdict"] == NOT_SUPPORTED
    # rank below, but the loss is above the diagonal solution's: a stuck optimiser
    assert verdict("C16", _c16(rank=3, loss=3.0))["verdict"] == NOT_SUPPORTED
    row = verdict("C16", _c16(rank=3, loss=None))  # the old vacuous rule would say SUPPORTED
    assert row["verdict"] == INCONCLUSIVE and "loss_at_diagonal" in row["reason"]


def test_c16_bound_is_the_smaller_of_k_and_the_surrogate_rank():
    # the surrogate keeps more than k: the bound is k, rank k - 1 with a lower loss collapses
    assert verdict("C16", _c16(rank=7, loss=1.0, predicted=10))["verdict"] == SUPPORTED
    assert verdict("C16", _c16(rank=8, loss=1.0, predicted=10))["verdict"] == NOT_SUPPORTED
    # a loss equal to the diagonal solution's is not below it
    assert verdict("C16", _c16(rank=3, loss=2.0))["verdict"] == NOT_SUPPORTED


def test_c16_unconverged_collapse_does_not_count():
    # the collapsing runs are all unconverged: they cannot make the claim SUPPORTED
    row = verdict("C16", _c16(rank=3, loss=1.0, converged=[False] * len(SEEDS)))
    assert row["verdict"] == INCONCLUSIVE
    mostly = [True] + [False] * (len(SEEDS) - 1)  # mostly unconverged: INCONCLUSIVE either way
    assert verdict("C16", _c16(rank=3, loss=1.0, converged=mostly))["verdict"] == INCONCLUSIVE
    assert verdict("C16", _c16(rank=6, loss=1.0, converged=mostly))["verdict"] == INCONCLUSIVE


def test_c16_judges_only_the_largest_gamma_over_alpha():
    tables = _c16(rank=3, loss=1.0)
    kept = _c16(rank=8, loss=1.0)["rank"]
    for r in kept:  # at gamma/alpha = 8 > 4 every run keeps the full rank
        r.update(gamma=200, run_dir=r["run_dir"] + "-g200")
    tables["rank"] += kept
    assert verdict("C16", tables)["verdict"] == NOT_SUPPORTED


# ---------------------------------------------------------------- accuracy claims
def _acc(method, hp, seed, test, val=None, train=1.0, **kw):
    return run(method=method, hparams=hp, seed=seed, probe_test_accuracy=test,
               probe_train_accuracy=train, **({} if val is None else {"probe_val_accuracy": val}),
               **kw)  # fmt: skip


def _c11(acc: float, noise: float = 0.005, sup_per_seed: bool = False):
    rng = np.random.default_rng(3)
    rows = [_acc("simclr", "tau=0.5", s, acc + noise * rng.normal(), g_alignment_labels=1.0,
                 model="linear") for s in SEEDS]  # fmt: skip
    sup = [{"data": "d", "method": "supervised", "seed": s if sup_per_seed else 0,
            "probe_test_accuracy": 0.90} for s in (SEEDS if sup_per_seed else [0])]
    return {"alignment": rows + sup}


def test_c11_non_inferiority_both_ways_and_straddling():
    assert verdict("C11", _c11(0.89))["verdict"] == SUPPORTED
    assert verdict("C11", _c11(0.70))["verdict"] == NOT_SUPPORTED
    assert verdict("C11", _c11(0.85, noise=0.02))["verdict"] == INCONCLUSIVE  # at the margin
    row = verdict("C11", _c11(0.89, sup_per_seed=True))
    assert row["verdict"] == SUPPORTED and "paired on 5 seeds" in row["details"]


def test_selection_never_reads_the_test_accuracy():
    """C12-neurips, winners {BarlowTwins, VICReg gamma = 0.1} vs others {SimCLR, VICReg
    gamma = 10}. Validation picks BarlowTwins (val 0.60, test 0.50) and VICReg gamma = 10 (val
    0.90, test ~0.62): NOT SUPPORTED. Picking on the test accuracy would have compared gamma =
    0.1 (test 0.95) with SimCLR (~0.82) and said SUPPORTED."""
    rows = []
    for s in SEEDS:
        rows += [_acc("vicreg", "gamma=0.1", s, 0.95, val=0.50, gamma=0.1),
                 _acc("vicreg", "gamma=10", s, 0.60 + 0.01 * s, val=0.90, gamma=10),
                 _acc("simclr", "tau=0.5", s, 0.80 + 0.01 * s, val=0.70),
                 _acc("barlow_twins", "alpha=1", s, 0.50, val=0.60)]  # fmt: skip
    for r in rows:
        r["g_alignment_labels"] = 0.2
    row = verdict("C12-neurips", {"alignment": rows})
    assert row["verdict"] == NOT_SUPPORTED
    assert "probe_val_accuracy" in row["details"]
    # without a validation column the probe train accuracy selects, and the report says so
    for r in rows:
        r.pop("probe_val_accuracy")
        r["probe_train_accuracy"] = {"gamma=0.1": 1.0, "gamma=10": 0.9, "tau=0.5": 0.8,
                                     "alpha=1": 0.7}[r["hparams"]]  # fmt: skip
    row = verdict("C12-neurips", {"alignment": rows})
    assert "selected per seed on probe_train_accuracy" in row["details"]
    assert row["verdict"] == SUPPORTED  # train picks gamma = 0.1 (test 0.95) vs gamma = 10


def test_probe_val_accuracy_is_the_selection_column_when_present():
    """C12-neurips, winners {BarlowTwins, VICReg gamma = 0.1} vs others {SimCLR, VICReg
    gamma = 10}, with train and validation accuracies ranking the cells in opposite orders.
    Validation present: it picks BarlowTwins (test 0.50) and gamma = 10 (test ~0.95): NOT
    SUPPORTED. The train accuracy (also present) would pick gamma = 0.1 (test ~0.98) and
    SimCLR (~0.62): SUPPORTED, which is what happens once the validation column is gone."""
    from spectral_ssl.claims.accuracy import selection_column

    rows = []
    for s in SEEDS:
        rows += [_acc("vicreg", "gamma=0.1", s, 0.98 - 0.001 * s, val=0.50, train=0.99, gamma=0.1),
                 _acc("vicreg", "gamma=10", s, 0.95 + 0.001 * s, val=0.90, train=0.60, gamma=10),
                 _acc("simclr", "tau=0.5", s, 0.60 + 0.01 * s, val=0.70, train=0.70),
                 _acc("barlow_twins", "alpha=1", s, 0.50, val=0.55, train=0.80)]  # fmt: skip
    for r in rows:
        r["g_alignment_labels"] = 0.2
    assert selection_column(pd.DataFrame(rows)) == "probe_val_accuracy"
    row = verdict("C12-neurips", {"alignment": rows})
    assert "selected per seed on probe_val_accuracy" in row["details"]
    assert "probe_train_accuracy" not in row["details"]
    assert row["verdict"] == NOT_SUPPORTED  # others' best = gamma = 10 (0.95) > barlow (0.50)
    for r in rows:
        r.pop("probe_val_accuracy")
    assert selection_column(pd.DataFrame(rows)) == "probe_train_accuracy"
    assert verdict("C12-neurips", {"alignment": rows})["verdict"] == SUPPORTED


def _c12(margin: float, noise: float = 0.005):
    rng = np.random.default_rng(4)
    rows = []
    for s in SEEDS:
        base = 0.6 + 0.05 * rng.normal()  # a data draw moves every method: pairing removes it
        rows += [_acc("vicreg", f"gamma={g}", s, base + margin + noise * rng.normal(), gamma=g,
                      val=0.5) for g in (0.1, 100)]  # fmt: skip
        rows += [_acc(m, "x", s, base + noise * rng.normal(), val=0.5)
                 for m in ("simclr", "barlow_twins")]  # fmt: skip
    for r in rows:
        r["g_alignment_labels"] = 0.2
    return {"alignment": rows}


def test_c12_arxiv_paired_bound_both_ways_and_straddling():
    assert verdict("C12-arxiv", _c12(0.05))["verdict"] == SUPPORTED
    assert verdict("C12-arxiv", _c12(-0.05))["verdict"] == NOT_SUPPORTED
    assert verdict("C12-arxiv", _c12(0.0, noise=0.03))["verdict"] == INCONCLUSIVE


def _c13(slope: float, noise: float = 0.0):
    rng = np.random.default_rng(5)
    rows = [_acc("vicreg", f"gamma={g}", s, 0.5 + slope * i + noise * rng.normal(), gamma=g,
                 n_samples=8, k=32, relation="view_pairs", model="mlp")
            for i, g in enumerate((0.1, 1, 10, 100)) for s in SEEDS]  # fmt: skip
    return {"low_data": rows}


def test_c13_arxiv_trend_both_ways_and_flat():
    assert verdict("C13-arxiv", _c13(0.05))["verdict"] == SUPPORTED
    assert verdict("C13-arxiv", _c13(-0.05))["verdict"] == NOT_SUPPORTED
    assert verdict("C13-arxiv", _c13(0.0, noise=0.05))["verdict"] == INCONCLUSIVE


def _c14(diff: float, noise: float = 0.005):
    rng = np.random.default_rng(6)
    rows = [_acc("vicreg", f"gamma={g}", s, 0.9 + diff + noise * rng.normal(), gamma=g,
                 model="linear") for g in (0.01, 1) for s in SEEDS]  # fmt: skip
    rows.append({"data": "d", "method": "whitened", "seed": 0, "probe_test_accuracy": 0.9})
    return {"alignment": rows}


def test_c14_tost_both_ways_and_straddling():
    assert verdict("C14", _c14(0.0))["verdict"] == SUPPORTED
    assert verdict("C14", _c14(-0.2))["verdict"] == NOT_SUPPORTED
    assert verdict("C14", _c14(-0.05, noise=0.03))["verdict"] == INCONCLUSIVE


# ---------------------------------------------------------------- C17 slope TOST
def _cost(simclr_exponent: float, noise: float = 0.02):
    rng = np.random.default_rng(7)
    expo = {"simclr": (simclr_exponent, 1.0), "vicreg": (1.0, 2.0), "barlow_twins": (1.0, 2.0)}
    rows = []
    for method, (en, ek) in expo.items():
        for vary, values in (("n", (512, 1024, 2048, 4096)), ("k", (16, 32, 64, 128))):
            for v in values:
                n, k = (v, 64) if vary == "n" else (2048, v)
                for rep in range(3):
                    t = 1e-3 * n**en * k**ek * np.exp(noise * rng.normal())
                    rows.append({"method": method, "n": n, "k": k, "vary": vary, "repeat": rep,
                                 "time_ms": t})  # fmt: skip
    return {"cost": rows}


def test_c17_slope_tost_both_ways_and_straddling():
    assert verdict("C17", _cost(2.0))["verdict"] == SUPPORTED
    assert verdict("C17", _cost(1.0))["verdict"] == NOT_SUPPORTED
    assert verdict("C17", _cost(1.65, noise=0.5))["verdict"] == INCONCLUSIVE


def test_a_cell_with_only_unconverged_runs_blocks_every_group():
    tables = _optimal([0.1, 0.1, 0.1])
    tables["optimal"] += [run(method="vicreg_sq", relation="other", seed=s, angle_max_deg=9.0,
                              learned_rank=4, cf_rank=4, converged=False) for s in range(2)]
    row = verdict("C2", tables)
    assert row["verdict"] == INCONCLUSIVE and "only unconverged runs" in row["reason"]


def _c19(shift: float, noise: float = 0.005, simclr_gap: float = 0.01):
    """nnclr runs whose G_t neighbour-edge alignment moves by ``shift`` during training."""
    rng = np.random.default_rng(6)
    rows = []
    for s in SEEDS:
        first = 0.8 + 0.05 * rng.normal()
        for tau, val in ((0.2, 0.4), (0.5, 0.6)):  # the tau = 0.5 cell wins on validation
            last = first + (shift if tau == 0.5 else -0.2) + noise * rng.normal()
            rows.append(_acc("nnclr", f"m=1_tau={tau}", s, 0.7 + simclr_gap, val=val, tau=tau,
                             model="mlp", nnclr_nn_alignment_first=first,
                             nnclr_nn_alignment_last=last, nnclr_alignment_first=first,
                             nnclr_alignment_last=last))  # fmt: skip
        rows.append(_acc("simclr", "tau=0.5", s, 0.7 + 0.01 * rng.normal(), val=0.5, tau=0.5,
                         model="mlp"))  # fmt: skip
    return {"nnclr": rows}


def test_c19_alignment_change_both_ways_and_straddling():
    row = verdict("C19", _c19(0.1))
    assert row["verdict"] == SUPPORTED
    assert "nnclr - simclr" in row["details"] and "m=1_tau=0.5 x5" in row["details"]
    assert verdict("C19", _c19(-0.1))["verdict"] == NOT_SUPPORTED
    assert verdict("C19", _c19(0.0, noise=0.05))["verdict"] == INCONCLUSIVE


def test_c19_without_a_g_t_record_is_inconclusive():
    rows = [r for r in _c19(0.1)["nnclr"] if r["method"] == "simclr"]
    row = verdict("C19", {"nnclr": rows})
    assert row["verdict"] == INCONCLUSIVE and "records its G_t" in row["reason"]
    assert verdict("C19", {})["verdict"] == INCONCLUSIVE
