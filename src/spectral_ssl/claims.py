"""Claims report: one computed verdict per claim C1-C17 from the metric tables.

``main_claims(metrics_dir, config_path, out_md, out_csv)`` reads ``results/metrics/*.csv`` (see
docs/pipeline.md), the thresholds of the ``claims:`` section of config.yaml, and writes
claims.md and claims.csv. Every verdict is computed here; nothing is hand-written.

Verdicts
--------
SUPPORTED / NOT SUPPORTED follow the rule of each claim below. INCONCLUSIVE means the evidence
is missing ("no data: <table> missing", no matching rows, no usable run) or incomplete. Runs
with ``status == "failed"`` are counted in every claim whose rows they match and reported
(``n_failed`` and the runs list); they carry no metrics, so the measurement uses the others.
Measured values are mean and 95% t-based confidence interval over runs (mean +- t_{0.975, n-1}
s / sqrt(n)); claims about exact agreement (C2, C3, C7, C8, C9) also require every single run
to meet the threshold.

Operationalisations
-------------------
C1, C6, C10, C15  identities.csv: every row of the claim is judged against its limit: the
    config's identity_rel for relative errors of C1, C6 and C15, angle_deg for C10 angles in
    degrees, else the row's own ``tolerance`` (infinite: reported, not judged).
C2  optimal.csv, vicreg_sq and spectral_contrastive: angle_max_deg <= angle_deg in every run,
    and learned_rank == cf_rank (a collapsed Z can look aligned). Other methods: reported.
C3  optimal.csv, vicreg_sq: |loss_gap_rel| <= loss_gap_rel and sv_rel_error <= sv_rel_error
    in every run (a loss below the closed form's minimum also fails).
C4  rank.csv, vicreg: per (data, relation, model), Spearman rho(gamma, effective_rank) < 0
    over the runs, and rank == k in every run at the smallest gamma.
C5  optimal.csv and rank.csv, free model, simclr and barlow_twins: rank <=
    min(k, g_n_components) in every run (every tau and alpha).
C7  optimal.csv, spectral_contrastive, free model: angle_max_deg <= angle_deg and
    |loss_gap_rel| <= loss_gap_rel in every run.
C8  linear.csv, vicreg_sq (LPP): angle_max_deg <= angle_deg in every run; hinge vicreg's angle
    is reported. C9: linear.csv, barlow_twins (CCA): same rule.
C11 alignment.csv, relations with g_alignment_labels >= 0.9: per (data, relation, model,
    method) the best hyperparameters' mean probe_test_accuracy >= supervised - probe_gap
    (beating the supervised probe counts as reaching it); probe train accuracy is reported.
C12 alignment.csv, relations with g_alignment_labels < 0.9, per (data, relation, model):
    arxiv: mean accuracy of vicreg at the group's smallest gamma > the best simclr and the best
    barlow_twins cell; neurips: the best (method, hyperparameters) cell is barlow_twins or
    vicreg at the smallest gamma. SUPPORTED when the statement holds in every group.
C13 low_data.csv, N' = n_samples < k, per (data, relation, model): arxiv: Spearman
    rho(gamma, probe_test_accuracy) of vicreg > 0; neurips: the best cell is simclr or vicreg
    at the largest gamma. SUPPORTED when it holds in every group.
C14 alignment.csv (the table with a gamma sweep), linear model, vicreg / vicreg_sq at the
    smallest gamma of each (data, relation): |mean accuracy - whitened reference| <= probe_gap.
C16 rank.csv and optimal.csv, hinge vicreg, free model, the largest gamma/alpha of each
    (data, relation): SUPPORTED ("may collapse") if some run has rank < k. The
    number of runs below min(k, g_n_components), the surrogate's large-gamma rank, is reported.
C17 cost.csv: least-squares slope of log time_ms vs log N (vary == "n") and log K
    (vary == "k") over all repeats, 95% CI from the slope's standard error; simclr vs N ~ 2,
    vicreg and barlow_twins vs N ~ 1 and vs K ~ 2, each within exponent_tol (simclr vs K is
    reported). A missing fit makes the claim INCONCLUSIVE unless another one fails.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from .errors import ArtifactError, ConfigError
from .io import atomic_path, save_text

log = logging.getLogger(__name__)

EXPERIMENTS = ("optimal", "linear", "rank", "alignment", "low_data")
TABLES = (*EXPERIMENTS, "optimal_trajectory", "cost", "identities")
THRESHOLD_KEYS = (
    "angle_deg", "loss_gap_rel", "sv_rel_error", "identity_rel", "probe_gap", "exponent_tol",
    "rank_rtol",
)  # fmt: skip
REFERENCE_METHODS = ("supervised", "whitened")
ALIGNED = 0.9  # g_alignment_labels at or above this: G is aligned with the labels
SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE = "SUPPORTED", "NOT SUPPORTED", "INCONCLUSIVE"
COLUMNS = (
    "id", "tag", "verdict", "statement", "metric", "threshold", "measured", "value",
    "ci95_low", "ci95_high", "n", "n_failed", "figure", "runs", "reason", "how", "details",
)  # fmt: skip
RUNS_LISTED = 6  # list run folders up to this many, else a count and a glob
NAN = math.nan


# --------------------------------------------------------------------------------------------
# tables and thresholds
# --------------------------------------------------------------------------------------------
def is_reference(method: Any) -> bool:
    """Reference rows (probes on raw / whitened X, closed-form twins), not trained methods."""
    return isinstance(method, str) and (method in REFERENCE_METHODS or method.startswith("twin:"))


def read_table(metrics_dir: str | os.PathLike, name: str) -> pd.DataFrame | None:
    """``{metrics_dir}/{name}.csv`` or None when absent or empty; ``status`` defaults to ok."""
    path = Path(metrics_dir) / f"{name}.csv"
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        log.warning("%s is empty; treated as missing", path)
        return None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"corrupted table {path}: {exc}") from None
    if table.empty:
        return None
    table["status"] = table["status"].fillna("ok") if "status" in table else "ok"
    return table


def load_tables(metrics_dir: str | os.PathLike) -> dict[str, pd.DataFrame]:
    """Every table of TABLES present in ``metrics_dir``, by name."""
    tables = {name: read_table(metrics_dir, name) for name in TABLES}
    return {name: t for name, t in tables.items() if t is not None}


def with_spectral_rank(table: pd.DataFrame, rtol: float) -> pd.DataFrame:
    """Add ``spectral_rank`` = #{i : s_i / s_1 > rtol} from the ``sv_rel_<i>`` columns.

    The rank used by C4, C5 and C16: trained embeddings keep a tail of small singular values
    (about 1e-3 to 1e-1 of s_1 after finite training) that ``numerical_rank`` (rtol 1e-3) counts;
    rtol = claims.rank_rtol sets where a direction stops counting. NaN where the stored spectrum
    is shorter than k and every stored value is above rtol (the rank is then unknown).
    """
    cols = [c for c in table.columns if c.startswith("sv_rel_") and c[7:].isdigit()]
    if not cols or "k" not in table:
        return table
    sv = table[cols].to_numpy(dtype=float)
    rank = (sv > rtol).sum(axis=1).astype(float)
    stored = np.isfinite(sv).sum(axis=1)
    unknown = (rank == stored) & (stored < table["k"].to_numpy(dtype=float))
    return table.assign(spectral_rank=np.where(unknown, np.nan, rank))


def read_thresholds(config_path: str | os.PathLike) -> dict[str, float]:
    """The ``claims:`` section of config.yaml as floats (every key of THRESHOLD_KEYS, > 0)."""
    path = Path(config_path)
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"cannot parse {path}: {exc}") from None
    section = config.get("claims") if isinstance(config, dict) else None
    if not isinstance(section, dict):
        raise ConfigError(f"{path} has no 'claims:' section with the verdict thresholds")
    missing = [k for k in THRESHOLD_KEYS if k not in section]
    if missing:
        raise ConfigError(f"{path}: claims: lacks {', '.join(missing)}")
    out = {}
    for key in THRESHOLD_KEYS:
        try:
            out[key] = float(section[key])
        except (TypeError, ValueError):
            raise ConfigError(f"{path}: claims.{key} must be a number") from None
        if not out[key] > 0:
            raise ConfigError(f"{path}: claims.{key} must be > 0, got {section[key]}")
    return out


def fill_relation_stats(table: pd.DataFrame) -> pd.DataFrame:
    """Copy each relation's g_* statistics onto its rows that lack them (failed runs)."""
    g_cols = [c for c in table.columns if c.startswith("g_")]
    if not g_cols or not {"data", "relation"} <= set(table.columns):
        return table
    table = table.copy()
    groups = table.groupby(["data", "relation"], dropna=False)
    for col in g_cols:
        table[col] = table[col].fillna(groups[col].transform("max"))
    return table


