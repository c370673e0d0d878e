"""Claims C12 (G misaligned with the labels) and C14 (the gamma -> 0 limit of linear VICReg).

C12 reads ``C12_TABLES`` (nuisance G; linear K = D with fp64 L-BFGS, MLP with Adam), per
(data, relation, model). Per seed (= data draw) each side of a contrast is its best cell on
``probe_val_accuracy`` (never the test accuracy); the verdict reads the paired difference of
their ``probe_test_accuracy``: ``greater_than(difference, 0)``, Holm over the groups.
A side is only judged when it had a tuned grid: at least ``MIN_GRID`` converged
hyperparameter cells (spectral contrastive, which has none, counts with whatever it shares a
side with), so no method is beaten for lack of tuning.
    arxiv: VICReg-small (the lower half of the vicreg gamma grid) minus each rival in
    (simclr, barlow_twins), each selected within its own grid.
    neurips: best of {barlow_twins, VICReg-small} minus the best of every other cell
    (simclr, spectral_contrastive, VICReg-large).
C14 (a) ``whitening.csv``, K = D: at the smallest gamma of each (data, relation, method) of
    vicreg / vicreg_sq, TOST ``equivalent(accuracy - whitened, 0, probe_gap)``, paired per run
    on ``ref_whitened_test_accuracy`` (the whitened-X probe of the run's own data draw).
    (b) ``whitening_subspace.csv``, K < D: at the smallest gamma, the exact rule
    ``all_below(angle_max_deg, angle_deg)`` on the angle between col(W) and the whitened
    bottom-K LPP subspace (the run's closed-form twin, docs/theory.md section 3.4).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .accuracy import (
    MISALIGNED_COND,
    _gamma_half,
    best_vs_best_test,
    reference_rows,
    selection_column,
    selection_note,
    trained_only,
    versus_reference,
)
from .evidence import (
    Evidence,
    NoData,
    concat_frames,
    group_keys,
    hparams_of,
    select,
    select_any,
)
from .inference import Test, all_below, equivalent
from .stats import fmt, group_label, int_values
from .verdicts import Outcome, decide

C12_TABLES = ("misaligned_linear", "misaligned_linear_digits", "misaligned_mlp")
C14_EQUAL = "whitening"  # K = D = rank(X)
C14_SUBSPACE = "whitening_subspace"  # K < D
MIN_GRID = 2  # converged hyperparameter cells a side needs to count as tuned
VICREG = ("vicreg", "vicreg_sq")


def c12_evidence(tables: dict[str, pd.DataFrame]) -> Evidence:
    """Trained runs of the C12 tables on relations with g_alignment_labels < ALIGNED."""
    return trained_only(select_any(tables, C12_TABLES, ["probe_test_accuracy"],
                                   cond=MISALIGNED_COND))  # fmt: skip


def n_cells(rows: pd.DataFrame) -> int:
    """Distinct (method, hyperparameters) cells among ``rows``."""
    return int((rows["method"].astype(str) + " " + hparams_of(rows)).nunique()) if len(rows) else 0


def _c12_claim(ev: Evidence, thr: dict[str, float],
               contrasts: Callable[[pd.DataFrame], list[tuple[str, pd.Series, pd.Series]]],
               test_text: str) -> Outcome:  # fmt: skip
    """greater_than(paired per-seed difference, 0) per contrast and group, rule 'all'; a
    contrast with a side of fewer than MIN_GRID converged cells (grid-less spectral
    contrastive alone excepted) is not judged and says so."""
    score = selection_column(ev.ok)
    tests, lines = [], [selection_note(score)]
    for key, g in ev.ok.groupby(group_keys(ev.ok, ("data", "relation", "model")), dropna=False):
        g = g.reset_index(drop=True)
        for name, winners, others in contrasts(g):
            label = f"{group_label(key)} ({name})"
            sides = tuple(name.split(" - "))
            grids = [n_cells(g[side]) for side in (winners, others)]
            untuned = [f"{side}: {n} cell(s)" for side, n, mask in zip(sides, grids, (winners,
                       others), strict=True) if n < MIN_GRID and not (mask.any() and (
                       g.loc[mask, "method"] == "spectral_contrastive").all())]  # fmt: skip
            if untuned:
                lines.append(f"{label}: not judged, a side without a tuned grid of >= {MIN_GRID} "
                             f"converged cells ({'; '.join(untuned)})")  # fmt: skip
                continue
            best_vs_best_test(label, g, winners, others, score, sides, thr["alpha"], tests,
                              lines, note=f"grids {grids[0]} / {grids[1]} cells; ")  # fmt: skip
    if not tests:
        raise NoData("no data: no contrast could be judged: " + "; ".join(lines[1:]),
                     ev.failed, ev.unconverged)  # fmt: skip
    return decide(ev, tests, "all", thr, f"{test_text}: greater_than(paired per-seed difference "
                  "of probe_test_accuracy, 0) (one-sided lower t bound), every side a grid of "
                  f">= {MIN_GRID} converged cells", lines)  # fmt: skip


def eval_c12_arxiv(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = c12_evidence(tables)

    def contrasts(g: pd.DataFrame) -> list[tuple[str, pd.Series, pd.Series]]:
        small = _gamma_half(g, "small")
        return [(f"vicreg small gamma - {r}", small, g["method"] == r)
                for r in ("simclr", "barlow_twins")]  # fmt: skip

    return _c12_claim(ev, thr, contrasts,
                      "VICReg (lower half of the gamma grid) minus each rival's selected cell")


def eval_c12_neurips(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = c12_evidence(tables)

    def contrasts(g: pd.DataFrame) -> list[tuple[str, pd.Series, pd.Series]]:
        winners = (g["method"] == "barlow_twins") | _gamma_half(g, "small")
        return [("barlow_twins or vicreg small gamma - best other", winners, ~winners)]

    return _c12_claim(ev, thr, contrasts,
                      "best of {BarlowTwins, VICReg small gamma} minus the best other cell")


def _at_smallest_gamma(ev: Evidence, keys: tuple[str, ...]) -> tuple[Evidence, list]:
    """The evidence at the smallest gamma of ALL runs of each group (unconverged and failed
    included, so a group whose smallest-gamma runs did not converge is never judged at a larger
    gamma instead), and the groups as (key, usable rows; possibly empty)."""
    every = concat_frames([ev.ok, ev.unconverged, ev.failed])
    cols = group_keys(every, keys)
    least = every.groupby(cols, dropna=False)["gamma"].min()

    def at_least(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        lo = [least.get(k, np.nan) for k in frame[cols].itertuples(index=False, name=None)] \
            if len(cols) > 1 else frame[cols[0]].map(least)
        return frame[frame["gamma"].to_numpy(float) == np.asarray(lo, float)]

    ok = at_least(ev.ok)
    groups = [(key, ok[(ok[cols] == pd.Series(key if isinstance(key, tuple) else (key,),
                                               index=cols)).all(axis=1)])
              for key in least.index]  # fmt: skip
    return Evidence(ok, at_least(ev.failed), ev.notes, ev.source, at_least(ev.unconverged)), \
        groups


def _unjudged(label: str) -> tuple[str, Test]:
    """A placeholder test (no value, hence INCONCLUSIVE) for a group without a usable run."""
    return label, all_below([], 0.0, name="no converged run at the smallest gamma")


def _whitened_differences(tables: dict[str, pd.DataFrame], g: pd.DataFrame,
                          data: object) -> tuple[np.ndarray, str] | None:  # fmt: skip
    """accuracy - whitened probe per run: the run's own ref_whitened_test_accuracy, else the
    whitened reference rows of the table."""
    if "ref_whitened_test_accuracy" in g and g["ref_whitened_test_accuracy"].notna().all():
        diff = (g["probe_test_accuracy"] - g["ref_whitened_test_accuracy"]).to_numpy(float)
        return diff, f"paired per run on its data draw's whitened probe ({len(g)} runs)"
    ref = reference_rows(tables, C14_EQUAL, "whitened", data)
    if ref.empty:
        return None
    acc = g.set_index("seed", drop=False) if "seed" in g else g
    return versus_reference(acc, ref)


def _c14_part(tables: dict[str, pd.DataFrame], name: str, column: str, part: str,
              tests: list, lines: list[str]):  # fmt: skip
    """The smallest-gamma groups of one C14 part, or None (its test INCONCLUSIVE) without data."""
    try:
        ev = select(tables, name, [column, "gamma"], method=list(VICREG), model="linear")
    except NoData as exc:
        lines.append(f"{part}: not judged ({exc})")
        tests.append(_unjudged(part))
        return None
    return _at_smallest_gamma(ev, ("data", "relation", "method"))


def eval_c14(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    tests, lines, evs = [], [], []
    part = _c14_part(tables, C14_EQUAL, "probe_test_accuracy", "(a) K = D", tests, lines)
    if part is not None:
        small, groups = part
        for key, g in groups:
            label = f"(a) {group_label(key)}"
            res = _whitened_differences(tables, g, key[0]) if len(g) else None
            if res is None:
                tests.append(_unjudged(label))
                lines.append(f"{label}: no converged run or no whitened reference")
                continue
            diff, how = res
            tests.append((label, equivalent(diff, 0.0, thr["probe_gap"], thr["alpha"],
                                            name="accuracy - whitened")))  # fmt: skip
            lines.append(f"{label}: gamma = {fmt(g['gamma'].iloc[0])}, k = "
                         f"{int_values(g['k'])}; whitened {how}")  # fmt: skip
        evs.append(small)
    part = _c14_part(tables, C14_SUBSPACE, "angle_max_deg", "(b) K < D", tests, lines)
    if part is not None:
        small, groups = part
        for key, g in groups:
            label = f"(b) {group_label(key)}"
            if not len(g):
                tests.append(_unjudged(label))
                lines.append(f"{label}: no converged run at the smallest gamma")
                continue
            tests.append((label, all_below(
                g["angle_max_deg"], thr["angle_deg"], thr["alpha"],
                name=f"max angle to the whitened bottom-K LPP subspace < {fmt(thr['angle_deg'])}"
            )))  # fmt: skip
            lines.append(f"{label}: gamma = {fmt(g['gamma'].iloc[0])}, k = {int_values(g['k'])}")
        evs.append(small)
    if not evs:
        raise NoData("no data: " + "; ".join(lines))
    merged = Evidence(concat_frames([e.ok for e in evs]), concat_frames([e.failed for e in evs]),
                      [n for e in evs for n in e.notes], "; ".join(e.source for e in evs),
                      concat_frames([e.unconverged for e in evs]))  # fmt: skip
    return decide(merged, tests, "all", thr, f"(a) K = D: TOST equivalent(accuracy - whitened, "
                  f"0, margin {fmt(thr['probe_gap'])}), the (1 - 2 alpha) interval inside the "
                  f"margin; (b) K < D: every converged run's angle to the whitened bottom-K LPP "
                  f"subspace < {fmt(thr['angle_deg'])} deg (exact rule); both at the smallest "
                  "gamma of the sweep; a part without evidence is INCONCLUSIVE", lines)
