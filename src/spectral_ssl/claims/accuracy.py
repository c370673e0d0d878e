"""Claims on downstream probe accuracy: C11 (aligned*.csv) and C13 (low_data.csv).

Hyperparameter selection never reads the test accuracy a verdict reads: where a claim picks a
"best" cell, it picks per seed the (method, hyperparameters) cell with the highest
``probe_val_accuracy`` (or ``probe_validation_accuracy`` / ``val_accuracy``; every run writes
``probe_val_accuracy``, a probe fit on 80% of the training rows and scored on the held-out 20%,
see ``evaluation.validation_split``) and, only where a table has no validation column (runs
from before it existed), the highest ``probe_train_accuracy``; ties go to the
first cell in hyperparameter order. The verdict then reads that cell's ``probe_test_accuracy``
of the same seed. Comparisons between methods are paired on the seed; a reference row
(supervised, whitened) is paired by seed where it has one row per seed, else its mean is a
fixed number. All tests at ``claims.alpha``, rule 'all' with Holm on the refutation side.

C11 aligned.csv + aligned_mlp.csv (G = label cliques), per (data, relation, model, method):
    TOST ``equivalent(selected accuracy - supervised reference, 0, probe_gap)`` paired on the
    data seed, the reference by model: LDA (linear), class indicators (free; probe train
    accuracy, a free Z has no test rows), cross-entropy MLP (mlp); plus the exact rule
    ``all_below(sup_containment_deg, angle_deg)`` where the optimum contains the reference
    subspace (C11_EXACT; linear vicreg_sq only at equal class sizes).
C12 and C14: ``misaligned.py`` (it reuses the selection and pairing helpers below).
C13 low_data.csv, two readings (``low_data.low_data_variants``): few source samples (N' < k,
    every label) and few labels (SSL on all N' = n_train images, m labels per class), each with
    the standardised, raw and kNN probe; per (reading, labels, data, N', relation, model,
    probe). arxiv: ``increasing(log10 gamma, accuracy - seed mean)`` of vicreg (Kendall,
    Theil-Sen; no selection). neurips: ``greater_than(best of {simclr, VICReg-large} - best
    other, 0)``, VICReg-large the upper half of the gamma grid, cells selected on the variant's
    own validation accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .evidence import (
    Cond,
    Evidence,
    NoData,
    group_keys,
    hparams_of,
    select,
)
from .inference import equivalent, greater_than, increasing
from .low_data import LOW_DATA_READINGS, low_data_variants
from .stats import (
    fmt,
    group_label,
)
from .tables import (
    ALIGNED,
    is_reference,
)
from .verdicts import (
    Outcome,
    decide,
)

ALIGNED_COND = Cond(
    f"g_alignment_labels >= {ALIGNED}", lambda t: t["g_alignment_labels"] >= ALIGNED
)
MISALIGNED_COND = Cond(
    f"g_alignment_labels < {ALIGNED}", lambda t: t["g_alignment_labels"] < ALIGNED
)


SELECTION_COLUMNS = ("probe_val_accuracy", "probe_validation_accuracy", "val_accuracy")


def selection_column(rows: pd.DataFrame) -> str:
    """The column hyperparameters are selected on: validation accuracy, else probe train."""
    for col in (*SELECTION_COLUMNS, "probe_train_accuracy"):
        if col in rows and rows[col].notna().any():
            return col
    raise NoData("no data: no validation or probe train accuracy to select hyperparameters on "
                 "(the test accuracy the verdict reads is never used to select)")


def selection_note(col: str) -> str:
    if col == "probe_train_accuracy":
        return ("hyperparameters selected per seed on probe_train_accuracy (these tables have "
                "no validation accuracy: runs from before probe_val_accuracy), ties to the first "
                "cell; never on the test accuracy")
    return f"hyperparameters selected per seed on {col}; never on the test accuracy"


def select_per_seed(rows: pd.DataFrame, score: str) -> pd.DataFrame:
    """Per seed, the row of the cell with the highest ``score`` (ties: hyperparameter order)."""
    if rows.empty:
        return rows
    r = rows.assign(_hp=hparams_of(rows), _score=rows[score].fillna(-np.inf))
    r = r.sort_values(["seed", "_score", "_hp"], ascending=[True, False, True], kind="stable")
    return r.groupby("seed", sort=True).head(1).set_index("seed", drop=False)


def paired_difference(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """probe_test_accuracy of a minus b on the seeds both have."""
    common = a.index.intersection(b.index)
    return (a.loc[common, "probe_test_accuracy"].to_numpy(float)
            - b.loc[common, "probe_test_accuracy"].to_numpy(float))  # fmt: skip


def reference_rows(
    tables: dict[str, pd.DataFrame], name: str, method: str, data: Any
) -> pd.DataFrame:
    """Usable reference rows (supervised, whitened) of one data set."""
    table = tables[name]
    if "probe_test_accuracy" not in table:
        return table.iloc[0:0]
    mask = (table["method"] == method) & (table["status"] != "failed")
    if "data" in table:
        mask &= table["data"] == data
    return table[mask & table["probe_test_accuracy"].notna()]


def versus_reference(acc: pd.DataFrame, ref: pd.DataFrame) -> tuple[np.ndarray, str]:
    """acc - reference per seed (paired where the reference has every seed), and how."""
    seeds = acc.index
    if "seed" in ref and ref["seed"].notna().all() and ref["seed"].nunique() == len(ref) \
            and set(seeds) <= set(ref["seed"]):
        r = ref.set_index("seed")["probe_test_accuracy"]
        return acc["probe_test_accuracy"].to_numpy(float) - r.loc[seeds].to_numpy(float), \
            f"paired on {len(seeds)} seeds"
    value = float(ref["probe_test_accuracy"].mean())
    return acc["probe_test_accuracy"].to_numpy(float) - value, \
        f"reference fixed at {fmt(value)} ({len(ref)} row(s), not one per seed)"


def trained_only(ev: Evidence) -> Evidence:
    """Drop reference rows (supervised, whitened, twin:*) from the evidence."""
    keep = [f[~f["method"].map(is_reference)] if "method" in f else f
            for f in (ev.ok, ev.failed, ev.unconverged)]  # fmt: skip
    if keep[0].empty:
        raise NoData(f"no data: no trained method in {ev.source}", keep[1], keep[2])
    return Evidence(keep[0], keep[1], ev.notes, ev.source, keep[2])


def _gamma_half(rows: pd.DataFrame, which: str) -> pd.Series:
    """vicreg rows in the lower ("small") or upper ("large") half of the group's gamma grid."""
    vic = rows["method"] == "vicreg"
    if not vic.any() or "gamma" not in rows:
        return vic
    grid = np.sort(rows.loc[vic, "gamma"].dropna().unique())
    half = int(np.ceil(grid.size / 2))
    chosen = grid[:half] if which == "small" else grid[grid.size - half:]
    return vic & rows["gamma"].isin(chosen)