# --------------------------------------------------------------------------------------------
# evidence: the rows a claim is computed from
# --------------------------------------------------------------------------------------------
class NoData(Exception):
    """A claim cannot be judged: its table, rows or columns are missing."""

    def __init__(self, reason: str, failed: pd.DataFrame | None = None) -> None:
        super().__init__(reason)
        self.failed = failed if failed is not None else pd.DataFrame()


@dataclass(frozen=True)
class Cond:
    """A row filter with a description, e.g. Cond("g_alignment_labels >= 0.9", fn)."""

    text: str
    test: Callable[[pd.DataFrame], pd.Series]


@dataclass
class Evidence:
    """Rows a claim uses (ok), rows it matched that failed, and notes on left-out rows."""

    ok: pd.DataFrame
    failed: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    source: str = ""


def select(
    tables: dict[str, pd.DataFrame],
    name: str,
    columns: Sequence[str],
    cond: Cond | None = None,
    **where: Any,
) -> Evidence:
    """Rows of table ``name`` with ``column == value`` (or ``in`` a list) for ``where``."""
    table = tables.get(name)
    if table is None:
        raise NoData(f"no data: {name}.csv missing")
    lacking = [c for c in (*columns, *where) if c not in table]
    if lacking:
        raise NoData(f"no data: {name}.csv lacks the column(s) {', '.join(lacking)}")
    mask = pd.Series(True, index=table.index)
    described = []
    for col, value in where.items():
        values = list(value) if isinstance(value, list | tuple) else [value]
        mask &= table[col].isin(values)
        described.append(f"{col} in {values}" if len(values) > 1 else f"{col} = {values[0]}")
    if cond is not None:
        try:
            mask &= cond.test(table).fillna(False).astype(bool)
        except KeyError as exc:
            raise NoData(f"no data: {name}.csv lacks the column {exc} ({cond.text})") from None
        described.append(cond.text)
    rows = table[mask].assign(_table=name)
    where_text = ", ".join(described) or "any"
    if rows.empty:
        raise NoData(f"no data: no rows with {where_text} in {name}.csv")
    failed = rows[rows["status"] == "failed"]
    ok = rows[rows["status"] != "failed"]
    incomplete = ok[list(columns)].isna().any(axis=1)
    notes = []
    if incomplete.any():
        notes.append(
            f"{int(incomplete.sum())} run(s) of {name}.csv without {', '.join(columns)} "
            "left out of the measurement"
        )
    ok = ok[~incomplete]
    if ok.empty:
        raise NoData(
            f"no usable run with {where_text} in {name}.csv ({len(failed)} failed)", failed
        )
    return Evidence(ok, failed, notes, f"{name}.csv ({where_text})")


