"""Claims report on small synthetic metric tables with known verdicts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spectral_ssl.claims import (
    COLUMNS,
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    main_claims,
    mean_ci,
    read_thresholds,
    render_markdown,
    run_glob,
    version_support,
)
from spectral_ssl.errors import ConfigError

SEEDS = (0, 1, 2)
CONFIG = """\
claims:
  alpha: 0.05
  angle_deg: 1.0
  loss_gap_rel: 1.0e-3
  sv_rel_error: 1.0e-2
  identity_rel: 1.0e-10
  probe_gap: 0.05
  lead_share_min: 0.5
  rank_rtol: 0.05
  gap_rel_min: 0.01
  local_margin: 0.01
"""
RELATIONS = {  # name: (components, label alignment, nuisance alignment, mean degree)
    "view_pairs": (300, 1.0, 0.25, 1.0),
    "knn": (3, 0.93, 0.3, 10.0),
    "labels": (10, 1.0, 0.25, 10.0),
    "nuisance": (4, 0.25, 1.0, 10.0),
    "cliques": (10, 1.0, 0.25, 9.0),  # full label cliques: 10 classes of 10 samples
    "dose_p0": (4, 1.0, 0.25, 16.0), "dose_p50": (1, 0.62, 0.62, 16.0),
    "dose_p100": (1, 0.25, 1.0, 16.0),
}
CLIQUE_STATS = {"g_kind": "labels", "g_degree_min": 9.0, "g_degree_max": 9.0, "g_n_nodes": 100}


def _row(experiment: str, data: str, relation: str, model: str, method: str,
         hp: dict[str, float], seed: int, k: int, **metrics: float) -> dict:  # fmt: skip
    comps, a_lab, a_nui, deg = RELATIONS.get(relation, (np.nan,) * 4)
    hparams = "_".join(f"{n}={v:g}" for n, v in sorted(hp.items())) or "default"
    return {
        "experiment": experiment, "data": data, "dataset": data.split("-")[0],
        "n_samples": metrics.pop("n_samples", np.nan), "relation": relation, "model": model,
        "method": method, "hparams": hparams, "seed": seed, "k": k,
        "status": metrics.pop("status", "ok"), **hp,
        "g_n_edges": comps * 2 * deg, "g_n_components": comps, "g_alignment_labels": a_lab,
        "g_alignment_nuisance": a_nui, "g_degree_mean": deg,
        "run_dir": f"results/runs/{experiment}/{data}/{relation}/{model}/{method}/{hparams}/"
                   f"seed{seed}",
        "device": "cpu", **(CLIQUE_STATS if relation == "cliques" else {}), **metrics,
    }  # fmt: skip


def _failed(row: dict) -> dict:
    """The same run as failed: keys kept, metrics and relation statistics empty."""
    keep = ("experiment", "data", "dataset", "n_samples", "relation", "model", "method",
            "hparams", "alpha", "beta", "gamma", "tau", "seed", "k", "run_dir")  # fmt: skip
    return {**{k: row.get(k, np.nan) for k in keep}, "seed": 9, "status": "failed",
            "run_dir": row["run_dir"].replace("seed", "failed_seed")}  # fmt: skip


def optimal_rows(angle: float = 0.1, every: int = 100) -> tuple[list[dict], list[dict]]:
    """Free-Z runs and their trajectories; vicreg_sq / spectral end at ``angle`` degrees."""
    rows, traj = [], []
    angles = {"vicreg_sq": angle, "spectral_contrastive": angle, "vicreg": 12.0,
              "simclr": 3.0, "barlow_twins": 5.0}  # fmt: skip
    hps = {
        "vicreg_sq": {"alpha": 25, "gamma": 1},
        "vicreg": {"alpha": 25, "beta": 25, "gamma": 1},
        "simclr": {"tau": 0.5},
        "barlow_twins": {"alpha": 0.005},
        "spectral_contrastive": {},
    }
    rng = np.random.default_rng(0)
    for relation in ("view_pairs", "knn", "labels"):
        comps = RELATIONS[relation][0]
        for method, hp in hps.items():
            for seed in SEEDS:
                a = angles[method] * (1 + 0.05 * rng.random())
                rank = min(8, comps) if method in ("simclr", "barlow_twins") else 8
                sv = {f"sv_rel_{i}": (0.9 ** (i - 1) if i <= rank else 1e-9) for i in range(1, 9)}
                rows.append(_row(
                    "optimal", "swiss_roll", relation, "free", method, hp, seed, 8,
                    angle_max_deg=a, angle_mean_deg=a / 2, learned_rank=rank, cf_rank=rank,
                    cf_method="vicreg_sq" if method.startswith("vicreg") else "spectral",
                    cf_predicted_rank=rank, loss_gap_rel=2e-4 * (1 + seed), numerical_rank=rank,
                    sv_rel_error=3e-3, effective_rank=rank - 0.5, probe_test_accuracy=0.8, **sv,
                ))  # fmt: skip
                for step in range(0, 1501, every):
                    traj.append({**{k: rows[-1][k] for k in ("experiment", "data", "dataset",
                                 "relation", "model", "method", "hparams", "seed", "k", "status")},
                                 "step": step, "angle_max_deg": a + 40 * np.exp(-step / 200),
                                 "angle_mean_deg": (a + 40 * np.exp(-step / 200)) / 2})  # fmt: skip
    rows.append(_failed(rows[0]))
    return rows, traj


def c9_columns(rank: int = 8, k: int = 8, contain: float = 0.2, equal: float = 0.2,
               gap: float = 0.05) -> dict[str, float]:
    """The per-rank columns of ``rank_aware`` for a W of ``rank``: angles at that rank (90 deg
    above it, as noise directions read), relative gap ``gap`` after every cut."""
    out: dict[str, float] = {}
    for r in range(1, k + 1):
        out[f"w_sv_rel_{r}"] = 1.0 if r <= rank else 1e-3
        out[f"contain_deg_r{r}"] = contain if r <= rank else 90.0
        out[f"equal_deg_r{r}"] = equal if r <= rank else 90.0
        out[f"cf_gap_rel_r{r}"] = gap
    return {**out, "cf_gap_rel": gap}


def linear_rows(angle: float = 1e-4) -> list[dict]:
    rows = []
    spec = {"vicreg_sq": (angle, "vicreg_sq_linear"), "vicreg": (15.0, "vicreg_sq_linear"),
            "barlow_twins": (0.2, "barlow_twins_linear"),
            "spectral_contrastive": (0.05, "spectral_contrastive_linear")}  # fmt: skip
    for data in ("digits", "synthetic"):
        for method, (a, cf) in spec.items():
            hp = {"alpha": 25, "gamma": 1} if method.startswith("vicreg") else {}
            for seed in SEEDS:
                c9 = c9_columns(contain=angle, equal=angle) if method == "barlow_twins" else {}
                rows.append(_row("linear", data, "view_pairs", "linear", method, hp, seed, 8,
                                 angle_max_deg=a * (1 + 0.1 * seed), cf_method=cf,
                                 probe_test_accuracy=0.9, **c9))  # fmt: skip
        for ref, acc in (("supervised", 0.95), ("whitened", 0.93)):
            rows.append(_row("linear", data, "", "", ref, {}, 0, 8, probe_test_accuracy=acc))
    return rows


def _spectrum(rank: int, k: int) -> dict[str, float]:
    """sv_rel_1..k: ``rank`` values above claims.rank_rtol, then a small training tail."""
    return {f"sv_rel_{i}": (1.0 - 0.01 * (i - 1) if i <= rank else 1e-3) for i in range(1, k + 1)}


def rank_rows(simclr_clique_rank: int = 9, hinge_loss: float = 1.0) -> list[dict]:
    """Hinge VICReg gamma sweep (final_loss ``hinge_loss`` against a diagonal solution of 2.0),
    SimCLR / BarlowTwins on a sampled label graph and on full label cliques (c = 10, k = 32)."""
    rows = []
    gammas = (0.01, 0.1, 1, 10, 100)
    for i, gamma in enumerate(gammas):
        for seed in SEEDS:
            rows.append(_row("rank", "digits", "labels", "free", "vicreg",
                             {"alpha": 25, "beta": 25, "gamma": gamma}, seed, 32,
                             effective_rank=30 - 5 * i + 0.2 * seed,
                             numerical_rank=32 if i < 3 else 10 - i, cf_predicted_rank=10,
                             final_loss=hinge_loss, loss_at_diagonal=2.0,
                             **_spectrum(32 if i < 3 else 10 - i, 32)))  # fmt: skip
    for method, hps, rank in (("simclr", ("tau", (0.1, 0.5, 1.0)), simclr_clique_rank),
                              ("barlow_twins", ("alpha", (0.005, 0.1, 1.0)), 9)):  # fmt: skip
        for value in hps[1]:
            for seed in SEEDS:
                rows.append(_row("rank", "digits", "cliques", "free", method, {hps[0]: value},
                                 seed, 32, effective_rank=rank - 0.5, numerical_rank=rank,
                                 **_spectrum(rank, 32)))  # fmt: skip
    for tau in (0.1, 0.5, 1.0):
        for seed in SEEDS:
            rows.append(_row("rank", "digits", "labels", "free", "simclr", {"tau": tau}, seed, 32,
                             effective_rank=8 + tau, numerical_rank=10,
                             **_spectrum(10, 32)))  # fmt: skip
    for alpha in (0.005, 0.1, 1.0):
        for seed in SEEDS:
            rows.append(_row("rank", "digits", "labels", "free", "barlow_twins", {"alpha": alpha},
                             seed, 32, effective_rank=9 - alpha, numerical_rank=9,
                             **_spectrum(9, 32)))  # fmt: skip
    return rows


def alignment_rows(vicreg_small_wins: bool = True) -> list[dict]:
    """Aligned relation: every method near supervised; misaligned: VICReg small gamma wins."""
    rows = []
    rng = np.random.default_rng(1)
    for data in ("synthetic", "digits"):
        for relation in ("view_pairs", "nuisance"):
            aligned = relation == "view_pairs"
            for model in ("linear", "mlp"):
                accs = {
                    ("vicreg", g): (
                        0.93 if aligned else (0.9 if vicreg_small_wins else 0.4) - 0.1 * j
                    )
                    for j, g in enumerate((0.1, 1, 10, 100))
                }
                accs |= {
                    ("simclr", None): 0.92 if aligned else 0.5,
                    ("barlow_twins", None): 0.94 if aligned else 0.55,
                    ("spectral_contrastive", None): 0.93 if aligned else 0.45,
                }
                for (method, gamma), acc in accs.items():
                    hp = (
                        {"alpha": 25, "beta": 25, "gamma": gamma}
                        if gamma
                        else (
                            {"tau": 0.5}
                            if method == "simclr"
                            else {"alpha": 0.005}
                            if method == "barlow_twins"
                            else {}
                        )
                    )
                    for seed in SEEDS:
                        rows.append(_row("alignment", data, relation, model, method, hp, seed,
                                         16, probe_test_accuracy=acc + 0.005 * rng.normal(),
                                         probe_val_accuracy=acc + 0.01 * rng.normal(),
                                         probe_train_accuracy=1.0))  # fmt: skip
            for twin in ("twin:lpp", "twin:cca"):
                rows.append(_row("alignment", data, relation, "linear", twin, {}, 0, 16,
                                 probe_test_accuracy=0.9 if aligned else 0.5))  # fmt: skip
        rows.append(_row("alignment", data, "", "", "supervised", {}, 0, 16,
                         probe_test_accuracy=0.95))  # fmt: skip
        rows.append(_row("alignment", data, "", "", "whitened", {}, 0, 16,
                         probe_test_accuracy=0.92))  # fmt: skip
    rows.append(_failed(rows[5]))
    return rows


def aligned_rows(gap: float = 0.0) -> tuple[list[dict], list[dict]]:
    """aligned.csv (linear, free) and aligned_mlp.csv on label cliques: each method at ``gap``
    from its supervised reference (LDA / class indicators / cross-entropy MLP) of the seed."""
    rng = np.random.default_rng(2)
    free_lin, mlp = [], []
    refs = {"linear": "lda", "free": "class_indicators", "mlp": "supervised_mlp"}
    for data in ("synthetic-n600", "digits-n600"):
        for model, out in (("linear", free_lin), ("free", free_lin), ("mlp", mlp)):
            exp = "aligned_mlp" if model == "mlp" else "aligned"
            col = "probe_train_accuracy" if model == "free" else "probe_test_accuracy"
            for seed in SEEDS:
                ref = 1.0 if model == "free" else 0.9 + 0.01 * seed
                out.append(_row(exp, data, "", model, refs[model], {}, seed, 10, n_classes=4,
                                class_size_ratio=1.1, lpp_lda_angle_deg=1.2,
                                probe_train_accuracy=1.0, probe_val_accuracy=0.9,
                                probe_test_accuracy=np.nan if model == "free" else ref))
                for method in ("spectral_contrastive", "simclr"):
                    value = min(1.0, ref + gap + 0.003 * rng.normal())
                    m = {"probe_train_accuracy": 1.0, "probe_val_accuracy": 0.9,
                         "probe_test_accuracy": np.nan, col: value, "converged": True}
                    if model != "mlp":
                        m["sup_containment_deg"] = 1e-6
                    out.append(_row(exp, data, "cliques", model, method, {}, seed, 10, **m))
    free_lin.append(_failed(free_lin[2]))  # a simclr run
    return free_lin, mlp


def misaligned_rows(vicreg_small_wins: bool = True) -> dict[str, list[dict]]:
    """C12 tables (nuisance G): a grid of >= 2 cells per method; VICReg small gamma wins (or
    not), BarlowTwins beats SimCLR and spectral contrastive."""
    rng = np.random.default_rng(2)
    tables: dict[str, list[dict]] = {}
    cells = [("vicreg", {"alpha": 25, "beta": 25, "gamma": g},
              (0.9 if vicreg_small_wins else 0.4) - 0.1 * j)
             for j, g in enumerate((0.1, 1, 10, 100))]  # fmt: skip
    cells += [("simclr", {"tau": t}, 0.5 - 0.02 * j) for j, t in enumerate((0.1, 0.5))]
    cells += [("barlow_twins", {"alpha": a}, 0.55 - 0.02 * j) for j, a in enumerate((0.005, 0.5))]
    cells += [("spectral_contrastive", {}, 0.45)]
    for name, data, model, k in (("misaligned_linear", "synthetic-n300", "linear", 32),
                                 ("misaligned_linear_digits", "digits-n300", "linear", 64),
                                 ("misaligned_mlp", "synthetic-n300", "mlp", 32)):  # fmt: skip
        rows = tables.setdefault(name, [])
        for method, hp, acc in cells:
            for seed in SEEDS:
                rows.append(_row(name, data, "nuisance", model, method, hp, seed, k,
                                 probe_test_accuracy=acc + 0.005 * rng.normal(),
                                 probe_val_accuracy=acc + 0.005 * rng.normal(),
                                 probe_train_accuracy=1.0, converged=True))  # fmt: skip
    return tables


def whitening_rows() -> dict[str, list[dict]]:
    """C14 tables: K = D runs at the whitened probe's accuracy, K < D runs on the whitened
    bottom-K LPP subspace (angle 0.1 deg), gammas 0.001 / 0.01 / 0.1."""
    rng = np.random.default_rng(3)
    tables: dict[str, list[dict]] = {"whitening": [], "whitening_subspace": []}
    for name, k in (("whitening", 32), ("whitening_subspace", 8)):
        for method in ("vicreg", "vicreg_sq"):
            for g in (0.001, 0.01, 0.1):
                hp = {"alpha": 25, "gamma": g} | ({"beta": 25} if method == "vicreg" else {})
                for seed in SEEDS:
                    ref = 0.9 + 0.01 * rng.normal()
                    tables[name].append(_row(
                        name, "synthetic-n300", "view_pairs", "linear", method, hp, seed, k,
                        probe_test_accuracy=ref + 0.002 * rng.normal(),
                        ref_whitened_test_accuracy=ref, angle_max_deg=0.1, converged=True))
    return tables


def low_data_rows() -> list[dict]:
    rows = []
    for n in (8, 16, 64, 256):
        data = f"synthetic-n{n}"
        for j, gamma in enumerate((0.1, 1, 10, 100)):
            for seed in SEEDS:
                rows.append(_row("low_data", data, "view_pairs", "mlp", "vicreg",
                                 {"alpha": 25, "beta": 25, "gamma": gamma}, seed, 32, n_samples=n,
                                 probe_test_accuracy=0.5 + 0.05 * j + 0.1 * np.log10(n)
                                 + 0.01 * seed, probe_val_accuracy=0.5 + 0.05 * j,
                                 probe_train_accuracy=1.0))  # fmt: skip
        for method, hp, acc in (("simclr", {"tau": 0.5}, 0.6), ("barlow_twins", {"alpha": 0.005},
                                                                 0.55)):  # fmt: skip
            for seed in SEEDS:
                rows.append(
                    _row(
                        "low_data",
                        data,
                        "view_pairs",
                        "mlp",
                        method,
                        hp,
                        seed,
                        32,
                        n_samples=n,
                        probe_test_accuracy=acc + 0.1 * np.log10(n),
                        probe_val_accuracy=acc,
                        probe_train_accuracy=1.0,
                    )
                )
    return rows


def dose_rows() -> list[dict]:
    """C20: accuracy falls with p for every method (VICReg small gamma least)."""
    methods = (("vicreg", {"alpha": 25, "beta": 25, "gamma": 0.1}, 0.1),
               ("vicreg", {"alpha": 25, "beta": 25, "gamma": 10}, 0.3),
               ("simclr", {"tau": 0.5}, 0.4), ("barlow_twins", {"alpha": 0.005}, 0.3),
               ("spectral_contrastive", {}, 0.5))  # fmt: skip
    rows = []
    for p in (0.0, 0.5, 1.0):
        for method, hp, drop in methods:
            for seed in SEEDS:
                rows.append(_row("dose", "synthetic", f"dose_p{int(100 * p)}", "linear", method,
                                 hp, seed, 8, g_mix_p=p, probe_test_accuracy=0.9 - drop * p
                                 + 0.01 * seed, probe_val_accuracy=0.9 - drop * p,
                                 ref_twin_test_accuracy=0.92 - drop * p,
                                 converged=True))  # fmt: skip
    return rows


def cost_rows(simclr_wrong: bool = False) -> list[dict]:
    """Timings from known cost models (simclr_wrong: SimCLR timed as N K^2)."""
    rng = np.random.default_rng(2)
    nk2, n2k = (0.05, 1e-6, 2e-7, 0.0), (0.05, 1e-6, 0.0, 1e-8)
    model = {"simclr": nk2 if simclr_wrong else n2k, "vicreg": nk2, "barlow_twins": nk2}
    rows = []
    for method, (a, b, c, d) in model.items():
        for vary, values in (("n", (512, 1024, 2048, 4096)), ("k", (16, 32, 64, 128))):
            for v in values:
                n, k = (v, 64) if vary == "n" else (2048, v)
                for rep in range(1, 4):
                    t = (a + b * n * k + c * n * k**2 + d * n**2 * k) * (1 + 0.02 * rng.normal())
                    rows.append({"method": method, "n": n, "k": k, "vary": vary, "repeat": rep,
                                 "time_ms": t, "device": "cpu"})  # fmt: skip
    return rows


def identity_rows(c1_error: float = 3e-16) -> list[dict]:
    rel = "relative error of the Dirichlet identity"
    return [
        {"claim": "C1", "quantity": rel, "value": c1_error, "tolerance": 1e-10},
        {"claim": "C6", "quantity": "relative change of simclr under a random rotation",
         "value": 1e-16, "tolerance": 1e-10},
        {"claim": "C6", "quantity": "relative change of barlow_twins under a random rotation "
         "(not invariant)", "value": 0.3, "tolerance": np.inf},
        {"claim": "C10", "quantity": "max angle between shared eigenvectors (deg)",
         "value": 1e-7, "tolerance": 1e-6},
        {"claim": "C10", "quantity": "rho relation error", "value": 1e-12, "tolerance": 1e-6},
        {"claim": "C15", "quantity": "relative error of L_nc + sum col^4 = L_c + sum row^4",
         "value": 2e-16, "tolerance": 1e-10},
        {"claim": "C15", "quantity": "error of L_nc - L_c = N - N^2/M on a doubly normalised "
         "60 x 20 matrix",
         "value": 5e-13, "tolerance": 1e-8},
    ]  # fmt: skip


def global_local_rows() -> list[dict]:
    """C18: SimCLR more global than each VICReg cell, VICReg as local; references beside."""
    rng = np.random.default_rng(18)
    rows = []
    for seed in range(5):
        for method, hp, glob, local in (
            ("simclr", "tau=0.5", 0.8, 0.98), ("vicreg", "alpha=25_beta=25_gamma=10", 0.5, 0.985),
            ("vicreg_sq", "alpha=25_gamma=1", 0.55, 0.985), ("ref:isomap", "default", 0.9, 0.99),
        ):
            rows.append({"data": "swiss_roll", "relation": "knn", "model": "free",
                         "method": method, "hparams": hp, "seed": seed, "data_seed": seed, "k": 4,
                         "converged": None if method.startswith("ref:") else True,
                         "run_dir": f"runs/global_local/{method}/{hp}/seed{seed}",
                         "trustworthiness": local + 0.002 * rng.normal(),
                         "global_spearman": glob + 0.01 * rng.normal()})  # fmt: skip
    return rows


def nnclr_rows(aligning: bool = True) -> tuple[list[dict], list[dict]]:
    """C19: simclr and nnclr runs; nnclr's G_t gains (or loses) label alignment over 3 refreshes."""
    rows, trajectory = [], []
    for data in ("synthetic-n200", "digits-n200"):
        for seed in SEEDS:
            rows.append(_row("nnclr", data, "view_pairs", "mlp", "simclr", {"tau": 0.5}, seed, 16,
                             probe_test_accuracy=0.8, probe_val_accuracy=0.8,
                             converged=True))  # fmt: skip
            first = 0.6 + 0.01 * seed
            points = [first + (0.1 if aligning else -0.1) * i / 2 + 0.002 * seed * i
                      for i in range(3)]  # fmt: skip
            row = _row("nnclr", data, "view_pairs", "mlp", "nnclr",
                       {"m": 1, "refresh_every": 10, "tau": 0.5}, seed, 16,
                       probe_test_accuracy=0.82 + 0.01 * seed, probe_val_accuracy=0.8,
                       converged=True, nnclr_nn_alignment_first=points[0],
                       nnclr_nn_alignment_last=points[-1], nnclr_alignment_first=points[0],
                       nnclr_alignment_last=points[-1])  # fmt: skip
            rows.append(row)
            keys = {k: row[k] for k in ("experiment", "data", "model", "method", "hparams", "seed")}
            trajectory += [{**keys, "step": 10 * i, "graph_nn_alignment": a,
                            "graph_alignment": (a + 1) / 2, "graph_edges": 900 - i}
                           for i, a in enumerate(points)]  # fmt: skip
    return rows, trajectory


