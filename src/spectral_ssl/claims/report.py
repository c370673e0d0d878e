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
    describe_runs,
)
from .registry import CLAIMS
from .tables import (
    fill_relation_stats,
    load_tables,
    read_thresholds,
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


def judge(claim: Claim, tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> dict[str, Any]:
    """One report row for ``claim``."""
    try:
        out = claim.evaluate(tables, thr)
    except NoData as exc:
        out = Outcome(INCONCLUSIVE, "n/a", str(exc), Evidence(pd.DataFrame(), exc.failed))
    ev = out.evidence
    reason = "; ".join([out.reason, *ev.notes])
    if len(ev.failed):
        reason += (
            f"; the evidence includes {len(ev.failed)} failed run(s) (status == failed), "
            "counted here and left out of the measurement"
        )
    details = list(out.details)
    if len(ev.failed):
        details.append(f"failed runs: {describe_runs(ev.failed)}")
    return {
        "id": claim.id,
        "tag": f"[{claim.tag}]",
        "verdict": out.verdict,
        "statement": claim.statement,
        "metric": claim.metric,
        "threshold": claim.threshold.format(**thr),
        "measured": out.measured,
        "value": out.value,
        "ci95_low": out.ci[0],
        "ci95_high": out.ci[1],
        "n": len(ev.ok),
        "n_failed": len(ev.failed),
        "figure": claim.figure,
        "runs": describe_runs(concat_frames([ev.ok, ev.failed])),
        "reason": reason,
        "how": f"{claim.how}; source: {ev.source or 'n/a'}",
        "details": "\n".join(details),
    }


def evaluate_claims(metrics_dir: str | os.PathLike, thresholds: dict[str, float]) -> pd.DataFrame:
    """The report table: one row per claim, columns COLUMNS."""
    tables = {
        k: with_spectral_rank(fill_relation_stats(t), thresholds["rank_rtol"])
        for k, t in load_tables(metrics_dir).items()
    }
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
the thresholds of the `claims:` section of `{config}`; none is written by hand.

- **SUPPORTED / NOT SUPPORTED**: the claim's rule (column *threshold*, operationalisation
  under each claim) holds / does not hold on the runs it uses.
- **INCONCLUSIVE**: the evidence is missing ("no data: <table> missing", no matching rows,
  no usable run) or incomplete.
- Measured values: mean and 95% t-based confidence interval over runs, `mean [low, high]`
  (differences between methods: Welch interval; exponents: regression standard error).
  Claims of exact agreement also require every single run to meet the threshold.
- Runs with `status == failed` are counted (column *failed*) and named; they have no metrics,
  so the measurement uses the others.
- Source tags: [paper] both abstract versions / summary figure, [paper-arxiv] and
  [paper-neurips] one version, [derived] linear algebra, [garrido] Garrido et al. 2022,
  [seed] the project's brief.
"""


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: pd.DataFrame, metrics_dir: str, config: str) -> str:
    """claims.md: header, summary table, version support, per-claim details."""
    lines = [HEADER.format(metrics_dir=metrics_dir, config=config), "## Summary", ""]
    lines += ["| id | tag | verdict | measured | threshold | n | failed | figure |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in report.itertuples():
        cells = (r.id, r.tag, f"**{r.verdict}**", r.measured, r.threshold, r.n, r.n_failed,
                 r.figure)  # fmt: skip
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    lines += ["", "Abstract versions:", ""]
    lines += [f"- {version_support(report, c)}" for c in ("C12", "C13")]
    lines += ["", "## Details", ""]
    for r in report.itertuples():
        lines += [
            f"### {r.id} {r.tag}: {r.statement}",
            "",
            f"- Verdict: **{r.verdict}** ({r.reason})",
            f"- Metric: {r.metric}",
            f"- Threshold: {r.threshold}",
            f"- How measured: {r.how}",
            f"- Measured: {r.measured}",
            f"- Runs: {r.n} used, {r.n_failed} failed; {r.runs}",
            f"- Figure: {r.figure}",
        ]
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
    save_text(out_md, render_markdown(report, str(metrics_dir), str(config_path)))
    with atomic_path(out_csv, suffix=".csv") as tmp:
        report.to_csv(tmp, index=False)
    for r in report.itertuples():
        log.info("%s %s: %s", r.id, r.verdict, r.measured)
    return report
