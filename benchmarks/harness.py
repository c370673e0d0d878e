"""The benchmark harness shared by every benchmark: device set-up, synchronisation, machine
information, and waiting for a quiet machine (shared CPUs distort timings).

    python -m benchmarks.losses | benchmarks.training | benchmarks.precision use it.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import torch


def strict_device(device: torch.device, *, highest_matmul: bool = False) -> None:
    """Stop when CUDA is asked for and absent; on CUDA turn TF32 off (fp32 means fp32)."""
    if device.type != "cuda":
        return
    if not torch.cuda.is_available():
        raise SystemExit("--device cuda requested but torch.cuda.is_available() is False")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if highest_matmul:
        torch.set_float32_matmul_precision("highest")


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (timings must include it)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def relative_error(a: float, b: float) -> float:
    """|a - b| / |b| (|b| floored at 1e-300)."""
    return abs(a - b) / max(abs(b), 1e-300)


def _main_module() -> str:
    """The benchmark being run (``python -m <module>``)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) or "benchmarks.losses"


def machine_info(device: torch.device) -> dict[str, Any]:
    """Date, command, versions, threads, CPU model, load and GPU of this benchmark run."""
    info: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python -m {_main_module()} " + " ".join(sys.argv[1:]),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu": _cpu_model(),
        "loadavg_start": os.getloadavg(),
    }
    try:
        import lightly

        info["lightly"] = lightly.__version__
    except ImportError:
        info["lightly"] = None
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["tf32"] = torch.backends.cuda.matmul.allow_tf32
    return info


def cpu_busy_fraction(window: float = 3.0) -> float:
    """Fraction of all CPUs busy over ``window`` seconds (/proc/stat; 0 where unavailable)."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat") as fh:
            vals = [int(v) for v in fh.readline().split()[1:]]
        return sum(vals), vals[3] + vals[4]  # total, idle + iowait

    try:
        t0, i0 = sample()
        time.sleep(window)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return 0.0
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


class OthersCpu:
    """Fraction of all CPUs used by *other* processes since construction (/proc; nan if n/a)."""

    def __init__(self) -> None:
        self.start = self._ticks()

    @staticmethod
    def _ticks() -> tuple[int, int, int] | None:
        try:
            with open("/proc/stat") as fh:
                vals = [int(v) for v in fh.readline().split()[1:]]
            with open("/proc/self/stat") as fh:
                own = fh.read().rsplit(")", 1)[1].split()
            return sum(vals), vals[3] + vals[4], int(own[11]) + int(own[12])  # utime + stime
        except (OSError, ValueError, IndexError):
            return None

    def fraction(self) -> float:
        end = self._ticks()
        if self.start is None or end is None:
            return math.nan
        total = end[0] - self.start[0]
        busy = total - (end[1] - self.start[1])
        own = end[2] - self.start[2]
        return max(0.0, busy - own) / max(total, 1)


def wait_for_quiet(max_wait: float, threshold: float = 0.15) -> float:
    """Wait up to ``max_wait`` s until less than ``threshold`` of the CPUs are busy over 2 s
    (shared machines); return the last busy fraction seen (nan if not measured)."""
    deadline = time.monotonic() + max_wait
    busy = math.nan
    while max_wait > 0 and time.monotonic() < deadline:
        busy = cpu_busy_fraction(2.0)
        if busy < threshold:
            break
    return busy


def _cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor()