def write_tables(directory: Path, skip: tuple[str, ...] = (), **options: object) -> Path:
    """Write every synthetic table (except ``skip``) to ``directory``; return it."""
    directory.mkdir(parents=True, exist_ok=True)
    optimal, trajectory = optimal_rows(options.get("angle", 0.1), options.get("every", 100))
    tables = {
        "optimal": optimal, "optimal_trajectory": trajectory,
        "linear": linear_rows(options.get("linear_angle", 1e-4)),
        "rank": rank_rows(options.get("simclr_clique_rank", 9), options.get("hinge_loss", 1.0)),
        "alignment": alignment_rows(options.get("vicreg_small_wins", True)),
        "aligned": aligned_rows(options.get("aligned_gap", 0.0))[0],
        "aligned_mlp": aligned_rows(options.get("aligned_gap", 0.0))[1],
        **misaligned_rows(options.get("vicreg_small_wins", True)), **whitening_rows(),
        "low_data": low_data_rows(), "dose": dose_rows(),
        "cost": cost_rows(options.get("simclr_wrong", False)),
        "identities": identity_rows(options.get("c1_error", 3e-16)),
        "global_local": global_local_rows(),
    }  # fmt: skip
    tables["nnclr"], tables["nnclr_trajectory"] = nnclr_rows(options.get("nnclr_aligning", True))
    for name, rows in tables.items():
        if name not in skip:
            pd.DataFrame(rows).to_csv(directory / f"{name}.csv", index=False)
    return directory


