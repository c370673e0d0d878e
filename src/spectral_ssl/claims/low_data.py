"""The two readings of "low data" in C13, as one long table of (reading, labels, probe) variants.

low_data.csv has one row per run. Each row is read as several *variants*, each a copy of the row
whose ``probe_val_accuracy`` / ``probe_test_accuracy`` are those of one probe in one reading:

- reading "few source samples": runs with N' = ``n_samples`` < k (SSL on views of few images),
  every training label in the probe; probes ``standardised`` (``probe_*``), ``raw``
  (``probe_raw_*``, unstandardised logistic) and ``knn`` (``knn_val_accuracy`` /
  ``knn_accuracy``);
- reading "few labels": runs on the whole training split (``n_samples`` = ``n_train``, SSL on
  all unlabelled images), each probe fit on m labelled rows per class (``few{m}_*``, the
  columns of ``spectral_ssl.probes.few_label_metrics``), m = ``shots``.

A variant whose columns are absent (a table from before they existed) is simply not built.
Selection columns other than ``probe_val_accuracy`` are dropped from the copies, so a variant
is always selected on its own probe's validation accuracy and never on another number.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .evidence import Cond

FEW_SOURCES = "few source samples"
FEW_LABELS = "few labels"
ALL_LABELS = "all"
# probe -> (validation column, test column) with every training label
PROBE_COLUMNS = {
    "standardised": ("probe_val_accuracy", "probe_test_accuracy"),
    "raw": ("probe_raw_val_accuracy", "probe_raw_test_accuracy"),
    "knn": ("knn_val_accuracy", "knn_accuracy"),
}
FEW_STEMS = {"standardised": "probe", "raw": "raw", "knn": "knn"}  # few{m}_{stem}_*_accuracy
VARIANT_KEYS = ("reading", "labels", "probe")
_SHOT_COLUMN = re.compile(r"^few(\d+)_probe_test_accuracy$")
_OTHER_SELECTION = ("probe_validation_accuracy", "val_accuracy", "probe_train_accuracy")


def few_sources(table: pd.DataFrame) -> pd.Series:
    """Rows of reading (a): N' < k."""
    return (table["n_samples"] < table["k"]).fillna(False).astype(bool)


def all_unlabelled(table: pd.DataFrame) -> pd.Series:
    """Rows of reading (b): SSL saw the whole training split (N' = n_train)."""
    if "n_train" not in table:
        return pd.Series(False, index=table.index)
    return (table["n_samples"] >= table["n_train"]).fillna(False).astype(bool)


LOW_DATA_READINGS = Cond(
    "n_samples < k (few source samples) or n_samples = n_train (all unlabelled, few labels)",
    lambda t: few_sources(t) | all_unlabelled(t),
)


def label_shots(table: pd.DataFrame) -> list[int]:
    """The m of the ``few{m}_probe_test_accuracy`` columns, ascending."""
    return sorted(int(m.group(1)) for c in table.columns if (m := _SHOT_COLUMN.match(str(c))))


def _variant(rows: pd.DataFrame, reading: str, labels: str, probe: str, val: str,
             test: str) -> pd.DataFrame:  # fmt: skip
    out = rows.drop(columns=[c for c in _OTHER_SELECTION if c in rows])
    out = out.assign(
        probe_val_accuracy=rows[val] if val in rows else np.nan,
        probe_test_accuracy=rows[test], reading=reading, labels=labels, probe=probe,
    )  # fmt: skip
    return out[out["probe_test_accuracy"].notna()]


def low_data_variants(rows: pd.DataFrame) -> pd.DataFrame:
    """Every (reading, labels, probe) variant of the run rows (see the module docstring)."""
    parts = []
    small = rows[few_sources(rows)]
    for probe, (val, test) in PROBE_COLUMNS.items():
        if test in rows:
            parts.append(_variant(small, FEW_SOURCES, ALL_LABELS, probe, val, test))
    full = rows[all_unlabelled(rows)]
    for m in label_shots(rows):
        for probe, stem in FEW_STEMS.items():
            test = f"few{m}_{stem}_test_accuracy"
            if test in rows:
                parts.append(_variant(full, FEW_LABELS, f"{m} per class", probe,
                                      f"few{m}_{stem}_val_accuracy", test))  # fmt: skip
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else rows.iloc[0:0]