C11_TABLES = ("aligned", "aligned_mlp")
C11_REFERENCE = {"linear": "lda", "free": "class_indicators", "mlp": "supervised_mlp"}
# (model, method) whose optimum on the label cliques contains the reference subspace exactly:
# (smallest K as c + offset, c = classes; needs equal class sizes). Linear spectral contrastive
# (top c of X^T G X vs X^T X contain LDA's c - 1 directions at any class sizes), linear
# vicreg_sq (LPP = LDA) and BarlowTwins (CCA vs X^T D X) only at equal sizes, free vicreg_sq
# and spectral contrastive (Laplacian null space / top adjacency eigenspace = the indicators).
C11_EXACT = {("linear", "spectral_contrastive"): (0, False), ("linear", "barlow_twins"): (0, True),
             ("linear", "vicreg_sq"): (-1, True), ("free", "vicreg_sq"): (-1, False),
             ("free", "spectral_contrastive"): (-1, False)}  # fmt: skip


def c11_accuracy_column(model: Any) -> str:
    """A free Z embeds only the view rows (no test rows): its probe reads the train accuracy."""
    return "probe_train_accuracy" if model == "free" else "probe_test_accuracy"


def _c11_reference(tables: dict[str, pd.DataFrame], model: Any, data: Any) -> pd.DataFrame:
    """The supervised reference rows of (model, data), one per data seed, from either table."""
    found = []
    for name in C11_TABLES:
        t = tables.get(name)
        if t is None or "method" not in t:
            continue
        mask = (t["method"] == C11_REFERENCE.get(model)) & (t["status"] != "failed")
        if "data" in t:
            mask &= t["data"] == data
        found.append(t[mask])
    ref = pd.concat(found) if found else pd.DataFrame()
    return ref.drop_duplicates("seed").set_index("seed", drop=False) if not ref.empty else ref