def _report(tmp_path: Path, **kw: object) -> pd.DataFrame:
    metrics = write_tables(tmp_path / "metrics", **kw)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    return main_claims(metrics, config, tmp_path / "claims.md", tmp_path / "claims.csv")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    tmp = tmp_path_factory.mktemp("claims")
    return _report(tmp), tmp


def _verdicts(df: pd.DataFrame) -> dict[str, str]:
    return dict(zip(df["id"], df["verdict"], strict=True))


def test_every_claim_supported_on_consistent_tables(report: tuple[pd.DataFrame, Path]) -> None:
    df, _ = report
    ids = ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8", "C9", "C10", "C11", "C12-arxiv",
           "C12-neurips", "C13-arxiv", "C13-neurips", "C14", "C15", "C16", "C17",
           "C18", "C19", "C20"]  # fmt: skip
    assert list(df["id"]) == ids
    verdicts = _verdicts(df)
    expected = dict.fromkeys(ids, SUPPORTED)
    # neurips C13: SimCLR is not best here (VICReg large gamma is); VICReg at gamma=100 wins.
    assert verdicts == expected, df.loc[df["verdict"] != SUPPORTED, ["id", "reason"]]


def test_csv_and_markdown(report: tuple[pd.DataFrame, Path]) -> None:
    df, tmp = report
    csv = pd.read_csv(tmp / "claims.csv")
    assert list(csv.columns) == list(COLUMNS)
    assert len(csv) == len(df)
    md = (tmp / "claims.md").read_text()
    assert ("| id | tag | verdict | interval | threshold | converged | unconverged | "
            "not recorded | failed | figure |") in md
    assert "- Test: " in md and "- Interval the verdict reads: " in md
    assert "### C17 [seed]" in md and "C12: the data support" in md
    row = df.set_index("id").loc["C2"]
    assert row["tag"] == "[paper]" and row["figure"] == "angles_vs_step.png"
    assert row["threshold"].startswith(
        "exact rule: every run < 1 deg; surrogates: learned rank == closed-form rank"
    )
    # the exact rule reads the largest angle of the deciding group: [-inf, max]
    assert row["value"] == pytest.approx(0.1, rel=0.06) and row["ci95_low"] < row["value"]
    assert row["ci95_high"] == row["value"] and "all_below" in row["test"]
    c16 = df.set_index("id").loc["C16"]
    # the largest gamma/alpha: 3 rank.csv runs (judged) + 9 optimal.csv runs (lack the loss
    # of the diagonal solution: not judged)
    assert c16["n"] == 12 and "collapsing runs 3" in c16["reason"]
    assert df.set_index("id").loc["C14", "n"] == 12  # smallest gamma of each group


