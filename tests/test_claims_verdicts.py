"""Each claim's evaluator on small synthetic tables with known verdicts: SUPPORTED, NOT
SUPPORTED and INCONCLUSIVE (a claim must be able to fail), convergence and selection rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_claims import c9_columns

from spectral_ssl.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, judge
from spectral_ssl.claims.registry import CLAIMS
from spectral_ssl.claims.report import prepare_tables

THR = {"alpha": 0.05, "angle_deg": 1.0, "loss_gap_rel": 1e-3, "sv_rel_error": 1e-2,
       "identity_rel": 1e-10, "probe_gap": 0.05, "lead_share_min": 0.5,
       "rank_rtol": 0.05, "gap_rel_min": 0.01, "local_margin": 0.01}  # fmt: skip
SEEDS = range(5)
BY_ID = {c.id: c for c in CLAIMS}


def verdict(claim: str, tables: dict[str, list[dict]]) -> dict:
    frames = prepare_tables({k: pd.DataFrame(v).assign(
        status=lambda t: t["status"] if "status" in t else "ok") for k, v in tables.items()},
        THR)  # fmt: skip
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


def _c11(acc: float, noise: float = 0.005, model: str = "linear",
         method: str = "spectral_contrastive", angle: float = 1e-7, ratio: float = 1.1,
         converged=None, extra=()):  # fmt: skip
    """aligned.csv: one (data, model, method) group on label cliques vs its reference."""
    rng = np.random.default_rng(3)
    col = "probe_train_accuracy" if model == "free" else "probe_test_accuracy"
    ref_method = {"linear": "lda", "free": "class_indicators", "mlp": "supervised_mlp"}[model]
    rows, refs = [], []
    for s in SEEDS:
        value = 0.90 + 0.01 * s  # the reference varies by data seed; the runs track it
        r = run(method=method, hparams="default", seed=s, model=model, k=10,
                g_alignment_labels=1.0, probe_val_accuracy=0.8, sup_containment_deg=angle,
                probe_train_accuracy=1.0, probe_test_accuracy=np.nan if model == "free" else 0.0)
        r[col] = value + acc + noise * rng.normal()
        if converged is not None:
            r["converged"] = converged[s]
        rows.append(r)
        refs.append({"data": "d", "method": ref_method, "model": model, "seed": s,
                     "probe_train_accuracy": 1.0, "n_classes": 4, "class_size_ratio": ratio,
                     "lpp_lda_angle_deg": 1.2, "probe_test_accuracy": np.nan if model == "free"
                     else value} | ({col: value} if model == "free" else {}))  # fmt: skip
    return {"aligned": rows + refs + list(extra)}


def test_c11_tost_both_ways_and_straddling():
    assert verdict("C11", _c11(0.0))["verdict"] == SUPPORTED
    row = verdict("C11", _c11(-0.20))
    assert row["verdict"] == NOT_SUPPORTED and "paired on 5 seeds" in row["details"]
    assert verdict("C11", _c11(+0.20))["verdict"] == NOT_SUPPORTED  # equivalence, not "beats"
    assert verdict("C11", _c11(-0.05, noise=0.02))["verdict"] == INCONCLUSIVE  # at the margin


def test_c11_exact_angle_rule_where_the_optimum_contains_the_reference():
    # linear spectral contrastive contains LDA at any class sizes: a 10 deg angle refutes
    assert verdict("C11", _c11(0.0, angle=10.0))["verdict"] == NOT_SUPPORTED
    # linear vicreg_sq (LPP) equals LDA only at equal class sizes: context elsewhere
    row = verdict("C11", _c11(0.0, method="vicreg_sq", angle=10.0, ratio=1.1))
    assert row["verdict"] == SUPPORTED and "equal class sizes" in row["details"]
    assert verdict("C11", _c11(0.0, method="vicreg_sq", angle=10.0, ratio=1.0))["verdict"] \
        == NOT_SUPPORTED
    # simclr has no closed form: its angle decides nothing
    assert verdict("C11", _c11(0.0, method="simclr", angle=10.0))["verdict"] == SUPPORTED


def test_c11_free_z_reads_the_probe_train_accuracy():
    row = verdict("C11", _c11(0.0, model="free", method="vicreg_sq"))
    assert row["verdict"] == SUPPORTED and "probe_train_accuracy - class_indicators" \
        in row["details"]
    assert verdict("C11", _c11(-0.3, model="free", method="vicreg_sq"))["verdict"] \
        == NOT_SUPPORTED


def test_c11_selects_on_validation_and_counts_unconverged_runs():
    # a second cell with a high test accuracy but a low validation accuracy is never picked
    tempting = [run(method="spectral_contrastive", hparams="other", seed=s, model="linear",
                    k=10, g_alignment_labels=1.0, probe_val_accuracy=0.1,
                    probe_train_accuracy=1.0, probe_test_accuracy=0.5,
                    sup_containment_deg=1e-7) for s in SEEDS]  # fmt: skip
    row = verdict("C11", _c11(0.0, extra=tempting))
    assert row["verdict"] == SUPPORTED and "default x5" in row["details"]
    row = verdict("C11", _c11(-0.3, converged=[True, True, True, False, False]))
    assert row["n_unconverged"] == 2 and row["verdict"] == NOT_SUPPORTED
    mostly = [True] + [False] * 4
    assert verdict("C11", _c11(0.0, converged=mostly))["verdict"] == INCONCLUSIVE


def test_c11_a_grid_whose_better_cell_never_converged_is_not_judged():
    """The cell that would win on validation is unconverged in every seed: selecting over the
    converged rest would judge the method on a truncated grid, so the group is not judged
    (INCONCLUSIVE), not refuted by the worse cell."""
    stalled = [run(method="spectral_contrastive", hparams="other", seed=s, model="linear",
                   k=10, g_alignment_labels=1.0, probe_val_accuracy=0.99,
                   probe_train_accuracy=1.0, probe_test_accuracy=0.95, converged=False,
                   sup_containment_deg=1e-7) for s in SEEDS]  # fmt: skip
    row = verdict("C11", _c11(-0.3, extra=stalled))
    assert row["verdict"] == INCONCLUSIVE, row["reason"]
    assert "grid cell(s) other have no converged run" in row["reason"] + row["details"]
    # one converged seed of that cell puts it back in the grid: judged again
    stalled[0]["converged"] = True
    row = verdict("C11", _c11(-0.3, extra=stalled))
    assert "truncated grid" not in row["reason"] + row["details"]
    assert "selected cells" in row["details"]


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
    row = verdict("C12-neurips", {"misaligned_linear": rows})
    assert row["verdict"] == NOT_SUPPORTED
    assert "probe_val_accuracy" in row["details"]
    # without a validation column the probe train accuracy selects, and the report says so
    for r in rows:
        r.pop("probe_val_accuracy")
        r["probe_train_accuracy"] = {"gamma=0.1": 1.0, "gamma=10": 0.9, "tau=0.5": 0.8,
                                     "alpha=1": 0.7}[r["hparams"]]  # fmt: skip
    row = verdict("C12-neurips", {"misaligned_linear": rows})
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
    row = verdict("C12-neurips", {"misaligned_linear": rows})
    assert "selected per seed on probe_val_accuracy" in row["details"]
    assert "probe_train_accuracy" not in row["details"]
    assert row["verdict"] == NOT_SUPPORTED  # others' best = gamma = 10 (0.95) > barlow (0.50)
    for r in rows:
        r.pop("probe_val_accuracy")
    assert selection_column(pd.DataFrame(rows)) == "probe_train_accuracy"
    assert verdict("C12-neurips", {"misaligned_linear": rows})["verdict"] == SUPPORTED


def _c12(margin: float, noise: float = 0.005, grid: int = 2, table: str = "misaligned_linear"):
    """Nuisance G; VICReg gammas (0.1, 1, 10, 100): the lower half (0.1, 1) gets ``margin``
    over every other cell; each rival a grid of ``grid`` cells; validation = test + noise."""
    rng = np.random.default_rng(4)
    rows = []
    for s in SEEDS:
        base = 0.6 + 0.05 * rng.normal()  # a data draw moves every method: pairing removes it
        rows += [_acc("vicreg", f"gamma={g}", s, base + (margin if g < 10 else 0.0)
                      + noise * rng.normal(), gamma=g, val=0.5)
                 for g in (0.1, 1, 10, 100)]  # fmt: skip
        rows += [_acc(m, f"{hp}={v}", s, base + noise * rng.normal(), val=0.5)
                 for m, hp in (("simclr", "tau"), ("barlow_twins", "alpha"))
                 for v in (0.1, 0.2, 0.5, 1.0)[:grid]]  # fmt: skip
        rows += [_acc("spectral_contrastive", "default", s, base - 0.1, val=0.4)]
    for r in rows:
        r["g_alignment_labels"] = 0.2
        r["probe_val_accuracy"] = r["probe_test_accuracy"] + 0.01 * rng.normal()
    return {table: rows}


def test_c12_arxiv_paired_bound_both_ways_and_straddling():
    assert verdict("C12-arxiv", _c12(0.05))["verdict"] == SUPPORTED
    assert verdict("C12-arxiv", _c12(-0.05))["verdict"] == NOT_SUPPORTED
    assert verdict("C12-arxiv", _c12(0.0, noise=0.03))["verdict"] == INCONCLUSIVE
    # the MLP table is read too, and its groups judged the same way
    assert verdict("C12-arxiv", _c12(0.05, table="misaligned_mlp"))["verdict"] == SUPPORTED


def test_c12_untuned_rival_is_not_judged():
    """A rival with a one-cell grid is not beaten for lack of tuning: no contrast, no verdict."""
    row = verdict("C12-arxiv", _c12(0.05, grid=1))
    assert row["verdict"] == INCONCLUSIVE
    assert "without a tuned grid" in row["reason"] + row["details"]


def test_c12_neurips_both_ways_and_straddling():
    """Winners {BarlowTwins, VICReg 0.1 / 1} vs {SimCLR, spectral contrastive, VICReg 10 / 100}."""
    tables = _c12(0.05)
    assert verdict("C12-neurips", tables)["verdict"] == SUPPORTED
    for r in tables["misaligned_linear"]:  # SimCLR now best by 0.1: the rest wins
        if r["method"] == "simclr":
            r["probe_test_accuracy"] += 0.15
            r["probe_val_accuracy"] += 0.15
    assert verdict("C12-neurips", tables)["verdict"] == NOT_SUPPORTED
    assert verdict("C12-neurips", _c12(0.0, noise=0.03))["verdict"] == INCONCLUSIVE


def test_c12_unconverged_runs_are_not_read():
    tables = _c12(-0.05)
    for r in tables["misaligned_linear"]:
        r["converged"] = r["method"] != "vicreg"  # every VICReg run unconverged
    row = verdict("C12-arxiv", tables)
    assert row["verdict"] == INCONCLUSIVE and row["n_unconverged"] == 4 * len(SEEDS)


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


def _c14(diff: float, noise: float = 0.005, angle: float | None = None,
         per_run: bool = True) -> dict:
    """(a) K = D runs at gammas (0.01, 1), accuracy = whitened + ``diff``; (b) K < D runs
    with angle ``angle`` to the whitened bottom-K LPP subspace at gamma = 0.01."""
    rng = np.random.default_rng(6)
    rows = []
    for method in ("vicreg", "vicreg_sq"):
        for g in (0.01, 1):
            for s in SEEDS:
                ref = 0.9 + 0.02 * rng.normal()  # the whitened probe of draw s
                rows.append(_acc(method, f"gamma={g}", s, ref + diff + noise * rng.normal(),
                                 gamma=g, model="linear", k=32,
                                 **({"ref_whitened_test_accuracy": ref} if per_run else {})))
    if not per_run:
        rows.append({"data": "d", "method": "whitened", "seed": 0, "probe_test_accuracy": 0.9})
    tables = {"whitening": rows}
    if angle is not None:
        tables["whitening_subspace"] = [
            run(method=m, hparams=f"gamma={g}", seed=s, gamma=g, model="linear", k=8,
                angle_max_deg=(angle if g == 0.01 else 30.0) * (1 + 0.1 * s))
            for m in ("vicreg", "vicreg_sq") for g in (0.01, 1) for s in SEEDS]  # fmt: skip
    return tables


def test_c14_tost_both_ways_and_straddling():
    assert verdict("C14", _c14(0.0, angle=0.1))["verdict"] == SUPPORTED
    assert verdict("C14", _c14(-0.2, angle=0.1))["verdict"] == NOT_SUPPORTED
    assert verdict("C14", _c14(-0.05, noise=0.03, angle=0.1))["verdict"] == INCONCLUSIVE
    row = verdict("C14", _c14(0.0, angle=0.1, per_run=False))  # a fixed reference row works
    assert row["verdict"] == SUPPORTED and "reference fixed" in row["details"]


def test_c14_subspace_limit_exact_rule():
    """(b) only the smallest gamma is judged (the gamma = 1 runs sit at 30 deg)."""
    assert verdict("C14", _c14(0.0, angle=0.1))["verdict"] == SUPPORTED
    row = verdict("C14", _c14(0.0, angle=5.0))
    assert row["verdict"] == NOT_SUPPORTED and "(b)" in row["details"]
    tables = _c14(0.0, angle=5.0)
    for r in tables["whitening_subspace"]:
        r["converged"] = r["gamma"] != 0.01  # counterexamples unconverged: never read
    row = verdict("C14", tables)  # (a) holds; (b) has no converged run at 0.01: INCONCLUSIVE
    assert row["verdict"] == INCONCLUSIVE and row["n_unconverged"] == 2 * len(SEEDS)
    assert "no converged run at the smallest gamma" in row["details"]
    # without the K < D table the claim is not SUPPORTED on part (a) alone
    del tables["whitening_subspace"]
    assert verdict("C14", tables)["verdict"] == INCONCLUSIVE


# ---------------------------------------------------------------- C17 cost model
# (a, b, c, d) of t = a + b NK + c NK^2 + d N^2 K (ms): the leading term of each method
MODEL = {"simclr": (0.05, 1e-6, 0.0, 1e-8), "vicreg": (0.05, 1e-6, 2e-7, 0.0),
         "barlow_twins": (0.05, 1e-6, 2e-7, 0.0)}  # fmt: skip


def _cost(simclr: tuple[float, ...] = MODEL["simclr"], noise: float = 0.02, reps: int = 3):
    """Timings drawn from known cost models, multiplicative noise, independent repeats."""
    from spectral_ssl.claims.cost import design

    rng = np.random.default_rng(7)
    rows = []
    for method, coef in {**MODEL, "simclr": simclr}.items():
        for vary, values in (("n", (512, 1024, 2048, 4096)), ("k", (16, 32, 64, 128))):
            for v in values:
                n, k = (v, 64) if vary == "n" else (2048, v)
                for rep in range(reps):
                    t = float(design([n], [k])[0] @ np.array(coef)) * np.exp(noise * rng.normal())
                    rows.append({"method": method, "n": n, "k": k, "vary": vary, "repeat": rep,
                                 "time_ms": t})  # fmt: skip
    return {"cost": rows}


def test_cost_model_fit_recovers_known_coefficients():
    from spectral_ssl.claims.cost import TERMS, fit_cost_model

    rows = pd.DataFrame(_cost(noise=1e-3, reps=4)["cost"])
    for method, coef in MODEL.items():
        sub = rows[rows["method"] == method]
        fit = fit_cost_model(sub["n"], sub["k"], sub["time_ms"])
        for term, true in zip(TERMS, coef, strict=True):
            scale = max(abs(c) for c in coef[1:]) if term != "1" else coef[0]
            assert abs(fit.coef[term] - true) < 0.05 * max(abs(true), 0.1 * scale), (method, term)
        lead = "N^2K" if method == "simclr" else "NK^2"
        assert fit.share[lead] > 0.9 and sum(fit.share.values()) == pytest.approx(1.0)
        assert fit.p_positive(lead) < 1e-6
    exact = fit_cost_model([1, 2, 4, 8, 16], [1, 3, 2, 5, 4], [3.0] * 5)
    assert exact.coef["1"] == pytest.approx(3.0) and exact.dof == 1


def test_c17_cost_model_verdicts_each_way():
    assert verdict("C17", _cost())["verdict"] == SUPPORTED
    # SimCLR timed as if it grew as N K^2: the rival term dominates -> refuted
    wrong = verdict("C17", _cost(simclr=MODEL["vicreg"]))
    assert wrong["verdict"] == NOT_SUPPORTED and "simclr" in wrong["measured"]
    # the leading term is real but a lower-order term still dominates (pre-asymptotic sizes)
    early = verdict("C17", _cost(simclr=(0.05, 1e-4, 0.0, 1e-8)))
    assert early["verdict"] == INCONCLUSIVE, early["reason"]


def test_c17_too_few_sizes_is_no_fit():
    from spectral_ssl.claims.cost import fit_cost_model
    from spectral_ssl.claims.evidence import NoData

    with pytest.raises(NoData, match="distinct"):
        fit_cost_model([64, 128, 64], [8, 8, 8], [1.0, 2.0, 1.1])


# ---------------------------------------------------------------- C9 rank-aware CCA
def _c9(**kw):
    return {"linear": [
        {"data": "synthetic", "relation": "view_pairs", "model": "linear", "method": "barlow_twins",
         "hparams": f"alpha={a}", "k": 8, "seed": s, "converged": True, **c9_columns(**kw)}
        for a in (0.005, 1) for s in SEEDS]}  # fmt: skip


def test_c9_rank_aware_verdicts():
    full = verdict("C9", _c9())
    assert full["verdict"] == SUPPORTED
    # rank 3 < K, equal to the top-3 subspace: supported (the padded angle would read 90 deg)
    low = verdict("C9", _c9(rank=3))
    assert low["verdict"] == SUPPORTED and "10 run(s) with rank r < k" in low["reason"]
    assert verdict("C9", _c9(rank=3, equal=12.0))["verdict"] == NOT_SUPPORTED  # other subspace
    assert verdict("C9", _c9(contain=5.0, equal=5.0))["verdict"] == NOT_SUPPORTED
    flat = verdict("C9", _c9(contain=30.0, equal=30.0, gap=0.002))  # cut in a flat spectrum
    assert flat["verdict"] == INCONCLUSIVE and "no well-posed cell" in flat["reason"]


def test_a_cell_with_only_unconverged_runs_blocks_every_group():
    tables = _optimal([0.1, 0.1, 0.1])
    tables["optimal"] += [run(method="vicreg_sq", relation="other", seed=s, angle_max_deg=9.0,
                              learned_rank=4, cf_rank=4, converged=False) for s in range(2)]
    row = verdict("C2", tables)
    assert row["verdict"] == INCONCLUSIVE and "only unconverged runs" in row["reason"]


# ---------------------------------------------------------------- C20 dose-response trend
DOSE_CELLS = (("vicreg", {"alpha": 25, "beta": 25, "gamma": 0.1}),
              ("vicreg", {"alpha": 25, "beta": 25, "gamma": 10}),
              ("simclr", {"tau": 0.5}), ("barlow_twins", {"alpha": 0.005}),
              ("spectral_contrastive", {}))  # fmt: skip


def _dose(slopes: dict[str, float], noise: float = 0.0, **extra) -> dict:
    """dose.csv rows: accuracy = 0.9 + slope * p (+ noise) per method; vicreg's cells share
    the 'vicreg' slope unless 'vicreg small' / 'vicreg large' is given."""
    rng = np.random.default_rng(3)
    rows = []
    for p in (0.0, 0.25, 0.5, 0.75, 1.0):
        for method, hp in DOSE_CELLS:
            name = method
            if method == "vicreg":
                name = "vicreg small" if hp["gamma"] < 1 else "vicreg large"
            slope = slopes.get(name, slopes.get(method, -0.3))
            hparams = "_".join(f"{k}={v:g}" for k, v in sorted(hp.items())) or "default"
            for seed in SEEDS:
                acc = 0.9 + slope * p + noise * rng.normal()
                rows.append(run(method=method, model="linear", relation=f"dose_p{p:g}",
                                hparams=hparams, seed=seed, g_mix_p=p, probe_test_accuracy=acc,
                                probe_val_accuracy=acc, converged=True, **hp, **extra))
    return {"dose": rows}


def test_c20_trend_supported_refuted_and_inconclusive():
    assert verdict("C20", _dose({}))["verdict"] == SUPPORTED
    # one method whose accuracy rises with p refutes "every method falls" (Holm over methods)
    refuted = verdict("C20", _dose({"simclr": 0.2}, noise=0.01))
    assert refuted["verdict"] == NOT_SUPPORTED and "(simclr)" in refuted["measured"]
    # a flat, noisy method: no significant trend either way
    assert verdict("C20", _dose({"barlow_twins": 0.0}, noise=0.05))["verdict"] == INCONCLUSIVE


def test_c20_reports_which_method_degrades_least_without_judging_it():
    row = verdict("C20", _dose({"vicreg small": -0.05, "vicreg": -0.3, "spectral_contrastive":
                                -0.6}))  # fmt: skip
    assert row["verdict"] == SUPPORTED
    assert "degrades least (smallest mean drop): vicreg small gamma" in row["details"]
    assert "drop of vicreg small gamma - drop of spectral_contrastive, paired on 5 seeds: " \
        "-0.55" in row["details"]
    # the ranking does not decide the verdict: a larger drop of the predicted method still
    # gives SUPPORTED, and the report names the method that degrades least
    row = verdict("C20", _dose({"vicreg small": -0.6, "simclr": -0.1}))
    assert row["verdict"] == SUPPORTED
    assert "degrades least (smallest mean drop): simclr" in row["details"]


def test_c20_selects_on_validation_and_ignores_unconverged_runs():
    tables = _dose({})
    # a second simclr cell with a better test accuracy everywhere but a worse validation one,
    # rising with p: were it selected (on test), simclr would refute the claim
    for p in (0.0, 0.25, 0.5, 0.75, 1.0):
        for seed in SEEDS:
            tables["dose"].append(run(method="simclr", model="linear", relation=f"dose_p{p:g}",
                                      hparams="tau=0.2", tau=0.2, seed=seed, g_mix_p=p,
                                      probe_test_accuracy=0.95 + 0.04 * p,
                                      probe_val_accuracy=0.1, converged=True))  # fmt: skip
    # unconverged spectral contrastive runs that rise with p are counted, never read
    for p in (0.0, 0.5, 1.0):
        tables["dose"].append(run(method="spectral_contrastive", model="linear",
                                  relation=f"dose_p{p:g}", seed=7, g_mix_p=p,
                                  probe_test_accuracy=0.5 + 0.4 * p, probe_val_accuracy=1.0,
                                  converged=False))  # fmt: skip
    row = verdict("C20", tables)
    assert row["verdict"] == SUPPORTED
    assert row["n_unconverged"] == 3
    assert "selected cells tau=0.5 x25" in row["details"]


def test_c20_a_method_without_converged_runs_keeps_it_from_supported():
    tables = _dose({})
    for r in tables["dose"]:
        if r["method"] == "vicreg" and r["gamma"] < 1:
            r["converged"] = False
    row = verdict("C20", tables)
    assert row["verdict"] == INCONCLUSIVE
    assert "(vicreg small gamma): not judged (no converged run: 25 unconverged" in row["details"]
    assert row["n_unconverged"] == 25
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


def test_c19_with_every_nnclr_run_unconverged_says_so():
    rows = _c19(0.1)["nnclr"]
    for r in rows:
        r["converged"] = r["method"] == "simclr"  # simclr converged, every nnclr run not
    row = verdict("C19", {"nnclr": rows})
    assert row["verdict"] == INCONCLUSIVE
    assert "every nnclr run in nnclr.csv (10) is unconverged" in row["reason"], row["reason"]
