"""Summarise Snakemake's per-job benchmark TSVs (results/benchmarks/{rule}/...) per rule.

    python -m benchmarks.workflow [results/benchmarks]

Prints a markdown table: jobs measured, total and mean wall time (s), max RSS (MB) per rule.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def summarise(root: Path) -> pd.DataFrame:
    rows = []
    for tsv in sorted(root.rglob("*.tsv")):
        table = pd.read_csv(tsv, sep="\t")
        rows.append(
            {
                "rule": tsv.relative_to(root).parts[0],
                "s": float(table["s"].iloc[-1]),
                "max_rss": float(pd.to_numeric(table["max_rss"], errors="coerce").max()),
            }
        )
    frame = pd.DataFrame(rows)
    return frame.groupby("rule").agg(
        jobs=("s", "size"),
        total_s=("s", "sum"),
        mean_s=("s", "mean"),
        max_rss_mb=("max_rss", "max"),
    )


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "results/benchmarks")
    print(summarise(root).round(1).to_markdown())