def select_any(
    tables: dict[str, pd.DataFrame], names: Sequence[str], columns: Sequence[str], **where: Any
) -> Evidence:
    """``select`` on each table and concatenate the ones that have evidence."""
    found, reasons, failed = [], [], []
    for name in names:
        try:
            found.append(select(tables, name, columns, **where))
        except NoData as exc:
            reasons.append(str(exc))
            failed.append(exc.failed)
    if not found:
        raise NoData("; ".join(reasons), _concat(failed))
    return Evidence(
        _concat([e.ok for e in found]),
        _concat([e.failed for e in found] + failed),
        [n for e in found for n in e.notes] + [f"({r})" for r in reasons],
        "; ".join(e.source for e in found),
    )


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def describe_runs(rows: pd.DataFrame) -> str:
    """Run folders (a list, or a count and a glob), else a row count per table."""
    if rows.empty:
        return "none"
    dirs = sorted(rows["run_dir"].dropna().astype(str).unique()) if "run_dir" in rows else []
    if dirs and len(dirs) <= RUNS_LISTED:
        return "; ".join(dirs)
    if dirs:
        return f"{len(dirs)} runs: {run_glob(dirs)}"
    counts = rows["_table"].value_counts(sort=False) if "_table" in rows else {}
    return ", ".join(f"{n} rows of {t}.csv" for t, n in counts.items()) or f"{len(rows)} rows"


def run_glob(paths: Sequence[str]) -> str:
    """A glob that matches every path: components that differ become '*'."""
    parts = [Path(p).parts for p in paths]
    if len({len(p) for p in parts}) != 1:
        return os.path.join(os.path.commonpath(paths), "**")
    return str(Path(*[c[0] if len(set(c)) == 1 else "*" for c in zip(*parts, strict=True)]))


# --------------------------------------------------------------------------------------------
# statistics and formatting
# --------------------------------------------------------------------------------------------
def mean_ci(values: Any) -> tuple[float, float, float]:
    """Mean and 95% t-based confidence interval (NaN bounds for fewer than 2 values)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return NAN, NAN, NAN
    m = float(x.mean())
    if x.size < 2:
        return m, NAN, NAN
    h = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - h, m + h


def diff_ci(a: Any, b: Any) -> tuple[float, float, float]:
    """mean(a) - mean(b) with a Welch 95% interval (NaN bounds when it is undefined)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    d = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2 or (a.std() == 0 and b.std() == 0):
        return d, NAN, NAN
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    return d, float(ci.low), float(ci.high)