def test_failed_runs_counted_and_reported(report: tuple[pd.DataFrame, Path]) -> None:
    df, tmp = report
    row = df.set_index("id").loc["C2"]
    assert row["n"] == 18 and row["n_failed"] == 1  # 2 methods x 3 relations x 3 seeds + 1
    assert "1 failed run" in row["reason"] and "failed_seed0" in row["details"]
    assert df.set_index("id").loc["C11", "n_failed"] == 1  # failed run on label cliques
    assert df.set_index("id").loc["C4", "n_failed"] == 0
    assert "failed runs: " in (tmp / "claims.md").read_text()


def test_disagreeing_tables_not_supported(tmp_path: Path) -> None:
    df = _report(tmp_path, angle=10.0, linear_angle=10.0, vicreg_small_wins=False,
                 simclr_wrong=True, c1_error=1e-6, aligned_gap=-0.2,
                 nnclr_aligning=False)  # fmt: skip
    verdicts = _verdicts(df)
    for claim in ("C1", "C2", "C7", "C8", "C11", "C12-arxiv", "C17", "C19"):
        assert verdicts[claim] == NOT_SUPPORTED, claim
    assert verdicts["C3"] == SUPPORTED  # loss and singular values still match
    assert verdicts["C12-neurips"] == SUPPORTED  # BarlowTwins is best on the misaligned G
    assert verdicts["C6"] == SUPPORTED  # the non-invariant losses are reported, not judged
    assert "C12: the data support the neurips version only" in (tmp_path / "claims.md").read_text()
    c17 = df.set_index("id").loc["C17"]
    # the deciding (refuting) fit is simclr's: its N^2 K coefficient ~ 0, N K^2 dominates
    assert c17["measured"].startswith("simclr (leading term N^2K)")
    assert abs(c17["value"]) < 1e-9 and "NK^2 0.9" in c17["details"]


