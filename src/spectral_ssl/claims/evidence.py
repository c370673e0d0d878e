"""Evidence: the rows of the metric tables a claim is computed from (``select``), with the
failed and the unconverged runs it matched and notes on what was left out.

Convergence. Where a table has the boolean column ``converged`` (training's
``Convergence.as_metrics``), runs with ``converged == False`` are set aside in
``Evidence.unconverged``: they are counted and reported but no verdict reads them, so a NOT
SUPPORTED never rests on an unconverged run. Rows whose ``converged`` is empty (reference rows,
tables written before the column existed) stay in the evidence as "convergence not recorded".
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

RUNS_LISTED = 6  # list run folders up to this many, else a count and a glob


class NoData(Exception):
    """A claim cannot be judged: its table, rows or columns are missing."""

    def __init__(
        self,
        reason: str,
        failed: pd.DataFrame | None = None,
        unconverged: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(reason)
        self.failed = failed if failed is not None else pd.DataFrame()
        self.unconverged = unconverged if unconverged is not None else pd.DataFrame()


@dataclass(frozen=True)
class Cond:
    """A row filter with a description, e.g. Cond("g_alignment_labels >= 0.9", fn)."""

    text: str
    test: Callable[[pd.DataFrame], pd.Series]


@dataclass
class Evidence:
    """Rows a claim uses (ok), rows it matched that failed or did not converge, notes."""

    ok: pd.DataFrame
    failed: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    source: str = ""
    unconverged: pd.DataFrame = field(default_factory=pd.DataFrame)


def _flag(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "1", "1.0"):
        return True
    if text in ("false", "0", "0.0"):
        return False
    return pd.NA  # NaN, None, empty: not recorded


def converged_flags(rows: pd.DataFrame) -> pd.Series:
    """``converged`` as True / False / NA (NA: not recorded) for each row."""
    if "converged" not in rows:
        return pd.Series(pd.NA, index=rows.index, dtype="boolean")
    return rows["converged"].map(_flag).astype("boolean")


def convergence_counts(ev: Evidence) -> dict[str, int]:
    """Converged / unconverged / not recorded (used rows) and failed runs of the evidence."""
    flags = converged_flags(ev.ok) if not ev.ok.empty else pd.Series([], dtype="boolean")
    return {
        "n_converged": int(flags.fillna(False).sum()),
        "n_unconverged": len(ev.unconverged),
        "n_unrecorded": int(flags.isna().sum()),
        "n_failed": len(ev.failed),
    }


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
    flags = converged_flags(ok)
    unconverged = ok[(flags == False).fillna(False).to_numpy(bool)]  # noqa: E712
    ok = ok[~(flags == False).fillna(False).to_numpy(bool)]  # noqa: E712
    incomplete = ok[list(columns)].isna().any(axis=1)
    notes = []
    if incomplete.any():
        notes.append(
            f"{int(incomplete.sum())} run(s) of {name}.csv without {', '.join(columns)} "
            "left out of the measurement"
        )
    ok = ok[~incomplete]
    if ok.empty:
        why = f"{len(failed)} failed, {len(unconverged)} unconverged"
        prefix = "evidence mostly unconverged: " if len(unconverged) else ""
        raise NoData(
            f"{prefix}no usable run with {where_text} in {name}.csv ({why})", failed, unconverged
        )
    return Evidence(ok, failed, notes, f"{name}.csv ({where_text})", unconverged)


def select_any(
    tables: dict[str, pd.DataFrame],
    names: Sequence[str],
    columns: Sequence[str],
    cond: Cond | None = None,
    **where: Any,
) -> Evidence:
    """``select`` on each table and concatenate the ones that have evidence."""
    found, reasons, failed, unconverged = [], [], [], []
    for name in names:
        try:
            found.append(select(tables, name, columns, cond=cond, **where))
        except NoData as exc:
            reasons.append(str(exc))
            failed.append(exc.failed)
            unconverged.append(exc.unconverged)
    if not found:
        raise NoData("; ".join(reasons), concat_frames(failed), concat_frames(unconverged))
    return Evidence(
        concat_frames([e.ok for e in found]),
        concat_frames([e.failed for e in found] + failed),
        [n for e in found for n in e.notes] + [f"({r})" for r in reasons],
        "; ".join(e.source for e in found),
        concat_frames([e.unconverged for e in found] + unconverged),
    )


def concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
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


def narrow(ev: Evidence, used: pd.DataFrame, keys: Sequence[str]) -> Evidence:
    """The evidence restricted to the rows used and to the failed runs with the same keys."""
    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        cols = [k for k in keys if k in used and k in frame]
        if not cols or frame.empty:
            return frame
        wanted = set(map(tuple, used[cols].astype(str).to_numpy()))
        return frame[[tuple(r) in wanted for r in frame[cols].astype(str).to_numpy()]]

    return Evidence(used, keep(ev.failed), ev.notes, ev.source, keep(ev.unconverged))


def hparams_of(rows: pd.DataFrame) -> pd.Series:
    return (
        rows["hparams"].fillna("default") if "hparams" in rows else pd.Series("default", rows.index)
    )


def group_keys(rows: pd.DataFrame, keys: Sequence[str]) -> list[str]:
    return [k for k in keys if k in rows]