def spearman(x: Any, y: Any) -> tuple[float, float]:
    """Spearman rho and p-value; NaN when either variable is constant."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.spearmanr(np.asarray(x, float), np.asarray(y, float))
    return float(res.statistic), float(res.pvalue)


def fmt(value: float) -> str:
    """Three significant digits; 'n/a' for NaN."""
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else str(value)
    return f"{value:.3g}"


def fmt_ci(m: float, lo: float, hi: float, unit: str = "") -> str:
    """'m [lo, hi] unit' (the interval omitted when undefined)."""
    interval = f" [{fmt(lo)}, {fmt(hi)}]" if np.isfinite(lo) else ""
    return f"{fmt(m)}{interval}{unit}"


def _label(key: Any) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    return "/".join(str(k) for k in keys)


def _ints(values: pd.Series) -> str:
    """'32' or '16, 32': the distinct integer values of a column."""
    return ", ".join(str(v) for v in sorted({int(v) for v in values.dropna()}))


def narrow(ev: Evidence, used: pd.DataFrame, keys: Sequence[str]) -> Evidence:
    """The evidence restricted to the rows used and to the failed runs with the same keys."""
    keys = [k for k in keys if k in used and k in ev.failed]
    failed = ev.failed
    if keys and not failed.empty:
        wanted = set(map(tuple, used[keys].astype(str).to_numpy()))
        failed = failed[[tuple(r) in wanted for r in failed[keys].astype(str).to_numpy()]]
    return Evidence(used, failed, ev.notes, ev.source)


def _hp(rows: pd.DataFrame) -> pd.Series:
    return (
        rows["hparams"].fillna("default") if "hparams" in rows else pd.Series("default", rows.index)
    )


def _group_keys(rows: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    return [k for k in keys if k in rows]


# --------------------------------------------------------------------------------------------
# claims
# --------------------------------------------------------------------------------------------
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


def _all_runs_meet(
    ev: Evidence, column: str, limit: float, unit: str, absolute: bool = False
) -> tuple[bool, str, tuple[float, float, float]]:
    """Whether every run has column (or |column|) <= limit; the measured text and mean CI."""
    values = ev.ok[column].abs() if absolute else ev.ok[column]
    m, lo, hi = mean_ci(values)
    worst = float(values.max())
    name = f"|{column}|" if absolute else column
    text = f"{name} mean {fmt_ci(m, lo, hi, unit)}, worst {fmt(worst)}{unit}"
    return bool((values <= limit).all()), text, (m, lo, hi)


def _per_group(rows: pd.DataFrame, keys: Sequence[str], column: str, unit: str = "") -> list[str]:
    lines = []
    for key, g in rows.groupby(_group_keys(rows, keys), dropna=False):
        m, lo, hi = mean_ci(g[column])
        lines.append(f"{_label(key)}: {column} {fmt_ci(m, lo, hi, unit)} (n={len(g)})")
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


def _report_only(
    tables: dict[str, pd.DataFrame], name: str, column: str, **where: Any
) -> list[str]:
    """Per-group lines for rows that are measured but not judged (empty if absent)."""
    try:
        ev = select(tables, name, [column], **where)
    except NoData as exc:
        return [f"(reported, not judged) {exc}"]
    keys = ("data", "relation", "method")
    return [f"(reported, not judged) {line}" for line in _per_group(ev.ok, keys, column, "")]


def identity_claim(claim_id: str) -> Evaluator:
    """Judge the identities.csv rows of one claim against their limits."""

    def evaluate(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
        ev = select(tables, "identities", ["quantity", "value"], claim=claim_id)
        rows = ev.ok.assign(limit=[_identity_limit(claim_id, r, thr) for _, r in ev.ok.iterrows()])
        judged = rows[np.isfinite(rows["limit"])]
        if judged.empty:
            raise NoData(f"no data: no {claim_id} row with a finite tolerance in identities.csv")
        ratios = judged["value"].abs() / judged["limit"]
        passed = bool((ratios <= 1).all())
        details = [
            f"{r.quantity}: {fmt(r.value)} (limit {fmt(r.limit)}"
            + (", reported only)" if not np.isfinite(r.limit) else f") {_ok(r.value <= r.limit)}")
            for r in rows.itertuples()
        ]
        measured = ", ".join(f"{fmt(r.value)} (limit {fmt(r.limit)})" for r in judged.itertuples())
        reason = f"{int((ratios <= 1).sum())} of {len(judged)} identity rows within their limit"
        worst = float(judged["value"].abs().max())
        return Outcome(_verdict(passed), measured, reason, ev, worst, details=details)

    return evaluate


def _identity_limit(claim_id: str, row: pd.Series, thr: dict[str, float]) -> float:
    quantity = str(row["quantity"]).lower()
    tol = pd.to_numeric(row.get("tolerance", NAN), errors="coerce")
    if tol == math.inf:
        return math.inf
    if claim_id in ("C1", "C6", "C15") and "relative" in quantity:
        return thr["identity_rel"]
    if claim_id == "C10" and "angle" in quantity and "deg" in quantity:
        return thr["angle_deg"]
    return float(tol) if pd.notna(tol) else NAN


def _ok(flag: bool) -> str:
    return "ok" if flag else "FAILS"


def _verdict(passed: bool) -> str:
    return SUPPORTED if passed else NOT_SUPPORTED


def eval_c2(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "optimal", ["angle_max_deg"], method=["vicreg_sq", "spectral_contrastive"])
    passed, text, (m, lo, hi) = _all_runs_meet(ev, "angle_max_deg", thr["angle_deg"], " deg")
    mismatched = _rank_mismatches(ev.ok)
    details = _per_group(ev.ok, ("data", "relation", "method"), "angle_max_deg", " deg")
    details += _report_only(
        tables, "optimal", "angle_max_deg", method=["vicreg", "simclr", "barlow_twins"]
    )
    reason = (
        f"{int((ev.ok['angle_max_deg'] <= thr['angle_deg']).sum())} of {len(ev.ok)} runs within "
        f"{fmt(thr['angle_deg'])} deg; {mismatched} run(s) with learned_rank != cf_rank"
    )
    return Outcome(_verdict(passed and mismatched == 0), text, reason, ev, m, (lo, hi), details)


def eval_c3(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "optimal", ["loss_gap_rel", "sv_rel_error"], method="vicreg_sq")
    gap_ok, gap_text, (m, lo, hi) = _all_runs_meet(
        ev, "loss_gap_rel", thr["loss_gap_rel"], "", absolute=True
    )
    sv_ok, sv_text, _ = _all_runs_meet(ev, "sv_rel_error", thr["sv_rel_error"], "")
    details = _per_group(ev.ok, ("data", "relation"), "loss_gap_rel")
    details += _per_group(ev.ok, ("data", "relation"), "sv_rel_error")
    reason = f"loss gap {_ok(gap_ok)}, singular values {_ok(sv_ok)} (every run)"
    return Outcome(_verdict(gap_ok and sv_ok), f"{gap_text}; {sv_text}", reason, ev, m, (lo, hi),
                   details)  # fmt: skip


def eval_c4(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "rank", ["gamma", "effective_rank", "spectral_rank", "k"], method="vicreg")
    details, rhos, passed = [], [], True
    for key, g in ev.ok.groupby(_group_keys(ev.ok, ("data", "relation", "model")), dropna=False):
        if g["gamma"].nunique() < 2:
            details.append(f"{_label(key)}: a single gamma, no trend to measure")
            continue
        rho, p = spearman(g["gamma"], g["effective_rank"])
        small = g[g["gamma"] == g["gamma"].min()]
        large = g[g["gamma"] == g["gamma"].max()]
        full = bool((small["spectral_rank"] == small["k"]).all())
        passed &= bool(rho < 0) and full
        rhos.append(rho)
        details.append(
            f"{_label(key)}: Spearman rho(gamma, effective rank) = {fmt(rho)} (p = {fmt(p)}); "
            f"effective rank {fmt_ci(*mean_ci(small['effective_rank']))} at gamma = "
            f"{fmt(small['gamma'].iloc[0])}, {fmt_ci(*mean_ci(large['effective_rank']))} at "
            f"gamma = {fmt(large['gamma'].iloc[0])}; rank at the smallest gamma "
            f"{_ints(small['spectral_rank'])} vs k = {_ints(small['k'])} {_ok(full)}"
        )
    if not rhos:
        raise NoData("no data: rank.csv has no vicreg gamma sweep (a single gamma per group)")
    worst = max(rhos)
    measured = f"Spearman rho(gamma, effective rank) = {', '.join(fmt(r) for r in rhos)}"
    reason = f"decreasing trend and full rank at the smallest gamma in every group: {passed}"
    return Outcome(_verdict(passed), measured, reason, ev, worst, details=details)


def eval_c5(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select_any(
        tables, ("optimal", "rank"), ["spectral_rank", "k", "g_n_components"],
        method=["simclr", "barlow_twins"], model="free",
    )  # fmt: skip
    ok = ev.ok.assign(bound=np.minimum(ev.ok["k"], ev.ok["g_n_components"]))
    ok = ok.assign(excess=ok["spectral_rank"] - ok["bound"])
    details = []
    for key, g in ok.groupby(["_table", "data", "relation", "method", "hparams"], dropna=False):
        m, lo, hi = mean_ci(g["spectral_rank"])
        details.append(
            f"{_label(key)}: rank {fmt_ci(m, lo, hi)} vs min(k, components) = "
            f"{fmt(g['bound'].iloc[0])}; {int((g['excess'] > 0).sum())} of {len(g)} runs above"
        )
    n_above = int((ok["excess"] > 0).sum())
    worst = float(ok["excess"].max())
    measured = f"largest rank - min(k, components) = {fmt(worst)}"
    reason = f"{n_above} of {len(ok)} runs above min(k, components of G)"
    return Outcome(_verdict(n_above == 0), measured, reason, ev, worst, details=details)


def eval_c7(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "optimal", ["angle_max_deg", "loss_gap_rel"],
        method="spectral_contrastive", model="free",
    )  # fmt: skip
    ang_ok, ang_text, (m, lo, hi) = _all_runs_meet(ev, "angle_max_deg", thr["angle_deg"], " deg")
    gap_ok, gap_text, _ = _all_runs_meet(ev, "loss_gap_rel", thr["loss_gap_rel"], "", absolute=True)
    details = _per_group(ev.ok, ("data", "relation"), "angle_max_deg", " deg")
    details += _per_group(ev.ok, ("data", "relation"), "loss_gap_rel")
    reason = f"angle {_ok(ang_ok)}, loss gap {_ok(gap_ok)} (every run)"
    return Outcome(_verdict(ang_ok and gap_ok), f"{ang_text}; {gap_text}", reason, ev, m,
                   (lo, hi), details)  # fmt: skip


def linear_angle_claim(method: str, twin: str, extra: Sequence[str] = ()) -> Evaluator:
    """Linear table: the method's W spans its eigenproblem's subspace (every run)."""

    def evaluate(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
        ev = select(tables, "linear", ["angle_max_deg"], method=method)
        passed, text, (m, lo, hi) = _all_runs_meet(ev, "angle_max_deg", thr["angle_deg"], " deg")
        details = _per_group(ev.ok, ("data", "relation", "hparams"), "angle_max_deg", " deg")
        for other in extra:
            details += _report_only(tables, "linear", "angle_max_deg", method=other)
        n_in = int((ev.ok["angle_max_deg"] <= thr["angle_deg"]).sum())
        reason = f"{n_in} of {len(ev.ok)} runs within {fmt(thr['angle_deg'])} deg of {twin}"
        return Outcome(_verdict(passed), text, reason, ev, m, (lo, hi), details)

    return evaluate


ALIGNED_COND = Cond(
    f"g_alignment_labels >= {ALIGNED}", lambda t: t["g_alignment_labels"] >= ALIGNED
)
MISALIGNED_COND = Cond(
    f"g_alignment_labels < {ALIGNED}", lambda t: t["g_alignment_labels"] < ALIGNED
)


def reference_accuracy(tables: dict[str, pd.DataFrame], name: str, method: str, data: Any) -> float:
    """Mean probe_test_accuracy of a reference row (supervised, whitened) for one data set."""
    table = tables[name]
    if "probe_test_accuracy" not in table:
        return NAN
    mask = (table["method"] == method) & (table["status"] != "failed")
    if "data" in table:
        mask &= table["data"] == data
    return float(table.loc[mask, "probe_test_accuracy"].mean()) if mask.any() else NAN


def trained_only(ev: Evidence) -> Evidence:
    """Drop reference rows (supervised, whitened, twin:*) from the evidence."""
    keep = [f[~f["method"].map(is_reference)] if "method" in f else f for f in (ev.ok, ev.failed)]
    if keep[0].empty:
        raise NoData(f"no data: no trained method in {ev.source}", keep[1])
    return Evidence(keep[0], keep[1], ev.notes, ev.source)


def _cells(group: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy per (method, hyperparameters) cell, with gamma and the values."""
    slim = pd.DataFrame({
        "method": group["method"], "_hp": _hp(group), "acc": group["probe_test_accuracy"],
        "gamma": group["gamma"] if "gamma" in group else NAN,
    })  # fmt: skip
    cells = []
    for (method, hp), g in slim.groupby(["method", "_hp"], dropna=False):
        values = g["acc"].to_numpy(dtype=np.float64)
        cells.append({"method": method, "_hp": hp, "mean": values.mean(),
                      "gamma": g["gamma"].iloc[0], "values": values})  # fmt: skip
    return pd.DataFrame(cells)