def test_missing_tables_inconclusive(tmp_path: Path) -> None:
    metrics = write_tables(tmp_path / "metrics", skip=("optimal", "identities", "cost"))
    linear = pd.read_csv(metrics / "linear.csv")
    linear.loc[linear["method"] == "barlow_twins", "status"] = "failed"  # every C9 run failed
    linear.to_csv(metrics / "linear.csv", index=False)
    (tmp_path / "config.yaml").write_text(CONFIG)
    df = main_claims(metrics, tmp_path / "config.yaml", tmp_path / "c.md", tmp_path / "c.csv")
    rows = df.set_index("id")
    assert rows.loc["C9", "verdict"] == INCONCLUSIVE
    assert rows.loc["C9", "n"] == 0 and rows.loc["C9", "n_failed"] == 6
    assert "no usable run" in rows.loc["C9", "reason"]
    for claim in ("C1", "C2", "C3", "C6", "C7", "C10", "C15", "C17"):
        assert rows.loc[claim, "verdict"] == INCONCLUSIVE
    assert rows.loc["C2", "reason"].startswith("no data: optimal.csv missing")
    assert rows.loc["C17", "reason"].startswith("no data: cost.csv missing")
    assert rows.loc["C5", "verdict"] == SUPPORTED  # rank.csv alone still has evidence
    assert "optimal.csv missing" in rows.loc["C5", "reason"]


