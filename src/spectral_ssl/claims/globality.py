"""C18: contrastive methods are global, non-contrastive ones local spectral embeddings.

global_local.csv holds, per data seed (a seed redraws the swiss roll, its split and views, and
so the kNN G), each free-Z method's ``trustworthiness`` (local faithfulness to the manifold)
and ``global_spearman`` (Spearman's rho of embedding distances with geodesic distances), and
the same for the references (``ref:*`` rows: Laplacian Eigenmaps, Isomap, MDS of G's geodesics,
the spectral contrastive closed form); see ``spectral_ssl.faithfulness``.

Pre-stated tests, per (data, relation), for every VICReg cell v (hinge vicreg at each gamma,
and the surrogate vicreg_sq) against SimCLR's cell s, paired on the data seed where both runs
converged (unconverged runs are counted and never read):

- global:  ``greater_than(global_spearman[s] - global_spearman[v], 0)``  (one-sided bound);
- local:   ``greater_than(trustworthiness[v] - trustworthiness[s], -local_margin)``
  (non-inferiority with the margin ``claims.local_margin``);

rule 'all' over the contrasts (Holm on the refutation side). Where every method and reference
sits in the (local, global) plane is reported (means with 95% intervals over data seeds, and
the reference nearest to each method), not judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..faithfulness import GLOBAL, LOCAL, REFERENCE_PREFIX
from .evidence import Evidence, NoData, group_keys, hparams_of, narrow, select
from .inference import greater_than
from .stats import fmt, fmt_ci, group_label, mean_ci
from .verdicts import Outcome, decide

TABLE = "global_local"
CONTRASTIVE = "simclr"
NON_CONTRASTIVE = ("vicreg", "vicreg_sq")
KEYS = ("data", "relation")


def _per_seed(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per data seed (the first where a cell has several)."""
    seed = "data_seed" if "data_seed" in rows and rows["data_seed"].notna().all() else "seed"
    return rows.sort_values(seed).groupby(seed).head(1).set_index(seed)


def paired(a: pd.DataFrame, b: pd.DataFrame, column: str) -> np.ndarray:
    """column of a minus column of b on the data seeds both have."""
    pa, pb = _per_seed(a), _per_seed(b)
    common = pa.index.intersection(pb.index)
    return pa.loc[common, column].to_numpy(float) - pb.loc[common, column].to_numpy(float)


def _cells(g: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The judged VICReg cells of one group: (label, rows)."""
    rows = g[g["method"].isin(NON_CONTRASTIVE)]
    return [(f"{m} {hp}", c) for (m, hp), c in rows.groupby(["method", hparams_of(rows)])]


def positions(rows: pd.DataFrame) -> list[str]:
    """Where each method cell and reference sits: local and global means, nearest reference."""
    lines, centres = [], {}
    for (method, hp), c in rows.groupby(["method", hparams_of(rows)]):
        loc, glob = mean_ci(c[LOCAL]), mean_ci(c[GLOBAL])
        centres[(method, hp)] = (loc[0], glob[0])
        lines.append(f"{method} {hp}: {LOCAL} {fmt_ci(*loc)}, {GLOBAL} {fmt_ci(*glob)} "
                     f"(n={len(c)})")  # fmt: skip
    refs = {k: v for k, v in centres.items() if str(k[0]).startswith(REFERENCE_PREFIX)}
    for key, (loc, glob) in centres.items():
        if key in refs or not refs:
            continue
        gap = {r: float(np.hypot(refs[r][0] - loc, refs[r][1] - glob)) for r in refs}
        near = min(gap, key=gap.get)
        lines.append(f"{key[0]} {key[1]} sits nearest to {near[0]} in the (local, global) plane "
                     f"(distance {fmt(gap[near])})")  # fmt: skip
    return [f"(reported, not judged) {line}" for line in lines]


def eval_c18(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    every = select(tables, TABLE, [LOCAL, GLOBAL])
    ev = select(tables, TABLE, [LOCAL, GLOBAL], method=[CONTRASTIVE, *NON_CONTRASTIVE])
    margin, tests, lines = thr["local_margin"], [], []
    for key, g in ev.ok.groupby(group_keys(ev.ok, KEYS), dropna=False):
        s = g[g["method"] == CONTRASTIVE]
        if s.empty:
            lines.append(f"{group_label(key)}: not judged (no converged {CONTRASTIVE} run)")
            continue
        for name, v in _cells(g):
            d_global, d_local = paired(s, v, GLOBAL), paired(v, s, LOCAL)
            label = f"{group_label(key)} ({CONTRASTIVE} vs {name})"
            if d_global.size < 2:
                lines.append(f"{label}: not judged ({d_global.size} paired converged seed(s))")
                continue
            tests.append((f"{label} global", greater_than(
                d_global, 0.0, thr["alpha"], name=f"{GLOBAL} {CONTRASTIVE} - vicreg")))
            tests.append((f"{label} local", greater_than(
                d_local, -margin, thr["alpha"], name=f"{LOCAL} vicreg - {CONTRASTIVE}")))
    if not tests:
        raise NoData("no data: no (data, relation) with converged SimCLR and VICReg runs on two "
                     "or more common data seeds", ev.failed, ev.unconverged)  # fmt: skip
    used = narrow(ev, ev.ok, KEYS)
    details = [*lines, *positions(every.ok)]
    return decide(Evidence(used.ok, used.failed, ev.notes, ev.source, used.unconverged), tests,
                  "all", thr, "per (data, relation) and VICReg cell, paired on data seeds: "
                  f"greater_than({GLOBAL} SimCLR - VICReg, 0) and non-inferiority "
                  f"greater_than({LOCAL} VICReg - SimCLR, -{fmt(margin)})", details)  # fmt: skip