def eval_c11(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "alignment", ["probe_test_accuracy"], cond=ALIGNED_COND))
    details, gaps, worst = [], [], (NAN, NAN, NAN)
    for key, g in ev.ok.groupby(["data", "relation", "model", "method"], dropna=False):
        sup = reference_accuracy(tables, "alignment", "supervised", key[0])
        if np.isnan(sup):
            details.append(f"{_label(key)}: no supervised reference row for data {key[0]}")
            continue
        cells = _cells(g)
        best = cells.loc[cells["mean"].idxmax()]
        gap = sup - best["mean"]
        m, lo, hi = mean_ci(best["values"])
        if not gaps or gap > max(gaps):
            worst = (gap, sup - hi, sup - lo)
        gaps.append(gap)
        train = mean_ci(g["probe_train_accuracy"]) if "probe_train_accuracy" in g else (NAN,) * 3
        details.append(
            f"{_label(key)}: best {fmt_ci(m, lo, hi)} ({best['_hp']}) vs supervised {fmt(sup)}: "
            f"gap {fmt(gap)} {_ok(gap <= thr['probe_gap'])}; probe train accuracy "
            f"{fmt_ci(*train)} at k = {_ints(g['k'])}"
        )
    if not gaps:
        raise NoData("no data: no supervised reference rows in alignment.csv")
    passed = max(gaps) <= thr["probe_gap"]
    n_in = sum(gp <= thr["probe_gap"] for gp in gaps)
    measured = f"largest gap supervised - best method = {fmt_ci(*worst)}"
    reason = f"{n_in} of {len(gaps)} (data, relation, model, method) groups within the gap"
    return Outcome(_verdict(passed), measured, reason, ev, worst[0], worst[1:], details)


