"""Provenance records: what produced an artifact (config, code version, packages, device, time).

``record(outputs, inputs, config, where)`` writes one (``provenance_path(artifact)`` is
``<stem>.provenance.json``; a run folder has one ``provenance.json``); ``audit`` checks them.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import __version__

PROVENANCE_SUFFIX = ".provenance.json"
RUN_PROVENANCE = "provenance.json"  # the record of a run folder
PACKAGES = ("torch", "numpy", "scipy", "scikit-learn", "pandas", "seaborn", "snakemake")


def now() -> str:
    """Current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def git_commit() -> dict[str, Any]:
    """Commit of the source tree this package runs from, and whether it has local changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        if commit.returncode != 0:
            return {"commit": None}
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None}


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def device_record(device: str | None = None) -> dict[str, Any]:
    """Name of the compute device and, when torch is in use, its determinism settings.

    torch is not imported for steps that do not use it (its import costs seconds).
    """
    record: dict[str, Any] = {"device": device, "cpu": platform.processor() or platform.machine()}
    torch = sys.modules.get("torch")
    if torch is None:
        return record
    record |= {
        "torch_threads": torch.get_num_threads(),
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "cudnn_deterministic": torch.backends.cudnn.deterministic,
        "cudnn_benchmark": torch.backends.cudnn.benchmark,
    }
    if device is not None and device.startswith("cuda"):
        record["gpu"] = torch.cuda.get_device_name(torch.device(device))
        record["cuda"] = torch.version.cuda
    return record


def provenance(
    config: dict[str, Any], *, device: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A provenance record for one artifact; ``extra`` holds e.g. start/end times and inputs."""
    return {
        "config": config,
        "spectral_ssl": __version__,
        "code": git_commit(),
        "packages": package_versions(),
        "python": platform.python_version(),
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "device": device_record(device),
        "written_at": now(),
        **extra,
    }


def provenance_path(artifact: str | os.PathLike) -> Path:
    """d.npz -> d.provenance.json (next to the artifact)."""
    p = Path(artifact)
    return p.with_name(p.name.rsplit(".", 1)[0] + PROVENANCE_SUFFIX)


def record(
    outputs: Sequence[str | os.PathLike],
    inputs: Sequence[str | os.PathLike],
    config: dict[str, Any],
    where: str | os.PathLike,
    *,
    device: str | None = None,
    started: str | None = None,
    **extra: Any,
) -> None:
    """Write the provenance record ``where`` for ``outputs`` computed from ``inputs``."""
    try:
        _write_record(outputs, inputs, config, where, device, started, extra)
    except BaseException:
        for path in outputs:  # an artifact without its record must not stay behind
            Path(path).unlink(missing_ok=True)
        raise


def _write_record(outputs, inputs, config, where, device, started, extra) -> None:
    """The record of ``outputs``: their hashes and the inputs' hashes with the config."""
    from .io import file_sha256, save_json

    save_json(
        where,
        provenance(
            config,
            device=device,
            outputs={str(p): file_sha256(p) for p in outputs},
            inputs={str(p): file_sha256(p) for p in inputs},
            started_at=started,
            finished_at=now(),
            **extra,
        ),
    )