def _c11_exact(key: tuple, chosen: pd.DataFrame, ref: pd.DataFrame,
               thr: dict[str, float]) -> tuple[list[tuple[str, Any]], list[str]]:  # fmt: skip
    """The exact angle rule of a (model, method) whose optimum contains the reference."""
    from .inference import all_below

    model, method, label = key[2], key[3], group_label(key)
    if (model, method) not in C11_EXACT or "sup_containment_deg" not in chosen:
        return [], []
    c = int(ref["n_classes"].iloc[0]) if "n_classes" in ref else None
    offset, equal_sizes = C11_EXACT[(model, method)]
    need = None if c is None else c + offset
    angle = chosen["sup_containment_deg"]
    text = f"angle of the reference inside col(learned), max {fmt(angle.max())} deg"
    if need is not None and int(chosen["k"].min()) < need:
        return [], [f"{label}: angle not judged (k = {int(chosen['k'].min())} < {need})"]
    ratio = ref["class_size_ratio"] if "class_size_ratio" in ref else pd.Series([np.nan])
    if equal_sizes and not (ratio == 1.0).all():
        lpp = fmt(ref["lpp_lda_angle_deg"].max()) if "lpp_lda_angle_deg" in ref else "nan"
        return [], [f"{label} (context, decides nothing): {text}; its optimum contains LDA's "
                    f"subspace only at equal class sizes, here max/min {fmt(ratio.max())} (the "
                    f"closed-form LPP vs LDA angle is {lpp} deg)"]  # fmt: skip
    return [(f"{label} (angle)", all_below(angle, thr["angle_deg"], thr["alpha"],
                                           name="max sup_containment_deg"))], [f"{label}: {text}"]


