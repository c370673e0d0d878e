"""Audit trail: check every artifact under a results folder against its provenance record.

Every step writes a provenance record (``<artifact>.provenance.json`` next to data, views and
relation files, ``provenance.json`` in a run folder) whose ``outputs`` map each artifact to its
SHA-256 and whose ``inputs`` map each input to the SHA-256 it had when the step ran.
:func:`audit` re-hashes all of them and reports

- ``missing``: an output named by a record does not exist;
- ``sha256-mismatch``: an output's content differs from the recorded hash (edited, truncated);
- ``unreadable-provenance``: a record is not valid JSON or lacks its ``outputs`` map;
- ``no-provenance``: a ``*.npz``, ``*.csv`` or ``model.pt`` that no record lists as an output;
- ``input-missing`` / ``input-changed``: an input is gone or its current hash differs from the
  one recorded (the artifact is stale: it was computed from other data).

Leftover temporary files of interrupted writes (``.name.XXXX`` from ``io.atomic_path``) are
never mistaken for artifacts; they are listed as warnings, which do not fail the audit.

Recorded paths may be relative to the folder the step ran in (``results/data/x.npz``); the
base is recovered from the record's own location, since a record lies next to its outputs,
so an audit works from any working directory and after the project folder was moved.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .io import file_sha256
from .provenance import PROVENANCE_SUFFIX, RUN_PROVENANCE

ARTIFACT_SUFFIXES = (".npz", ".csv")
ARTIFACT_NAMES = ("model.pt",)
# io.atomic_path -> tempfile.mkstemp: ".<final name>.<8 random chars><suffix>"
TEMP_FILE = re.compile(r"^\..+\.[a-z0-9_]{8}(\.[A-Za-z0-9]+)?$")

KINDS = (
    "missing",
    "sha256-mismatch",
    "unreadable-provenance",
    "no-provenance",
    "input-missing",
    "input-changed",
)


@dataclass(frozen=True)
class Problem:
    """One finding: its kind (see ``KINDS``), the file concerned and details."""

    kind: str
    path: str
    detail: str = ""
    record: str = ""

    def __str__(self) -> str:
        where = f" (record {self.record})" if self.record else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind}: {self.path}{detail}{where}"


@dataclass
class AuditReport:
    """Outcome of :func:`audit`: counts, problems (fail the audit) and warnings (do not)."""

    results_dir: str
    n_records: int = 0
    n_checked: int = 0  # distinct files whose SHA-256 was compared with a record
    n_artifacts: int = 0  # *.npz / *.csv / model.pt files found under results_dir
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def kinds(self) -> set[str]:
        return {p.kind for p in self.problems}

    def problems_for(self, path: str | os.PathLike) -> list[Problem]:
        """The problems about ``path`` (compared after resolving both)."""
        target = Path(path).resolve()
        return [p for p in self.problems if Path(p.path).resolve() == target]

    def format(self) -> str:
        """A readable report: summary line, then problems grouped by kind, then warnings."""
        head = (
            f"audit of {self.results_dir}: {self.n_records} provenance record(s), "
            f"{self.n_checked} file(s) checked, {self.n_artifacts} artifact(s) found"
        )
        lines = [head]
        if self.ok:
            lines.append("OK: every artifact matches its provenance record")
        else:
            lines.append(f"{len(self.problems)} problem(s):")
            for kind in KINDS:
                group = [p for p in self.problems if p.kind == kind]
                if group:
                    lines.append(f"  {kind} ({len(group)}):")
                    lines.extend(f"    {_describe(p)}" for p in group)
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s):")
            lines.extend(f"  {w}" for w in self.warnings)
        return "\n".join(lines)


def _describe(p: Problem) -> str:
    text = p.path + (f": {p.detail}" if p.detail else "")
    return text + (f"  [record: {p.record}]" if p.record else "")


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def is_provenance_file(path: Path) -> bool:
    return path.name == RUN_PROVENANCE or path.name.endswith(PROVENANCE_SUFFIX)


def is_temp_file(path: Path) -> bool:
    """A temporary file of ``io.atomic_path`` (``.<final name>.<random>[suffix]``)."""
    return path.name.startswith(".") and bool(TEMP_FILE.match(path.name))


def is_artifact(path: Path) -> bool:
    """A file that must be covered by a provenance record."""
    return path.suffix in ARTIFACT_SUFFIXES or path.name in ARTIFACT_NAMES


def _walk(root: Path) -> Iterable[Path]:
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def _base_dir(record_path: Path, outputs: Iterable[str]) -> Path:
    """The folder the recorded relative paths are relative to.

    A record lies next to its outputs, so for a recorded output ``a/b/name`` stored in folder
    ``.../a/b`` the base is ``...``. Falls back to the record's folder.
    """
    folder = record_path.parent.resolve()
    for text in outputs:
        p = Path(text)
        if p.is_absolute():
            continue
        parts = p.parent.parts
        if not parts:
            return folder
        if folder.parts[-len(parts) :] == parts:
            return Path(*folder.parts[: len(folder.parts) - len(parts)])
    return folder


def _resolve(text: str, base: Path) -> Path:
    p = Path(text)
    return p if p.is_absolute() else base / p


# --------------------------------------------------------------------------------------------
# the audit
# --------------------------------------------------------------------------------------------
def audit(results_dir: str | os.PathLike) -> AuditReport:
    """Check every provenance record under ``results_dir`` and every artifact's coverage."""
    root = Path(results_dir)
    report = AuditReport(results_dir=str(root))
    hashes: dict[Path, str | OSError] = {}
    covered: set[Path] = set()

    def digest(path: Path) -> str | OSError:
        key = path.resolve()
        if key not in hashes:
            try:
                hashes[key] = file_sha256(key)
            except OSError as exc:
                hashes[key] = exc
        return hashes[key]

    files = list(_walk(root)) if root.is_dir() else []
    for record_path in (f for f in files if is_provenance_file(f) and not is_temp_file(f)):
        report.n_records += 1
        rec = str(record_path)
        try:
            data = json.loads(record_path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            report.problems.append(Problem("unreadable-provenance", rec, _short(exc)))
            continue
        outputs = data.get("outputs") if isinstance(data, dict) else None
        inputs = data.get("inputs", {}) if isinstance(data, dict) else None
        if not _is_hash_map(outputs) or not _is_hash_map(inputs):
            report.problems.append(
                Problem("unreadable-provenance", rec, "no 'outputs'/'inputs' map of SHA-256")
            )
            continue
        base = _base_dir(record_path, outputs)
        for text, expected in sorted(outputs.items()):
            path = _resolve(text, base)
            if not path.exists() and (record_path.parent / Path(text).name).exists():
                path = record_path.parent / Path(text).name  # moved with its record
            covered.add(path.resolve())
            if not path.is_file():
                report.problems.append(Problem("missing", str(path), "output not found", rec))
                continue
            got = digest(path)
            if isinstance(got, OSError):
                report.problems.append(Problem("missing", str(path), _short(got), rec))
            elif got != expected:
                report.problems.append(
                    Problem("sha256-mismatch", str(path),
                            f"recorded {expected[:12]}..., now {got[:12]}...", rec)
                )  # fmt: skip
        for text, expected in sorted(inputs.items()):
            path = _resolve(text, base)
            if not path.is_file():
                report.problems.append(
                    Problem("input-missing", str(path), "input of this record not found", rec)
                )
                continue
            got = digest(path)
            if isinstance(got, OSError):
                report.problems.append(Problem("input-missing", str(path), _short(got), rec))
            elif got != expected:
                report.problems.append(
                    Problem("input-changed", str(path),
                            f"input changed since the artifact was made (recorded "
                            f"{expected[:12]}..., now {got[:12]}...)", rec)
                )  # fmt: skip

    for path in files:
        if is_temp_file(path):
            report.warnings.append(
                f"leftover temporary file of an interrupted write (not an artifact): {path}"
            )
            continue
        if not is_artifact(path):
            continue
        report.n_artifacts += 1
        if path.resolve() not in covered:
            report.problems.append(
                Problem("no-provenance", str(path), "no provenance record lists this file")
            )
    report.n_checked = len(hashes)
    report.problems.sort(key=lambda p: (KINDS.index(p.kind), p.path, p.record))
    return report


def _is_hash_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def main_audit(results_dir: str | os.PathLike) -> int:
    """Print the audit report of ``results_dir``; exit status 0 clean, 1 problems, 2 no folder."""
    root = Path(results_dir)
    if not root.is_dir():
        print(f"spectral-ssl audit: error: no results folder {root}", file=sys.stderr)
        return 2
    report = audit(root)
    print(report.format())
    return 0 if report.ok else 1