def _margin_claim(
    ev: Evidence,
    keys: Sequence[str],
    judge: Callable[[pd.DataFrame], tuple[float, tuple[float, float, float], str] | str],
    statement: str,
    measure: str = "margin",
) -> Outcome:
    """Apply ``judge`` per group; SUPPORTED when every judged group has a positive margin.

    ``judge`` returns (margin, (diff, lo, hi), text) or a string saying why it cannot judge.
    """
    details, margins, worst = [], [], (NAN, NAN, NAN)
    for key, g in ev.ok.groupby(_group_keys(ev.ok, keys), dropna=False):
        res = judge(g)
        if isinstance(res, str):
            details.append(f"{_label(key)}: not judged ({res})")
            continue
        margin, ci, text = res
        details.append(f"{_label(key)}: {text} {_ok(margin > 0)}")
        if not margins or margin < min(margins):
            worst = ci
        margins.append(margin)
    if not margins:
        raise NoData(f"no data: no group where '{statement}' can be evaluated")
    n_hold = sum(m > 0 for m in margins)
    measured = f"smallest {measure} {fmt_ci(*worst)} (holds in {n_hold} of {len(margins)} groups)"
    reason = f"'{statement}' holds in {n_hold} of {len(margins)} groups"
    return Outcome(_verdict(n_hold == len(margins)), measured, reason, ev, worst[0], worst[1:],
                   details)  # fmt: skip


def _best_cell_in(cells: pd.DataFrame, winners: pd.Series, name: str) -> tuple | str:
    """Margin of the best ``winners`` cell over the best other cell."""
    if not winners.any():
        return f"no {name} cell"
    if winners.all():
        return "no other method to compare with"
    a = cells[winners].loc[cells[winners]["mean"].idxmax()]
    b = cells[~winners].loc[cells[~winners]["mean"].idxmax()]
    d = diff_ci(a["values"], b["values"])
    text = (
        f"best {a['method']} ({a['_hp']}) {fmt(a['mean'])} vs best other {b['method']} "
        f"({b['_hp']}) {fmt(b['mean'])}: margin {fmt_ci(*d)}"
    )
    return d[0], d, text


def _vicreg_at(cells: pd.DataFrame, which: str) -> pd.Series:
    vic = cells["method"] == "vicreg"
    if not vic.any():
        return vic
    gammas = cells.loc[vic, "gamma"]
    target = gammas.min() if which == "min" else gammas.max()
    return vic & (cells["gamma"] == target)


def eval_c12_arxiv(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "alignment", ["probe_test_accuracy"], cond=MISALIGNED_COND))

    def judge(g: pd.DataFrame) -> tuple | str:
        cells = _cells(g)
        small = _vicreg_at(cells, "min")
        rivals = cells[cells["method"].isin(["simclr", "barlow_twins"])]
        if not small.any() or rivals["method"].nunique() < 2:
            return "needs vicreg, simclr and barlow_twins"
        a = cells[small].iloc[0]
        b = rivals.loc[rivals["mean"].idxmax()]
        d = diff_ci(a["values"], b["values"])
        text = (
            f"vicreg gamma = {fmt(a['gamma'])} {fmt(a['mean'])} vs best of simclr / barlow_twins "
            f"({b['method']}, {b['_hp']}) {fmt(b['mean'])}: margin {fmt_ci(*d)}"
        )
        return d[0], d, text

    return _margin_claim(ev, ("data", "relation", "model"), judge,
                         "VICReg (small gamma) beats SimCLR and BarlowTwins")  # fmt: skip


def eval_c12_neurips(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "alignment", ["probe_test_accuracy"], cond=MISALIGNED_COND))

    def judge(g: pd.DataFrame) -> tuple | str:
        cells = _cells(g)
        winners = (cells["method"] == "barlow_twins") | _vicreg_at(cells, "min")
        return _best_cell_in(cells, winners, "barlow_twins or small-gamma vicreg")

    return _margin_claim(ev, ("data", "relation", "model"), judge,
                         "BarlowTwins or VICReg (small gamma) beat the rest")  # fmt: skip


LOW_DATA_COND = Cond("n_samples < k", lambda t: t["n_samples"] < t["k"])


def eval_c13_arxiv(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "low_data", ["probe_test_accuracy", "gamma"], cond=LOW_DATA_COND, method="vicreg"
    )

    def judge(g: pd.DataFrame) -> tuple | str:
        if g["gamma"].nunique() < 2:
            return "a single gamma"
        rho, p = spearman(g["gamma"], g["probe_test_accuracy"])
        return rho, (rho, NAN, NAN), f"Spearman rho(gamma, accuracy) = {fmt(rho)} (p = {fmt(p)})"

    return _margin_claim(ev, ("data", "n_samples", "relation", "model"), judge,
                         "VICReg accuracy increases with gamma", "Spearman rho")  # fmt: skip


def eval_c13_neurips(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "low_data", ["probe_test_accuracy"], cond=LOW_DATA_COND))

    def judge(g: pd.DataFrame) -> tuple | str:
        cells = _cells(g)
        winners = (cells["method"] == "simclr") | _vicreg_at(cells, "max")
        return _best_cell_in(cells, winners, "simclr or large-gamma vicreg")

    return _margin_claim(ev, ("data", "n_samples", "relation", "model"), judge,
                         "SimCLR or VICReg (large gamma) are best")  # fmt: skip


def eval_c14(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "alignment", ["probe_test_accuracy", "gamma"],
        method=["vicreg", "vicreg_sq"], model="linear",
    )  # fmt: skip
    details, diffs, worst, used = [], [], (NAN, NAN, NAN), []
    for key, g in ev.ok.groupby(["data", "relation", "method"], dropna=False):
        white = reference_accuracy(tables, "alignment", "whitened", key[0])
        if np.isnan(white):
            details.append(f"{_label(key)}: no whitened reference row in alignment.csv")
            continue
        small = g[g["gamma"] == g["gamma"].min()]
        used.append(small)
        m, lo, hi = mean_ci(small["probe_test_accuracy"])
        diff = m - white
        if not diffs or abs(diff) > max(abs(d) for d in diffs):
            worst = (diff, lo - white, hi - white)
        diffs.append(diff)
        details.append(
            f"{_label(key)}: gamma = {fmt(small['gamma'].iloc[0])}: {fmt_ci(m, lo, hi)} vs "
            f"whitened {fmt(white)}: difference {fmt(diff)} {_ok(abs(diff) <= thr['probe_gap'])}"
        )
    if not diffs:
        raise NoData("no data: no whitened reference rows for the linear vicreg runs")
    ev = narrow(ev, pd.concat(used), ("data", "relation", "method", "gamma"))
    n_in = sum(abs(d) <= thr["probe_gap"] for d in diffs)
    measured = f"largest |accuracy - whitened| = {fmt(abs(worst[0]))} (difference {fmt_ci(*worst)})"
    reason = f"{n_in} of {len(diffs)} groups within the probe gap"
    return Outcome(_verdict(n_in == len(diffs)), measured, reason, ev, worst[0], worst[1:],
                   details)  # fmt: skip