def test_thresholds_validated(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("claims: {angle_deg: 1}\n")
    with pytest.raises(ConfigError, match="lacks"):
        read_thresholds(config)
    config.write_text(CONFIG.replace("1.0e-3", "-1"))
    with pytest.raises(ConfigError, match="loss_gap_rel must be > 0"):
        read_thresholds(config)
    with pytest.raises(ConfigError, match="not found"):
        read_thresholds(tmp_path / "absent.yaml")


def test_helpers() -> None:
    m, lo, hi = mean_ci([1.0, 2.0, 3.0])
    assert m == 2.0 and lo == pytest.approx(2 - 4.303 / np.sqrt(3), rel=1e-3) and hi > 3
    assert np.isnan(mean_ci([1.0])[1])
    assert run_glob(["a/x/seed0", "a/y/seed1"]) == "a/*/*"


@pytest.mark.parametrize(
    "arxiv,neurips,expected",
    [
        (SUPPORTED, SUPPORTED, "both versions"),
        (SUPPORTED, NOT_SUPPORTED, "the arxiv version only"),
        (NOT_SUPPORTED, SUPPORTED, "the neurips version only"),
        (NOT_SUPPORTED, NOT_SUPPORTED, "neither version"),
        (INCONCLUSIVE, SUPPORTED, "inconclusive"),
    ],
)
def test_version_support_names_the_supported_abstract(arxiv, neurips, expected):
    report = pd.DataFrame({"id": ["C12-arxiv", "C12-neurips"], "verdict": [arxiv, neurips]})
    assert expected in version_support(report, "C12")


def test_rank_check_uses_the_predicted_rank_inside_a_containing_eigenspace():
    """V-view graph: the reference is the tied eigenspace (dimension 299), the learned Z has k."""
    from spectral_ssl.claims import _rank_mismatches

    ok = pd.DataFrame({
        "learned_rank": [4, 4, 3], "cf_rank": [299, 4, 4], "cf_predicted_rank": [4, 4, 4],
        "cf_containing": [True, False, False],
    })  # fmt: skip
    assert _rank_mismatches(ok) == 1  # only the third run (3 != 4)


def test_design_note_is_rendered_only_where_a_claim_has_one(report) -> None:
    df, _ = report
    rows = df.copy()
    rows["design"] = ""
    rows.loc[rows["id"] == "C11", "design"] = "the full label cliques decide it"
    md = render_markdown(rows, "m", "c")
    assert md.count("- What decides it: ") == 1
    assert "- What decides it: the full label cliques decide it" in md
