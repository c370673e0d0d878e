"""Claims on downstream probe accuracy: C11, C13 (alignment.csv, low_data.csv).

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

C11 alignment.csv, relations with g_alignment_labels >= 0.9, per (data, relation, model,
    method): non-inferiority, ``greater_than(selected accuracy - supervised, -probe_gap)``
    (beating the supervised probe counts as reaching it).
C12 and C14: ``misaligned.py`` (it reuses the selection and pairing helpers below).
C13 low_data.csv, N' = n_samples < k, per (data, n_samples, relation, model). arxiv:
    ``increasing(gamma, probe_test_accuracy)`` of vicreg (Kendall, Theil-Sen; no selection).
    neurips: ``greater_than(best of {simclr, VICReg-large} - best other, 0)``, VICReg-large the
    upper half of the gamma grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from .inference import greater_than, increasing
from .stats import (
    fmt,
    group_label,
    int_values,
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


def eval_c11(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "alignment", ["probe_test_accuracy"], cond=ALIGNED_COND))
    score = selection_column(ev.ok)
    tests, lines = [], [selection_note(score)]
    for key, g in ev.ok.groupby(["data", "relation", "model", "method"], dropna=False):
        ref = reference_rows(tables, "alignment", "supervised", key[0])
        if ref.empty:
            lines.append(f"{group_label(key)}: no supervised reference row for data {key[0]}")
            continue
        chosen = select_per_seed(g, score)
        diff, how = versus_reference(chosen, ref)
        tests.append((group_label(key), greater_than(
            diff, -thr["probe_gap"], thr["alpha"], name="accuracy - supervised")))
        picked = ", ".join(f"{hp} x{n}" for hp, n in chosen["_hp"].value_counts().items())
        comps = (f"; components of G {int_values(g['g_n_components'])}"
                 if "g_n_components" in g else "")  # fmt: skip
        lines.append(f"{group_label(key)}: selected cells {picked}; supervised {how}{comps}")
    if not tests:
        raise NoData("no data: no supervised reference rows in alignment.csv")
    return decide(ev, tests, "all", thr, f"non-inferiority: greater_than(accuracy - supervised, "
                  f"-{fmt(thr['probe_gap'])}) (one-sided lower t bound; beating the supervised "
                  "probe counts as reaching it)", lines)  # fmt: skip


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


def _paired_claim(ev: Evidence, keys: Sequence[str], thr: dict[str, float],
                  contrasts: Callable[[pd.DataFrame], list[tuple[str, pd.Series, pd.Series]]],
                  test_text: str) -> Outcome:  # fmt: skip
    """greater_than(paired difference, 0) for every contrast of every group, rule 'all'."""
    score = selection_column(ev.ok)
    tests, lines = [], [selection_note(score)]
    for key, g in ev.ok.groupby(group_keys(ev.ok, keys), dropna=False):
        g = g.reset_index(drop=True)
        for name, winners, others in contrasts(g):
            label = f"{group_label(key)} ({name})" if name else group_label(key)
            res = _best_vs_best(g, winners, others, score, tuple(name.split(" - ")) if name
                                else ("winner", "other"))  # fmt: skip
            if isinstance(res, str):
                lines.append(f"{label}: not judged ({res})")
                continue
            diff, text = res
            tests.append((label, greater_than(diff, 0.0, thr["alpha"], name="paired difference")))
            lines.append(f"{label}: selected {text}")
    return decide(ev, tests, "all", thr, f"{test_text}: greater_than(paired per-seed difference "
                  "of probe_test_accuracy, 0) (one-sided lower t bound)", lines)  # fmt: skip


LOW_DATA_COND = Cond("n_samples < k", lambda t: t["n_samples"] < t["k"])


def eval_c13_arxiv(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "low_data", ["probe_test_accuracy", "gamma"], cond=LOW_DATA_COND, method="vicreg"
    )
    tests, lines = [], []
    for key, g in ev.ok.groupby(group_keys(ev.ok, ("data", "n_samples", "relation", "model")),
                                dropna=False):  # fmt: skip
        if g["gamma"].nunique() < 2:
            lines.append(f"{group_label(key)}: not judged (a single gamma)")
            continue
        trend = increasing(g["gamma"], g["probe_test_accuracy"], thr["alpha"],
                           name="slope of accuracy on gamma")
        tests.append((group_label(key), trend))
    return decide(ev, tests, "all", thr, "increasing(gamma, probe_test_accuracy): Kendall tau "
                  "one-sided with the Theil-Sen slope interval, runs of every gamma and seed "
                  "pooled", lines)  # fmt: skip


def eval_c13_neurips(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "low_data", ["probe_test_accuracy"], cond=LOW_DATA_COND))

    def contrasts(g: pd.DataFrame) -> list[tuple[str, pd.Series, pd.Series]]:
        winners = (g["method"] == "simclr") | _gamma_half(g, "large")
        return [("simclr or vicreg large gamma - best other", winners, ~winners)]

    return _paired_claim(ev, ("data", "n_samples", "relation", "model"), thr, contrasts,
                         "best of {SimCLR, VICReg large gamma} minus the best other cell")