def eval_c16(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select_any(
        tables, ("rank", "optimal"), ["spectral_rank", "k", "gamma", "alpha"],
        method="vicreg", model="free",
    )  # fmt: skip
    ok = ev.ok.assign(ratio=ev.ok["gamma"] / ev.ok["alpha"])
    details, tops = [], []
    for key, g in ok.groupby(["_table", "data", "relation"], dropna=False):
        top = g[g["ratio"] == g["ratio"].max()]
        tops.append(top)
        m, lo, hi = mean_ci(top["spectral_rank"])
        below_k = int((top["spectral_rank"] < top["k"]).sum())
        line = (
            f"{_label(key)}: gamma/alpha = {fmt(top['ratio'].iloc[0])}: rank "
            f"{fmt_ci(m, lo, hi)}, k = {_ints(top['k'])}; "
            f"{below_k} of {len(top)} runs below k"
        )
        if "g_n_components" in top and top["g_n_components"].notna().all():
            below = int((top["spectral_rank"] < np.minimum(top["k"], top["g_n_components"])).sum())
            line += f", {below} below min(k, components of G)"
        details.append(line)
    top = pd.concat(tops)
    ev = narrow(ev, top, ("_table", "data", "relation", "gamma", "alpha"))
    collapsed = int((top["spectral_rank"] < top["k"]).sum())
    lowest = min(tops, key=lambda t: (t["spectral_rank"] / t["k"]).mean())
    m, lo, hi = mean_ci(lowest["spectral_rank"] / lowest["k"])
    where = _label(tuple(lowest[["_table", "data", "relation"]].iloc[0]))
    measured = (
        f"{collapsed} of {len(top)} runs with rank < k; lowest rank / k "
        f"{fmt_ci(m, lo, hi)} ({where})"
    )
    reason = f"{collapsed} of {len(top)} runs at the largest gamma/alpha have rank < k"
    return Outcome(_verdict(collapsed > 0), measured, reason, ev, m, (lo, hi), details)


COST_EXPECTED = {
    ("simclr", "n"): 2.0, ("vicreg", "n"): 1.0, ("barlow_twins", "n"): 1.0,
    ("vicreg", "k"): 2.0, ("barlow_twins", "k"): 2.0,
}  # fmt: skip
COST_REPORTED = {("simclr", "k"): 1.0}


def fit_exponent(rows: pd.DataFrame, x: str) -> tuple[float, float, float]:
    """Slope of log(time_ms) vs log(x) with its 95% interval (t on n - 2 degrees of freedom)."""
    rows = rows[(rows["time_ms"] > 0) & (rows[x] > 0)]
    if rows[x].nunique() < 2:
        return NAN, NAN, NAN
    fit = stats.linregress(np.log(rows[x].astype(float)), np.log(rows["time_ms"].astype(float)))
    dof = len(rows) - 2
    h = float(stats.t.ppf(0.975, dof) * fit.stderr) if dof > 0 else NAN
    return float(fit.slope), fit.slope - h, fit.slope + h


def eval_c17(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "cost", ["method", "n", "k", "vary", "time_ms"])
    details, fits, deviations, missing, worst = [], [], [], [], (NAN, NAN, NAN)
    for (method, vary), expected in {**COST_EXPECTED, **COST_REPORTED}.items():
        rows = ev.ok[(ev.ok["method"] == method) & (ev.ok["vary"] == vary)]
        slope = fit_exponent(rows, vary) if len(rows) else (NAN, NAN, NAN)
        judged = (method, vary) in COST_EXPECTED
        if np.isnan(slope[0]):
            details.append(f"{method} vs {vary.upper()}: no fit (fewer than 2 sizes)")
            missing += [f"{method} vs {vary.upper()}"] if judged else []
            continue
        dev = abs(slope[0] - expected)
        fits.append(f"{method} vs {vary.upper()}: {fmt(slope[0])}")
        mark = _ok(dev <= thr["exponent_tol"]) if judged else "(reported)"
        details.append(f"{method} vs {vary.upper()}: exponent {fmt_ci(*slope)}, "
                       f"expected {fmt(expected)} {mark}")  # fmt: skip
        if judged:
            if not deviations or dev > max(deviations):
                worst = slope
            deviations.append(dev)
    if not deviations:
        raise NoData("no data: cost.csv has no timings for the fitted methods")
    n_in = sum(d <= thr["exponent_tol"] for d in deviations)
    if n_in < len(deviations):
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE if missing else SUPPORTED
    reason = f"{n_in} of {len(deviations)} exponents within tolerance"
    reason += f"; missing fits: {', '.join(missing)}" if missing else ""
    measured = "exponents " + ", ".join(fits)
    return Outcome(verdict, measured, reason, ev, max(deviations), worst[1:], details)


CLAIMS: tuple[Claim, ...] = (
    Claim("C1", "derived", "sum_ij G_ij ||z_i - z_j||^2 = 2 tr(Z^T L Z)",
          "relative error of the Dirichlet identity (identities.csv)",
          "relative error <= {identity_rel:g}", "identities.csv", "identity rows of C1",
          identity_claim("C1")),
    Claim("C2", "paper", "learned Z's top left singular vectors align with the closed form's",
          "angle_max_deg, learned vs closed form (optimal.csv)",
          "every run <= {angle_deg:g} deg and learned rank == closed-form rank (the predicted "
          "rank inside a tied eigenspace)", "angles_vs_step.png",
          "vicreg_sq and spectral_contrastive judged; vicreg, simclr, barlow_twins reported",
          eval_c2),
    Claim("C3", "derived", "VICReg surrogate reaches the closed-form minimum and singular values",
          "|loss_gap_rel| and sv_rel_error of vicreg_sq (optimal.csv)",
          "every run |loss_gap_rel| <= {loss_gap_rel:g} and sv_rel_error <= {sv_rel_error:g}",
          "singular_values.png", "vicreg_sq rows; the value column is the mean |loss_gap_rel|",
          eval_c3),
    Claim("C4", "paper", "VICReg can be full rank: effective rank decreases with gamma",
          "Spearman rho(gamma, effective_rank) of vicreg (rank.csv)",
          "rho < 0 in every group and rank == k at the smallest gamma (s_i / s_1 > {rank_rtol:g})",
          "rank_vs_gamma.png", "per (data, relation, model); value = largest rho", eval_c4),
    Claim("C5", "paper", "SimCLR and BarlowTwins (free Z): rank <= min(K, components of G)",
          "rank (s_i / s_1 > {rank_rtol:g}) - min(k, g_n_components) (optimal.csv, rank.csv)",
          "<= 0 in every run", "rank_vs_gamma.png", "free model, every tau and alpha", eval_c5),
    Claim("C6", "paper", "right singular vectors unconstrained: loss unchanged under Z -> Z O",
          "relative change of each loss under a random rotation (identities.csv)",
          "relative change <= {identity_rel:g} (rotation-invariant losses)", "identities.csv",
          "identity rows of C6; non-invariant losses reported", identity_claim("C6")),
    Claim("C7", "derived", "spectral contrastive: Z* Z*^T / N is the best rank-K approx. of G",
          "angle_max_deg and |loss_gap_rel| of spectral_contrastive (optimal.csv)",
          "every run <= {angle_deg:g} deg and |loss_gap_rel| <= {loss_gap_rel:g}",
          "angles_vs_step.png", "free model; value = mean angle", eval_c7),
    Claim("C8", "derived", "linear VICReg spans the LPP subspace",
          "angle_max_deg of vicreg_sq, W vs LPP (linear.csv)", "every run <= {angle_deg:g} deg",
          "linear_angles.png", "vicreg_sq judged; hinge vicreg reported",
          linear_angle_claim("vicreg_sq", "LPP", extra=("vicreg",))),
    Claim("C9", "derived", "linear BarlowTwins spans the top-K canonical subspace",
          "angle_max_deg of barlow_twins, W vs CCA (linear.csv)", "every run <= {angle_deg:g} deg",
          "linear_angles.png", "barlow_twins rows", linear_angle_claim("barlow_twins", "CCA")),
    Claim("C10", "derived", "regular G, centred X: the three eigenproblems share eigenvectors",
          "shared-eigenvector angle and rho relation error (identities.csv)",
          "angles <= {angle_deg:g} deg, other rows their tolerance", "identities.csv",
          "identity rows of C10", identity_claim("C10")),
    Claim("C11", "paper", "aligned G: a probe on every method's Z reaches the supervised one",
          "supervised - best mean probe_test_accuracy (alignment.csv, aligned relations)",
          "gap <= {probe_gap:g} for every method", "accuracy_vs_gamma.png",
          "best hyperparameters per (data, relation, model, method)", eval_c11),
    Claim("C12-arxiv", "paper-arxiv", "misaligned G: VICReg (small gamma) beats SimCLR and BT",
          "accuracy margin of vicreg at the smallest gamma over the best of simclr / BT",
          "margin > 0 in every group", "accuracy_vs_gamma.png",
          "misaligned relations, per (data, relation, model); Welch 95% CI", eval_c12_arxiv),
    Claim("C12-neurips", "paper-neurips", "misaligned G: BT or VICReg (small gamma) beat the rest",
          "accuracy margin of the best BT / small-gamma vicreg cell over the best other cell",
          "margin > 0 in every group", "accuracy_vs_gamma.png",
          "misaligned relations, per (data, relation, model); Welch 95% CI", eval_c12_neurips),
    Claim("C13-arxiv", "paper-arxiv", "low data (N' < K): VICReg accuracy increases with gamma",
          "Spearman rho(gamma, probe_test_accuracy) of vicreg (low_data.csv)",
          "rho > 0 in every group", "low_data.png", "N' < k, per (data, N', relation, model)",
          eval_c13_arxiv),
    Claim("C13-neurips", "paper-neurips", "low data (N' < K): SimCLR or VICReg (high gamma) best",
          "accuracy margin of the best simclr / largest-gamma vicreg cell over the best other",
          "margin > 0 in every group", "low_data.png", "N' < k; Welch 95% CI", eval_c13_neurips),
    Claim("C14", "derived", "gamma -> 0: linear VICReg's probe equals a probe on whitened X",
          "mean probe_test_accuracy at the smallest gamma - whitened reference",
          "|difference| <= {probe_gap:g}", "accuracy_vs_gamma.png",
          "linear model, alignment.csv (its gamma sweep); runs at the smallest gamma", eval_c14),
    Claim("C15", "garrido", "duality identity exact; unit rows and columns: L_nc - L_c = N - M",
          "identity errors (identities.csv)", "relative error <= {identity_rel:g}, "
          "other rows their tolerance", "identities.csv", "identity rows of C15",
          identity_claim("C15")),
    Claim("C16", "derived", "hinge VICReg at large gamma/alpha may collapse dimensions",
          "rank (s_i / s_1 > {rank_rtol:g}) of vicreg (hinge) at the largest gamma/alpha vs k",
          "SUPPORTED if some run has rank < k", "rank_vs_gamma.png",
          "free model, rank.csv and optimal.csv; value = lowest group mean rank / k", eval_c16),
    Claim("C17", "seed", "cost: SimCLR ~ N^2, VICReg and BarlowTwins ~ N K^2",
          "fitted log-log exponents of time_ms vs N and K (cost.csv)",
          "|exponent - expected| <= {exponent_tol:g}", "cost.png",
          "least squares over all repeats; value = largest deviation", eval_c17),
)  # fmt: skip


# --------------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------------
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
        "runs": describe_runs(_concat([ev.ok, ev.failed])),
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
