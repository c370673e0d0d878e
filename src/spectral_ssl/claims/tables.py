"""The inputs of the claims: metric tables (results/metrics/*.csv) and the verdict thresholds
(the ``claims:`` section of config.yaml).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..errors import ArtifactError, ConfigError

log = logging.getLogger(__name__)

EXPERIMENTS = (
    "optimal", "linear", "rank", "cliques", "alignment", "aligned", "aligned_mlp",  # C2-C11
    "misaligned_linear", "misaligned_linear_digits", "misaligned_mlp",  # C12
    "low_data", "whitening", "whitening_subspace", "global_local", "nnclr", "dose",  # C13-C20
)  # fmt: skip
TABLES = (*EXPERIMENTS, "optimal_trajectory", "cliques_trajectory", "nnclr_trajectory", "cost",
          "identities")
THRESHOLD_KEYS = (
    "angle_deg", "loss_gap_rel", "sv_rel_error", "identity_rel", "probe_gap", "lead_share_min",
    "rank_rtol", "gap_rel_min", "local_margin", "alpha",
)  # fmt: skip
REFERENCE_METHODS = ("supervised", "whitened", "lda", "class_indicators", "supervised_mlp")
ALIGNED = 0.9  # g_alignment_labels at or above this: G is aligned with the labels


def is_reference(method: Any) -> bool:
    """Reference rows (probes on raw / whitened X, closed-form twins, C18's ``ref:*``
    embeddings), not trained methods."""
    return isinstance(method, str) and (
        method in REFERENCE_METHODS or method.startswith(("twin:", "ref:"))
    )


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
    """Add ``spectral_rank`` = #{i : s_i / s_1 > rtol} from the ``sv_rel_<i>`` columns (centred
    Z), and ``uncentred_spectral_rank`` from ``usv_rel_<i>`` (uncentred free Z) where stored.

    The rank used by C4, C5 and C16: trained embeddings keep a tail of small singular values
    (about 1e-3 to 1e-1 of s_1 after finite training) that ``numerical_rank`` (rtol 1e-3) counts;
    rtol = claims.rank_rtol sets where a direction stops counting. NaN where the stored spectrum
    is shorter than k and every stored value is above rtol (the rank is then unknown).
    """
    for prefix, column in (("sv_rel_", "spectral_rank"), ("usv_rel_", "uncentred_spectral_rank")):
        cols = [c for c in table.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]
        if not cols or "k" not in table:
            continue
        sv = table[cols].to_numpy(dtype=float)
        rank = rank_above(sv, rtol)
        stored = np.isfinite(sv).sum(axis=1)
        unknown = (rank == stored) & (stored < table["k"].to_numpy(dtype=float))
        table = table.assign(**{column: np.where(unknown, np.nan, rank)})
    return table


def rank_above(relative_sv: np.ndarray, rtol: float) -> np.ndarray:
    """The rank the claims use: #{i : s_i / s_1 > rtol} per row (NaN entries do not count)."""
    return (np.asarray(relative_sv, dtype=float) > rtol).sum(axis=1).astype(float)


def with_rank_aware_angles(table: pd.DataFrame, rtol: float) -> pd.DataFrame:
    """C9's rank-aware columns at the measured rank r of W (``rank_aware`` stores every r):

    ``w_rank`` = #{r : w_sv_rel_r > rtol}; ``containment_angle_deg`` = contain_deg_r<r>
    (col(W_r) inside the top-K canonical subspace); ``equality_angle_deg`` = equal_deg_r<r>
    (col(W_r) vs the top-r canonical subspace); ``gap_rel_at_rank`` = cf_gap_rel_r<r>.
    Rows without the stored columns get NaN.
    """
    cols = [c for c in table.columns if c.startswith("w_sv_rel_") and c[9:].isdigit()]
    if not cols:
        return table
    cols.sort(key=lambda c: int(c[9:]))
    rank = rank_above(table[cols].to_numpy(dtype=float), rtol)
    has = table[cols].notna().any(axis=1).to_numpy()
    picked: dict[str, list[float]] = {}
    for name, stem in (("containment_angle_deg", "contain_deg_r"),
                       ("equality_angle_deg", "equal_deg_r"), ("gap_rel_at_rank", "cf_gap_rel_r")):
        values = []
        for i, r in enumerate(rank):
            column = f"{stem}{int(r)}"
            ok = has[i] and r >= 1 and column in table
            values.append(float(table[column].iloc[i]) if ok else np.nan)
        picked[name] = values
    return table.assign(w_rank=np.where(has, rank, np.nan), **picked)


def read_thresholds(config_path: str | os.PathLike) -> dict[str, float]:
    """The ``claims:`` section of config.yaml as floats (every key of THRESHOLD_KEYS, > 0).

    ``alpha`` is the level of every test of the report (one-sided bounds at 1 - alpha, TOST
    intervals at 1 - 2 alpha, Holm over a claim's groups), so it must also be < 0.5."""
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
    if not out["alpha"] < 0.5:  # TOST reads the 1 - 2 alpha interval
        raise ConfigError(f"{path}: claims.alpha must be < 0.5, got {section['alpha']}")
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
