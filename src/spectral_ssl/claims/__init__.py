"""Claims report: one computed verdict per claim (C1-C18, C20) from the metric tables.

tables      metric tables and verdict thresholds (config.yaml ``claims:``)
evidence    the rows a claim uses (select / select_any), failed / unconverged runs, globs
inference   the pre-stated tests: one-sided t bounds, TOST, trend, exact rule, Holm, combine
stats       descriptive numbers and formatting: mean and t interval, log-log slope
verdicts    Outcome, Claim, ``decide`` (a claim's verdict from its groups' tests)
identities  C1, C6, C10, C15        agreement  C2, C3, C7, C8, C9
rank        C4, C5, C16             accuracy   C11, C12, C13, C14
cost        C17                     dose       C20
cost        C17             neighbours C19
registry    CLAIMS: every claim's statement, metric, threshold, figure and evaluator
report      judge every claim, render claims.md / claims.csv (main_claims)
"""

from .evidence import Cond, Evidence, NoData, run_glob, select, select_any
from .registry import CLAIMS
from .report import evaluate_claims, judge, main_claims, render_markdown, version_support
from .stats import diff_ci, fit_exponent, mean_ci, spearman
from .tables import (
    EXPERIMENTS,
    TABLES,
    THRESHOLD_KEYS,
    is_reference,
    load_tables,
    read_table,
    read_thresholds,
    with_spectral_rank,
)
from .verdicts import (
    COLUMNS,
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Claim,
    Outcome,
    _rank_mismatches,
)

__all__ = [
    "CLAIMS",
    "COLUMNS",
    "EXPERIMENTS",
    "INCONCLUSIVE",
    "NOT_SUPPORTED",
    "SUPPORTED",
    "TABLES",
    "THRESHOLD_KEYS",
    "Claim",
    "Cond",
    "Evidence",
    "NoData",
    "Outcome",
    "_rank_mismatches",
    "diff_ci",
    "evaluate_claims",
    "fit_exponent",
    "is_reference",
    "judge",
    "load_tables",
    "main_claims",
    "mean_ci",
    "read_table",
    "read_thresholds",
    "render_markdown",
    "run_glob",
    "select",
    "select_any",
    "spearman",
    "version_support",
    "with_spectral_rank",
]
