"""The claims report: judge every claim, write claims.md and claims.csv.

``main_claims(metrics_dir, config_path, out_md, out_csv)`` reads ``results/metrics/*.csv``
(docs/pipeline.md) and the thresholds, and writes the report; every verdict is computed,
nothing is hand-written.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ArtifactError
from ..io import atomic_path, save_text
from .evidence import (
    Evidence,
    NoData,
    concat_frames,
    convergence_counts,
    describe_runs,
)
from .registry import CLAIMS
from .tables import (
    fill_relation_stats,
    load_tables,
    read_thresholds,
    with_rank_aware_angles,
    with_spectral_rank,
)
from .verdicts import (
    COLUMNS,
    INCONCLUSIVE,
    SUPPORTED,
    Claim,
    Outcome,
)

log = logging.getLogger(__name__)


NO_CONVERGENCE_TABLES = ("identities", "cost")  # deterministic numerics and timings
CELL_KEYS = ("_table", "data", "n_samples", "relation", "model", "method", "hparams")


def _unconverged_only_cells(ev: Evidence) -> int:
    """Cells (table, data, N', relation, model, method, hparams) with unconverged runs only."""
    if ev.unconverged.empty:
        return 0
    keys = [k for k in CELL_KEYS if k in ev.unconverged and (ev.ok.empty or k in ev.ok)]
    if not keys:
        return 0
    cells = set(map(tuple, ev.unconverged[keys].astype(str).to_numpy()))
    seen = set(map(tuple, ev.ok[keys].astype(str).to_numpy())) if not ev.ok.empty else set()
    return len(cells - seen)



def judge(claim: Claim, tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> dict[str, Any]:
    """One report row for ``claim``."""
    try:
        out = claim.evaluate(tables, thr)
    except NoData as exc:
        ev = getattr(exc, "evidence", None) or Evidence(
            pd.DataFrame(), exc.failed, unconverged=exc.unconverged
        )
        out = Outcome(INCONCLUSIVE, "n/a", str(exc), ev, details=list(getattr(exc, "details", [])),
                      test="not computed", interval="n/a")  # fmt: skip
    ev = out.evidence
    counts = convergence_counts(ev)
    used = len(ev.ok) + counts["n_unconverged"]
    tables_used = set(concat_frames([ev.ok, ev.unconverged, ev.failed]).get("_table", []))
    verdict, reason = out.verdict, out.reason
    if used and counts["n_unconverged"] * 2 > used and verdict != INCONCLUSIVE:
        verdict = INCONCLUSIVE
        reason = (f"evidence mostly unconverged ({counts['n_unconverged']} of {used} runs), so "
                  f"no verdict (the test on the converged ones said {out.verdict}: {reason})")
    orphans = _unconverged_only_cells(ev)
    if out.rule == "all" and verdict == SUPPORTED and orphans:
        verdict = INCONCLUSIVE
        reason = (f"{orphans} cell(s) of the claim have only unconverged runs, so 'every group' "
                  f"is not shown (the converged groups said SUPPORTED: {reason})")
    notes = list(ev.notes)
    if tables_used and tables_used <= set(NO_CONVERGENCE_TABLES):
        counts["n_unrecorded"] = 0
        notes.append("convergence: not applicable (deterministic numerics or timings)")
    elif counts["n_unrecorded"]:
        notes.append(f"convergence not recorded for {counts['n_unrecorded']} run(s) (no "
                     "`converged` value): they are used as they are")  # fmt: skip
    if counts["n_unconverged"]:
        notes.append(f"{counts['n_unconverged']} unconverged run(s) counted and left out of the "
                     "test")  # fmt: skip
    reason = "; ".join([reason, *notes])
    if len(ev.failed):
        reason += (
            f"; the evidence includes {len(ev.failed)} failed run(s) (status == failed), "
            "counted here and left out of the measurement"
        )
    details = list(out.details)
    if len(ev.unconverged):
        details.append(f"unconverged runs: {describe_runs(ev.unconverged)}")
    if len(ev.failed):
        details.append(f"failed runs: {describe_runs(ev.failed)}")
    return {
        "id": claim.id,
        "tag": f"[{claim.tag}]",
        "verdict": verdict,
        "statement": claim.statement,
        "metric": claim.metric,
        "test": out.test,
        "threshold": claim.threshold.format(**thr),
        "measured": out.measured,
        "interval": out.interval,
        "value": out.value,
        "ci95_low": out.ci[0],
        "ci95_high": out.ci[1],
        "n": len(ev.ok),
        "n_converged": counts["n_converged"],
        "n_unconverged": counts["n_unconverged"],
        "n_unrecorded": counts["n_unrecorded"],
        "n_failed": len(ev.failed),
        "figure": claim.figure,
        "runs": describe_runs(concat_frames([ev.ok, ev.unconverged, ev.failed])),
        "reason": reason,
        "how": f"{claim.how}; source: {ev.source or 'n/a'}",
        "details": "\n".join(details),
        "design": claim.design,
    }


def prepare_tables(
    tables: dict[str, pd.DataFrame], thresholds: dict[str, float]
) -> dict[str, pd.DataFrame]:
    """The tables as the evaluators read them: relation statistics filled in, the rank
    ``spectral_rank`` and C9's rank-aware angles (``with_rank_aware_angles``) at
    ``thresholds["rank_rtol"]``."""
    rtol = thresholds["rank_rtol"]
    return {
        # copy(): one contiguous frame again after the columns added above
        k: with_rank_aware_angles(with_spectral_rank(fill_relation_stats(t), rtol), rtol).copy()
        for k, t in tables.items()
    }


def evaluate_claims(metrics_dir: str | os.PathLike, thresholds: dict[str, float]) -> pd.DataFrame:
    """The report table: one row per claim, columns COLUMNS."""
    tables = prepare_tables(load_tables(metrics_dir), thresholds)
    return pd.DataFrame([judge(c, tables, thresholds) for c in CLAIMS], columns=list(COLUMNS))


def version_support(report: pd.DataFrame, claim: str) -> str:
    """Which abstract version (arxiv / neurips) the verdicts of ``claim`` support."""
    verdicts = report.set_index("id")["verdict"]
    arxiv, neurips = verdicts.get(f"{claim}-arxiv"), verdicts.get(f"{claim}-neurips")
    if INCONCLUSIVE in (arxiv, neurips):
        return f"{claim}: inconclusive (arxiv {arxiv}, neurips {neurips})"
    supported = [v for v, x in (("arxiv", arxiv), ("neurips", neurips)) if x == SUPPORTED]
    if len(supported) == 1:
        return f"{claim}: the data support the {supported[0]} version only"
    return f"{claim}: the data support {'both versions' if supported else 'neither version'}"


HEADER = """\
# Claims report

Verdicts are computed by `spectral_ssl.claims` from the metric tables in `{metrics_dir}` with
the thresholds, margins and level of the `claims:` section of `{config}`; none is written by
hand.

- **Tests.** Every verdict comes from a pre-stated test per group of runs
  (`spectral_ssl.claims.inference`): a one-sided t bound for "greater than" claims, TOST for
  "equals / reaches" claims, Kendall's tau with the Theil-Sen slope interval for monotone
  claims, and the exact rule (the largest value over runs against the tolerance) for exact
  identities and closed forms, where one converged counterexample refutes. Groups are joined
  by rule 'all' (every group; Holm on the refutation side) or 'any' (some group; Holm on the
  support side) at level alpha = {alpha:g}.
- **SUPPORTED / NOT SUPPORTED** only when the interval the verdict reads (column *interval*)
  lies on one side of the threshold; **INCONCLUSIVE** when it straddles it, when the evidence
  is missing ("no data: ..."), or when it is mostly unconverged.
- **Selection.** Where a claim picks a best hyperparameter cell, it picks per seed on a
  validation accuracy, or, where the tables have none, on the probe train accuracy; never on
  the test accuracy the verdict reads.
- **Runs.** Counted per claim as converged / unconverged / convergence not recorded / failed.
  Unconverged (`converged == False`) and failed runs are named and never read by a test, so
  no NOT SUPPORTED rests on them; a claim whose evidence is mostly unconverged is INCONCLUSIVE.
- Source tags: [paper] both abstract versions / summary figure, [paper-arxiv] and
  [paper-neurips] one version, [derived] linear algebra, [garrido] Garrido et al. 2022,
  [seed] the project's brief.
"""


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(
    report: pd.DataFrame, metrics_dir: str, config: str, alpha: float = 0.05
) -> str:
    """claims.md: header, summary table, version support, per-claim details."""
    lines = [HEADER.format(metrics_dir=metrics_dir, config=config, alpha=alpha), "## Summary", ""]
    lines += ["| id | tag | verdict | interval | threshold | converged | unconverged | "
              "not recorded | failed | figure |",
              "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in report.itertuples():
        cells = (r.id, r.tag, f"**{r.verdict}**", r.interval, r.threshold, r.n_converged,
                 r.n_unconverged, r.n_unrecorded, r.n_failed, r.figure)  # fmt: skip
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += ["", "Abstract versions:", ""]
    lines += [f"- {version_support(report, c)}" for c in ("C12", "C13")]
    lines += ["", "## Details", ""]
    for r in report.itertuples():
        lines += [
            f"### {r.id} {r.tag}: {r.statement}",
            "",
            f"- Verdict: **{r.verdict}**",
            f"- Reason: {r.reason}",
            f"- Test: {r.test}",
            f"- Interval the verdict reads: {r.interval}",
            f"- Metric: {r.metric}",
            f"- Threshold: {r.threshold}",
            f"- How measured: {r.how}",
            f"- Measured: {r.measured}",
            f"- Runs: {r.n} used ({r.n_converged} converged, {r.n_unrecorded} convergence not "
            f"recorded), {r.n_unconverged} unconverged, {r.n_failed} failed; {r.runs}",
            f"- Figure: {r.figure}",
        ]
        if r.design:
            lines.append(f"- What decides it: {r.design}")
        if r.details:
            lines += ["- Breakdown:"] + [f"  - {d}" for d in r.details.split("\n")]
        lines.append("")
    return "\n".join(lines)


def main_claims(
    metrics_dir: str | os.PathLike,
    config_path: str | os.PathLike,
    out_md: str | os.PathLike,
    out_csv: str | os.PathLike,
) -> pd.DataFrame:
    """Evaluate every claim, write claims.md and claims.csv (atomically), return the table."""
    thresholds = read_thresholds(config_path)
    if not Path(metrics_dir).is_dir():
        raise ArtifactError(f"metrics folder not found: {metrics_dir}")
    report = evaluate_claims(metrics_dir, thresholds)
    save_text(out_md, render_markdown(report, str(metrics_dir), str(config_path),
                                      thresholds["alpha"]))
    with atomic_path(out_csv, suffix=".csv") as tmp:
        report.to_csv(tmp, index=False)
    for r in report.itertuples():
        log.info("%s %s: %s", r.id, r.verdict, r.measured)
    return report
