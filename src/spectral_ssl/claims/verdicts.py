"""Verdicts and the pieces every claim family shares.

Every verdict comes from a pre-stated test of ``claims.inference`` per group of runs (one-sided
t bound, TOST, Kendall trend, or the deterministic maximum for exact numerics), joined over the
claim's groups by ``inference.combine`` (rule "all" or "any", Holm on the side that is a union
of hypotheses) at the level ``claims.alpha`` of config.yaml: SUPPORTED / NOT SUPPORTED only
when the interval lies on one side of the threshold, INCONCLUSIVE when it straddles it or when
the evidence is missing ("no data: <table> missing", no matching rows, no usable run), mostly
unconverged or incomplete. Runs with ``status == "failed"`` and runs with ``converged ==
False`` are counted in every claim whose rows they match and reported; no verdict reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .evidence import (
    Evidence,
    NoData,
    group_keys,
    select,
)
from .inference import Combined, Test, combine
from .stats import (
    NAN,
    fmt,
    fmt_ci,
    group_label,
    mean_ci,
)

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "SUPPORTED", "NOT SUPPORTED", "INCONCLUSIVE"
COLUMNS = (
    "id", "tag", "verdict", "statement", "metric", "test", "threshold", "measured", "interval",
    "value", "ci95_low", "ci95_high", "n", "n_converged", "n_unconverged", "n_unrecorded",
    "n_failed", "figure", "runs", "reason", "how", "details", "design",
)  # fmt: skip
# value / ci95_low / ci95_high keep their names (readers of claims.csv): they hold the estimate
# and the interval the verdict reads (one-sided bounds have an infinite other end), at the
# level of the test (1 - alpha one-sided, 1 - 2 alpha for TOST), not always 95%.


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
    test: str = ""  # the pre-stated test: name, threshold or margin, alpha, correction
    interval: str = ""  # the interval the verdict reads, as text
    rule: str = ""  # "all" / "any" of the combination ("" when no test was computed)


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
    # the design choice that decides the verdict (graph, K, convergence, selection) and what the
    # earlier, unfair design read; printed as "What decides it" in claims.md
    design: str = ""


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


def correction_text(rule: str, n_groups: int) -> str:
    if n_groups <= 1:
        return "one test, no correction"
    if rule == "all":
        return (f"rule 'all' over {n_groups} tests (groups x checks): every one supported "
                "(intersection-union), Holm on the refutation side")
    return f"rule 'any' over {n_groups} tests (groups): Holm on the support side"


def decide(
    ev: Evidence,
    tests: Sequence[tuple[str, Test]],
    rule: str,
    thr: dict[str, float],
    test_text: str,
    details: Sequence[str] = (),
    unit: str = "",
) -> Outcome:
    """Outcome of a claim from its groups' tests: ``combine`` at ``thr['alpha']``.

    The interval shown is the one of the group that decides the verdict: for SUPPORTED under
    rule 'all' the weakest group (largest p_for), for NOT SUPPORTED the strongest refutation
    (smallest adjusted p_against), under rule 'any' the strongest support."""
    alpha = thr["alpha"]
    if not tests:
        raise NoData(f"no data: no group where '{test_text}' can be computed")
    labels, ts = [lab for lab, _ in tests], [t for _, t in tests]
    comb: Combined = combine(ts, rule, alpha)
    pick = _deciding(comb, rule)
    lines = []
    for i, (lab, t) in enumerate(tests):
        lines.append(
            f"{lab}: {t.name} {t.interval()}{unit}, p_for {fmt(comb.p_for[i])}, p_against "
            f"{fmt(comb.p_against[i])} (adjusted where the rule needs it) -> "
            f"{comb.group_verdicts[i]}; {t.detail}"
        )
    t = ts[pick]
    counts = {v: comb.group_verdicts.count(v) for v in (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE)}
    reason = (
        f"{counts[SUPPORTED]} of {len(ts)} test(s) supported, {counts[NOT_SUPPORTED]} refuted, "
        f"{counts[INCONCLUSIVE]} inconclusive at alpha = {fmt(alpha)}; deciding group "
        f"{labels[pick]}: {t.name} {t.interval()}{unit} (n = {t.n})"
    )
    return Outcome(
        comb.verdict, f"{labels[pick]}: {t.interval()}{unit}", reason, ev, t.estimate,
        (t.low, t.high), [*lines, *details],
        f"{test_text}; alpha = {fmt(alpha)}; {correction_text(rule, len(ts))}",
        f"{t.name}: {t.interval()}{unit}", rule,
    )  # fmt: skip


def _deciding(comb: Combined, rule: str) -> int:
    p_for = np.where(np.isfinite(comb.p_for), comb.p_for, np.inf)
    p_against = np.where(np.isfinite(comb.p_against), comb.p_against, np.inf)
    if comb.verdict == NOT_SUPPORTED:
        return int(np.argmin(p_against))
    return int(np.argmax(p_for)) if rule == "all" else int(np.argmin(p_for))