def eval_c11(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    from .evidence import select_any

    found = select_any(tables, C11_TABLES, ["probe_train_accuracy"])
    ev = trained_only(found)

    frames = [f for f in (ev.ok, found.unconverged) if "g_alignment_labels" in f]
    relations = {r for f in frames for r in f.loc[ALIGNED_COND.test(f).fillna(False)
                                                  .astype(bool), "relation"]}  # fmt: skip

    def aligned(f: pd.DataFrame) -> pd.DataFrame:
        """Rows on an aligned relation (a failed run has no statistics: its relation's)."""
        return f if f.empty or "relation" not in f else f[f["relation"].isin(relations)]

    ev = Evidence(aligned(ev.ok), aligned(ev.failed), ev.notes,
                  f"{ev.source}; {ALIGNED_COND.text}", aligned(found.unconverged))  # fmt: skip
    if ev.ok.empty:
        raise NoData(f"no data: no usable run with {ALIGNED_COND.text} in {C11_TABLES}",
                     ev.failed, ev.unconverged)  # fmt: skip
    score = selection_column(ev.ok)
    tests, lines = [], [selection_note(score)]
    for key, g in ev.ok.groupby(["data", "relation", "model", "method"], dropna=False):
        col, ref = c11_accuracy_column(key[2]), _c11_reference(tables, key[2], key[0])
        if ref.empty or col not in ref or ref[col].isna().all():
            lines.append(f"{group_label(key)}: no {C11_REFERENCE.get(key[2])} reference row")
            continue
        missing = _cells_without_converged_runs(key, g, ev)
        if missing:
            lines.append(f"{group_label(key)}: not judged (grid cell(s) {', '.join(missing)} "
                         "have no converged run: a selection over the rest would read a "
                         "truncated grid)")  # fmt: skip
            continue
        chosen = select_per_seed(g, score)
        seeds = chosen.index.intersection(ref.index)
        if seeds.empty:
            lines.append(f"{group_label(key)}: no seed shared with the reference")
            continue
        diff = chosen.loc[seeds, col].to_numpy(float) - ref.loc[seeds, col].to_numpy(float)
        tests.append((group_label(key), equivalent(
            diff, 0.0, thr["probe_gap"], thr["alpha"], name=f"{col} - {ref['method'].iloc[0]}")))
        picked = ", ".join(f"{hp} x{n}" for hp, n in chosen["_hp"].value_counts().items())
        lines.append(f"{group_label(key)}: selected cells {picked}; {col} vs "
                     f"{ref['method'].iloc[0]} paired on {len(seeds)} seeds")  # fmt: skip
        exact, text = _c11_exact(key, chosen.loc[seeds], ref.loc[seeds], thr)
        tests += exact
        lines += text
    if not tests:
        truncated = [line for line in lines if "truncated grid" in line]
        if truncated:
            raise NoData("no group judged: " + "; ".join(truncated), ev.failed, ev.unconverged)
        raise NoData(f"no data: no supervised reference rows in {C11_TABLES}")
    return decide(ev, tests, "all", thr, f"TOST: equivalent(accuracy - supervised reference, 0, "
                  f"margin {fmt(thr['probe_gap'])}) per (data, relation, model, method) (free "
                  "Z: probe train accuracy, it has no test rows); exact rule: reference "
                  f"subspace inside col(learned) within {fmt(thr['angle_deg'])} deg where the "
                  "optimum contains it", lines)  # fmt: skip


def _cells_without_converged_runs(key: tuple, g: pd.DataFrame, ev: Evidence) -> list[str]:
    """The hyperparameter cells of group ``key`` (data, relation, model, method) that appear
    only among its unconverged or failed runs: the configured grid minus the cells a
    per-seed selection could pick. Selecting over the rest would judge the method on a
    truncated grid (e.g. hinge VICReg's better gamma stalled on its kink)."""
    cols = ["data", "relation", "model", "method"]
    others = [f for f in (ev.unconverged, ev.failed)
              if not f.empty and set(cols) <= set(f) and "hparams" in f]  # fmt: skip
    grid: set[str] = set()
    for f in others:
        hit = (f[cols].astype(str) == pd.Series(key, index=cols).astype(str)).all(axis=1)
        grid |= set(f.loc[hit, "hparams"].astype(str))
    return sorted(grid - set(g["hparams"].astype(str)))


def _best_vs_best(g: pd.DataFrame, winners: pd.Series, others: pd.Series, score: str,
                  names: tuple[str, str]) -> tuple[np.ndarray, str] | str:  # fmt: skip
    """Per seed: the selected winner cell minus the selected other cell (paired on seed)."""
    if not winners.any():
        return f"no {names[0]} cell"
    if not others.any():
        return f"no {names[1]} cell to compare with"
    a, b = select_per_seed(g[winners], score), select_per_seed(g[others], score)
    diff = paired_difference(a, b)
    text = (f"{names[0]}: {', '.join(sorted(set(a['_hp'] + ' ' + a['method'])))}; "
            f"{names[1]}: {', '.join(sorted(set(b['_hp'] + ' ' + b['method'])))}")
    return diff, text


def best_vs_best_test(label: str, g: pd.DataFrame, winners: pd.Series, others: pd.Series,
                      score: str, names: tuple[str, str], alpha: float, tests: list,
                      lines: list[str], note: str = "") -> None:  # fmt: skip
    """Append ``greater_than(selected winner - selected other, 0)`` (paired per seed) to
    ``tests`` and its description to ``lines``, or a "not judged" line when a side is empty."""
    res = _best_vs_best(g, winners, others, score, names)
    if isinstance(res, str):
        lines.append(f"{label}: not judged ({res})")
        return
    diff, text = res
    tests.append((label, greater_than(diff, 0.0, alpha, name="paired difference")))
    lines.append(f"{label}: {note}selected {text}")


LOW_DATA_KEYS = ("reading", "labels", "data", "n_samples", "relation", "model", "probe")


def _low_data_evidence(tables: dict[str, pd.DataFrame], columns: list[str],
                       **where: Any) -> tuple[Evidence, pd.DataFrame]:  # fmt: skip
    """The run evidence of both readings (counted once per run) and its long variant table."""
    ev = select(tables, "low_data", columns, cond=LOW_DATA_READINGS, **where)
    variants = low_data_variants(ev.ok)
    if variants.empty:
        raise NoData("no data: no low_data.csv run has a probe accuracy of either reading")
    return ev, variants


def eval_c13_arxiv(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev, variants = _low_data_evidence(tables, ["gamma"], method="vicreg")
    tests, lines = [], ["runs of every gamma and seed pooled after subtracting each seed's mean "
                        "accuracy over gamma (aligned ranks: the data draw's level is removed)"]
    for key, g in variants.groupby(group_keys(variants, LOW_DATA_KEYS), dropna=False):
        per_seed = g.groupby("seed")["gamma"].transform("nunique") >= 2
        g = g[per_seed]
        if g["gamma"].nunique() < 2:
            lines.append(f"{group_label(key)}: not judged (no seed with two gammas)")
            continue
        centred = g["probe_test_accuracy"] - g.groupby("seed")["probe_test_accuracy"].transform(
            "mean")
        tests.append((group_label(key), increasing(
            np.log10(g["gamma"].astype(float)), centred, thr["alpha"],
            name="slope of accuracy on log10 gamma")))
    return decide(ev, tests, "all", thr, "increasing(log10 gamma, probe_test_accuracy - seed "
                  "mean): Kendall tau one-sided with the Theil-Sen slope interval, per (reading, "
                  "labels, data, N', relation, model, probe)", lines)  # fmt: skip


def eval_c13_neurips(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev, variants = _low_data_evidence(tables, [])
    ev = trained_only(ev)
    variants = variants[~variants["method"].map(is_reference)]
    tests, lines = [], ["per variant, cells selected per seed on that probe's validation "
                        "accuracy (probe_val_accuracy of the variant); never on the test accuracy"]
    names = ("simclr or vicreg large gamma", "best other")
    for key, g in variants.groupby(group_keys(variants, LOW_DATA_KEYS), dropna=False):
        g = g.reset_index(drop=True)
        label = f"{group_label(key)} (simclr or vicreg large gamma - best other)"
        if g["probe_val_accuracy"].isna().all():
            lines.append(f"{label}: not judged (no validation accuracy for this probe)")
            continue
        winners = (g["method"] == "simclr") | _gamma_half(g, "large")
        best_vs_best_test(label, g, winners, ~winners, "probe_val_accuracy", names,
                          thr["alpha"], tests, lines)  # fmt: skip
    return decide(ev, tests, "all", thr, "best of {SimCLR, VICReg large gamma} minus the best "
                  "other cell, per (reading, labels, data, N', relation, model, probe): "
                  "greater_than(paired per-seed difference of probe_test_accuracy, 0) "
                  "(one-sided lower t bound)", lines)  # fmt: skip
