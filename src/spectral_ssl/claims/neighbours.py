"""C19: SimCLR and NNCLR differ only in G; NNCLR's G_t comes from nearest neighbours in the
current embedding, rebuilt during training (nnclr.csv).

The statement is a mechanism, so the judged quantity is what the mechanism does to G: per
(data, model) group and data seed, the nnclr cell selected on validation (as every accuracy
claim selects, ``accuracy.select_per_seed``) gives

    delta = nnclr_nn_alignment_last - nnclr_nn_alignment_first

the change, from the first refresh (step 0, the initial network) to the last, of the fraction
of G_t's nearest-neighbour edges that join same-label rows. The view G's own alignment is 1 by
construction (views of one sample share its label), so "G_t more aligned than the view G" is
not testable as a fraction; what can fail is whether rebuilding G from the trained embedding
moves it towards the labels. Test: ``greater_than(delta, 0)`` (one-sided lower t bound) in
every group, rule 'all' with Holm on the refutation side. Reported, not judged: the G_t
alignment trajectory (first / last, union with the view pairs) and the paired per-seed probe
accuracy difference, selected nnclr cell - selected simclr cell, with its 95% t interval.
"""

from __future__ import annotations

import pandas as pd

from .accuracy import (
    paired_difference,
    select_per_seed,
    selection_column,
    selection_note,
)
from .evidence import NoData, narrow, select
from .inference import greater_than
from .stats import fmt, fmt_ci, group_label, mean_ci
from .verdicts import Outcome, decide

FIRST, LAST = "nnclr_nn_alignment_first", "nnclr_nn_alignment_last"
KEYS = ("data", "model")


def _trajectory(chosen: pd.DataFrame) -> str:
    """'G_t alignment first -> last' of the selected cells (means over seeds)."""
    parts = []
    for name in ("nn_alignment", "alignment", "edges"):
        first, last = f"nnclr_{name}_first", f"nnclr_{name}_last"
        if {first, last} <= set(chosen):
            parts.append(f"{name} {fmt(chosen[first].mean())} -> {fmt(chosen[last].mean())}")
    return "; ".join(parts)


def eval_c19(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "nnclr", ["probe_test_accuracy"], method=["nnclr", "simclr"])
    score = selection_column(ev.ok)
    tests, lines, used = [], [selection_note(score)], []
    for key, g in ev.ok.groupby(list(KEYS), dropna=False):
        nn = g[g["method"] == "nnclr"]
        if nn.empty or not {FIRST, LAST} <= set(nn) or nn[[FIRST, LAST]].isna().all().any():
            lines.append(f"{group_label(key)}: not judged (no nnclr run with a G_t record)")
            continue
        chosen = select_per_seed(nn, score)
        used.append(nn)
        delta = (chosen[LAST] - chosen[FIRST]).to_numpy(float)
        tests.append((group_label(key), greater_than(
            delta, 0.0, thr["alpha"], name="G_t nn-edge alignment, last - first refresh")))
        cells = ", ".join(f"{hp} x{n}" for hp, n in chosen["_hp"].value_counts().items())
        lines.append(f"{group_label(key)}: nnclr selected {cells}; {_trajectory(chosen)}")
        simclr = g[g["method"] == "simclr"]
        if simclr.empty:
            lines.append(f"{group_label(key)}: (reported) no simclr cell to compare with")
            continue
        diff = paired_difference(chosen, select_per_seed(simclr, score))
        lines.append(f"{group_label(key)}: (reported, not judged) probe_test_accuracy nnclr - "
                     f"simclr, paired on {diff.size} seeds: {fmt_ci(*mean_ci(diff))} "
                     "(95% t interval)")  # fmt: skip
    if not tests:
        unconverged = ev.unconverged
        n_nn = int((unconverged["method"] == "nnclr").sum()) if len(unconverged) else 0
        if n_nn and not ("method" in ev.ok and (ev.ok["method"] == "nnclr").any()):
            raise NoData(f"evidence unconverged: every nnclr run in nnclr.csv ({n_nn}) is "
                         "unconverged, so no G_t record is read")  # fmt: skip
        raise NoData("no data: no nnclr run in nnclr.csv records its G_t refreshes")
    ev = narrow(ev, pd.concat([*used, ev.ok[ev.ok["method"] == "simclr"]]), [*KEYS, "method"])
    return decide(ev, tests, "all", thr, "greater_than(nnclr_nn_alignment_last - "
                  "nnclr_nn_alignment_first, 0) per seed, selected nnclr cell (one-sided lower t "
                  "bound)", lines)  # fmt: skip
