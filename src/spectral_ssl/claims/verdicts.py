"""Verdicts and the pieces every claim family shares.

SUPPORTED / NOT SUPPORTED follow each claim's rule; INCONCLUSIVE means the evidence is missing
("no data: <table> missing", no matching rows, no usable run) or incomplete. Runs with
``status == "failed"`` are counted in every claim whose rows they match and reported; they
carry no metrics, so the measurement uses the others. Measured values are mean and 95% t-based
confidence interval over runs (mean +- t_{0.975, n-1} s / sqrt(n)); claims about exact
agreement also require every single run to meet the threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .evidence import (
    Evidence,
    NoData,
    group_keys,
    select,
)
from .stats import (
    NAN,
    fmt,
    fmt_ci,
    group_label,
    mean_ci,
)

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "SUPPORTED", "NOT SUPPORTED", "INCONCLUSIVE"
COLUMNS = (
    "id", "tag", "verdict", "statement", "metric", "threshold", "measured", "value",
    "ci95_low", "ci95_high", "n", "n_failed", "figure", "runs", "reason", "how", "details",
)  # fmt: skip


@dataclass
class Outcome:
    """What an evaluator computed for one claim."""

    verdict: str
    measured: str
    reason: str
    evidence: Evidence
    value: float = NAN
    ci: tuple[float, float] = (NAN, NAN)
    details: list[str] = field(default_factory=list)


Evaluator = Callable[[dict[str, pd.DataFrame], dict[str, float]], Outcome]


@dataclass(frozen=True)
class Claim:
    """Static description of a claim; ``threshold`` is formatted with the config thresholds."""

    id: str
    tag: str
    statement: str
    metric: str
    threshold: str
    figure: str
    how: str
    evaluate: Evaluator


def all_runs_meet(
    ev: Evidence, column: str, limit: float, unit: str, absolute: bool = False
) -> tuple[bool, str, tuple[float, float, float]]:
    """Whether every run has column (or |column|) <= limit; the measured text and mean CI."""
    values = ev.ok[column].abs() if absolute else ev.ok[column]
    m, lo, hi = mean_ci(values)
    worst = float(values.max())
    name = f"|{column}|" if absolute else column
    text = f"{name} mean {fmt_ci(m, lo, hi, unit)}, worst {fmt(worst)}{unit}"
    return bool((values <= limit).all()), text, (m, lo, hi)


def per_group(rows: pd.DataFrame, keys: Sequence[str], column: str, unit: str = "") -> list[str]:
    lines = []
    for key, g in rows.groupby(group_keys(rows, keys), dropna=False):
        m, lo, hi = mean_ci(g[column])
        lines.append(f"{group_label(key)}: {column} {fmt_ci(m, lo, hi, unit)} (n={len(g)})")
    return lines


def _rank_mismatches(ok: pd.DataFrame) -> int:
    """Runs whose learned rank differs from the closed form's.

    Where the cut is degenerate (``cf_containing``) the reference is the whole tied eigenspace,
    of dimension cf_rank > k, and the learned Z must have the predicted rank instead.
    """
    if not {"learned_rank", "cf_rank"} <= set(ok.columns):
        return 0
    expected = ok["cf_rank"]
    if {"cf_containing", "cf_predicted_rank"} <= set(ok.columns):
        containing = ok["cf_containing"].astype("boolean").fillna(False).astype(bool)
        expected = expected.where(~containing, ok["cf_predicted_rank"])
    both = pd.DataFrame({"learned": ok["learned_rank"], "expected": expected}).dropna()
    return int((both["learned"] != both["expected"]).sum())


def report_only(tables: dict[str, pd.DataFrame], name: str, column: str, **where: Any) -> list[str]:
    """Per-group lines for rows that are measured but not judged (empty if absent)."""
    try:
        ev = select(tables, name, [column], **where)
    except NoData as exc:
        return [f"(reported, not judged) {exc}"]
    keys = ("data", "relation", "method")
    return [f"(reported, not judged) {line}" for line in per_group(ev.ok, keys, column, "")]


def ok_mark(flag: bool) -> str:
    return "ok" if flag else "FAILS"


def verdict_of(passed: bool) -> str:
    return SUPPORTED if passed else NOT_SUPPORTED
