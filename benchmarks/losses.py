"""Loss benchmark: spectral_ssl.losses vs the dense baseline vs lightly, side by side.

    python -m benchmarks.losses --device cpu|cuda [--sizes N ...] [--ks K ...] [--repeats 10]
                                [--out benchmarks/results]

For every loss (VICReg, SimCLR, BarlowTwins) and every (N, K) it times forward + backward of
  ours      spectral_ssl.losses (sparse G, blocked SimCLR),
  baseline  benchmarks.reference_losses (literal formulas, dense N x N G / unrolled pairs),
  lightly   lightly.loss.{VICRegLoss, NTXentLoss, BarlowTwinsLoss} on the two views (V = 2),
on the same embeddings (V = 2 views of N/2 samples). The N sweep uses K = --k-fixed, the K sweep
N = --n-fixed. Values of ours and the baseline must agree to 1e-5 relative (gradients to 1e-4,
Frobenius) in float32: the run ASSERTS it. lightly's NT-Xent must equal ours / N (asserted);
lightly's VICReg and BarlowTwins use other conventions and are timed only (their value is
recorded; for VICReg the invariance term is checked: lightly * K = ours).

Outputs in --out: losses_<device>.csv, losses_<device>.png (log-log time vs N and vs K),
scaling.csv (fitted exponents of time vs N and vs K, rows of other devices kept) and
losses_<device>_meta.json (machine, command, date).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from benchmarks import reference_losses as ref
from benchmarks.harness import (  # noqa: F401  (relative_error, synchronize: re-exported)
    OthersCpu,
    machine_info,
    relative_error,
    strict_device,
    synchronize,
    wait_for_quiet,
)
from spectral_ssl.losses import barlow_twins_loss, estimate_memory, simclr_loss, vicreg_loss
from spectral_ssl.losses.memory import available_memory
from spectral_ssl.relations import view_pairs

LOSSES = ("vicreg", "simclr", "barlow_twins")
HPARAMS: dict[str, dict[str, float]] = {
    "vicreg": {"alpha": 25.0, "beta": 1.0, "gamma": 25.0},
    "simclr": {"tau": 0.1},
    "barlow_twins": {"alpha": 0.005},
}
OURS_METHOD = {"vicreg": "vicreg", "simclr": "simclr", "barlow_twins": "barlow_twins"}
BASELINE_METHOD = {
    "vicreg": "vicreg_dense",
    "simclr": "simclr_dense",
    "barlow_twins": "barlow_twins_unrolled",
}
# claim C17: SimCLR ~ N^2 K, VICReg / BarlowTwins ~ N K^2 (asymptotically)
EXPECTED_EXPONENT = {
    ("simclr", "N"): 2.0,
    ("simclr", "K"): 1.0,
    ("vicreg", "N"): 1.0,
    ("vicreg", "K"): 2.0,
    ("barlow_twins", "N"): 1.0,
    ("barlow_twins", "K"): 2.0,
}
VALUE_RTOL = 1e-5
GRAD_RTOL = 1e-4
IMPLS = ("ours", "baseline", "lightly")


# ------------------------------------------------------------------------------- measurement
class PeakTensorMemory(TorchDispatchMode):
    """Peak bytes of live tensor storages created while active (CPU stand-in for CUDA's
    max_memory_allocated; kernel-internal scratch buffers are not seen)."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[int, tuple[StorageWeakRef, int]] = {}
        self.current = 0
        self.peak = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        for key in [key for key, (r, _) in self.live.items() if r.expired()]:
            self.current -= self.live.pop(key)[1]
        out = func(*args, **(kwargs or {}))
        for t in tree_leaves(out):
            if isinstance(t, Tensor) and t.layout == torch.strided:
                storage = t.untyped_storage()
                key = storage.data_ptr()
                if key not in self.live and storage.nbytes():
                    self.live[key] = (StorageWeakRef(storage), storage.nbytes())
                    self.current += storage.nbytes()
        self.peak = max(self.peak, self.current)
        return out


def run_once(fn: Callable[[Tensor], Tensor], z0: Tensor) -> tuple[float, float, Tensor, Tensor]:
    """One timed forward + backward on a fresh leaf copy of z0.

    Returns (wall seconds, process CPU seconds of all threads, loss, grad)."""
    z = z0.detach().clone().requires_grad_(True)
    synchronize(z.device)
    cpu0, start = time.process_time(), time.perf_counter()
    loss = fn(z)
    loss.backward()
    synchronize(z.device)
    return time.perf_counter() - start, time.process_time() - cpu0, loss.detach(), z.grad


def measure_peak(fn: Callable[[Tensor], Tensor], z0: Tensor) -> tuple[int, Tensor, Tensor]:
    """Peak bytes allocated by one forward + backward (not counting z0), with loss and grad."""
    z = z0.detach().clone().requires_grad_(True)
    if z.device.type == "cuda":
        synchronize(z.device)
        torch.cuda.reset_peak_memory_stats(z.device)
        before = torch.cuda.memory_allocated(z.device)
        loss = fn(z)
        loss.backward()
        synchronize(z.device)
        peak = torch.cuda.max_memory_allocated(z.device) - before
        return peak, loss.detach(), z.grad
    tracker = PeakTensorMemory()
    with tracker:
        loss = fn(z)
        loss.backward()
    return tracker.peak, loss.detach(), z.grad


def fit_exponent(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Least-squares slope of log(time) against log(size): time ~ size^exponent."""
    x = np.log(np.asarray(sizes, dtype=float))
    y = np.log(np.asarray(times, dtype=float))
    if len(x) < 2 or np.ptp(x) == 0:
        raise ValueError("fit_exponent needs at least two distinct sizes")
    return float(np.polyfit(x, y, 1)[0])


# ------------------------------------------------------------------------------- problem
def embeddings(n: int, k: int, device: torch.device, dtype: torch.dtype, seed: int) -> Tensor:
    """Two noisy views of n/2 samples, stacked view-major (the paper's row order), std ~0.67."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n // 2, k, generator=gen, dtype=torch.float64)
    views = [x + 0.5 * torch.randn(n // 2, k, generator=gen, dtype=torch.float64) for _ in "ab"]
    return (0.6 * torch.cat(views)).to(device=device, dtype=dtype)


@dataclass
class Impl:
    """One implementation of one loss on one problem."""

    name: str
    fn: Callable[[Tensor], Tensor] | None
    method: str  # key of estimate_memory ('' = not estimated)
    aux_bytes: int = 0  # loss-specific inputs (edge list, dense G), counted in the peak
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def make_impls(
    loss: str, n: int, k: int, device: torch.device, dtype: torch.dtype, lightly: bool
) -> tuple[list[Impl], Tensor]:
    """The implementations of ``loss`` for an N x K problem (dense G built here, untimed)."""
    hp = HPARAMS[loss]
    edges_np = view_pairs(n // 2, 2)
    edges = torch.as_tensor(edges_np, device=device)
    n_edges = edges.shape[1]
    elt = torch.empty((), dtype=dtype).element_size()
    half = n // 2
    impls: list[Impl] = []

    if loss == "vicreg":
        ours = Impl("ours", lambda z: vicreg_loss(z, edges, **hp), "vicreg")
    elif loss == "simclr":
        ours = Impl("ours", lambda z: simclr_loss(z, edges, **hp), "simclr")
    else:
        ours = Impl("ours", lambda z: barlow_twins_loss(z, edges, **hp), "barlow_twins")
    ours.aux_bytes = edges.numel() * edges.element_size()
    impls.append(ours)

    method = BASELINE_METHOD[loss]
    need = estimate_memory(method, n, k, n_edges, dtype)
    have = available_memory(device)
    if need > 0.8 * have:
        note = f"skipped (baseline needs {need / 2**30:.1f} GiB, {have / 2**30:.1f} GiB free)"
        impls.append(Impl("baseline", None, method, note=note))
    elif loss == "barlow_twins":
        fn = lambda z: ref.unrolled_barlow_twins(z, edges, **hp)  # noqa: E731
        impls.append(Impl("baseline", fn, method, ours.aux_bytes))
    else:
        g = ref.dense_relation(edges, n, dtype=dtype, device=device)
        if loss == "vicreg":
            fn = lambda z: ref.dense_vicreg(z, g, **hp)  # noqa: E731
        else:
            fn = lambda z: ref.dense_simclr(z, g, **hp)  # noqa: E731
        impls.append(Impl("baseline", fn, method, n * n * elt))

    if lightly:
        impls.append(_lightly_impl(loss, n, k, n_edges, device, dtype, half))
    return impls, edges


def _lightly_impl(
    loss: str, n: int, k: int, n_edges: int, device: torch.device, dtype: torch.dtype, half: int
) -> Impl:
    try:
        from lightly.loss import BarlowTwinsLoss, NTXentLoss, VICRegLoss
    except ImportError as exc:  # optional dependency (extra "bench")
        return Impl("lightly", None, "", note=f"skipped (lightly not importable: {exc})")
    hp = HPARAMS[loss]
    if loss == "vicreg":
        mod = VICRegLoss(lambda_param=hp["gamma"], mu_param=hp["alpha"], nu_param=hp["beta"])
        note = "timed only: per-view var/cov, 1/K on cov, eps in sqrt, mse (1/K) invariance"
        method = ""
    elif loss == "simclr":
        mod = NTXentLoss(temperature=hp["tau"])
        note = "value compared: NTXent (mean over 2N' rows) = ours / N"
        method = "ntxent_lightly"
    else:
        mod = BarlowTwinsLoss(lambda_param=hp["alpha"])
        note = "timed only: batch-norm per view (eps 1e-5), C = Za^T Zb / N', asymmetric"
        method = ""  # O(N K): no estimate
    need = estimate_memory(method, n, k, n_edges, dtype) if method else 0
    have = available_memory(device)
    if need > 0.8 * have:
        note = f"skipped (lightly needs {need / 2**30:.1f} GiB, {have / 2**30:.1f} GiB free)"
        return Impl("lightly", None, method, note=note)
    return Impl("lightly", lambda z: mod(z[:half], z[half:]), method, note=note)


# ------------------------------------------------------------------------------- one case
def bench_case(
    loss: str,
    n: int,
    k: int,
    device: torch.device,
    dtype: torch.dtype,
    *,
    repeats: int,
    max_seconds: float,
    lightly: bool,
    seed: int,
    wait_quiet: float = 0.0,
    retries: int = 0,
    max_others: float = 0.1,
) -> list[dict[str, Any]]:
    """Time every implementation of ``loss`` at (N, K), repeats interleaved round-robin.

    On a shared machine: wait up to ``wait_quiet`` s for idle CPUs first, and redo the timing
    up to ``retries`` times while other processes used more than ``max_others`` of the CPUs.
    """
    z0 = embeddings(n, k, device, dtype, seed)
    impls, edges = make_impls(loss, n, k, device, dtype, lightly)
    active = [impl for impl in impls if impl.fn is not None]
    attempts = 0
    while True:
        attempts += 1
        busy = wait_for_quiet(wait_quiet)
        load1 = os.getloadavg()[0]
        monitor = OthersCpu()
        results, times = _time_impls(active, z0, repeats, max_seconds)
        others = monitor.fraction()
        if not others > max_others or attempts > retries:
            break
    _check(loss, n, k, results, z0, edges)

    rows = []
    for impl in impls:
        row: dict[str, Any] = {
            "loss": loss,
            "impl": impl.name,
            "device": device.type,
            "dtype": str(dtype).removeprefix("torch."),
            "N": n,
            "K": k,
            "E": edges.shape[1],
            "repeats": len(times.get(impl.name, [])),
            "median_ms": math.nan,
            "min_ms": math.nan,
            "cpu_ms": math.nan,
            "peak_mib": math.nan,
            "est_mib": estimate_memory(impl.method, n, k, edges.shape[1], dtype) / 2**20
            if impl.method
            else math.nan,
            "value": math.nan,
            "rel_err_vs_baseline": math.nan,
            "grad_rel_err_vs_baseline": math.nan,
            "note": impl.note,
            "load1": load1,
            "busy_before": busy,
            "others_cpu": others,
            "attempts": attempts,
        }
        if impl.name in results:
            ts = times[impl.name]
            row["median_ms"] = 1e3 * statistics.median(ts)
            row["min_ms"] = 1e3 * min(ts)
            row["cpu_ms"] = results[impl.name]["cpu_ms"]
            row["peak_mib"] = results[impl.name]["peak"] / 2**20
            row["value"] = float(results[impl.name]["value"])
            row.update(results[impl.name].get("errors", {}))
        rows.append(row)
    return rows


def _time_impls(
    active: list[Impl], z0: Tensor, repeats: int, max_seconds: float
) -> tuple[dict[str, dict[str, Any]], dict[str, list[float]]]:
    """Warm-up (memory, loss, grad) then timed repeats, interleaved across implementations."""
    results: dict[str, dict[str, Any]] = {}
    for impl in active:  # untimed warm-up, which also measures memory and keeps loss and grad
        assert impl.fn is not None
        peak, value, grad = measure_peak(impl.fn, z0)
        results[impl.name] = {"peak": peak + impl.aux_bytes, "value": value, "grad": grad}
    times: dict[str, list[float]] = {impl.name: [] for impl in active}
    cpu_times: dict[str, list[float]] = {impl.name: [] for impl in active}
    start = time.perf_counter()
    for rep in range(repeats):
        for impl in active:
            assert impl.fn is not None
            wall, cpu, _, _ = run_once(impl.fn, z0)
            times[impl.name].append(wall)
            cpu_times[impl.name].append(cpu)
        if rep >= 2 and time.perf_counter() - start > max_seconds:
            break
        if rep < 2 and time.perf_counter() - start > 3 * max_seconds:
            break  # a single slow repeat (large dense baseline) is enough
    for name, ts in cpu_times.items():
        results[name]["cpu_ms"] = 1e3 * statistics.median(ts)
    return results, times


def _check(
    loss: str,
    n: int,
    k: int,
    results: dict[str, dict[str, Any]],
    z0: Tensor,
    edges: Tensor,
) -> None:
    """Assert ours == baseline (value 1e-5, grad 1e-4) and ours / N == lightly NT-Xent."""
    ours = results["ours"]
    if "baseline" in results:
        base = results["baseline"]
        err = relative_error(float(ours["value"]), float(base["value"]))
        gerr = float((ours["grad"] - base["grad"]).norm() / base["grad"].norm())
        ours["errors"] = {"rel_err_vs_baseline": err, "grad_rel_err_vs_baseline": gerr}
        assert err <= VALUE_RTOL, f"{loss} N={n} K={k}: value rel. error {err:.2e} > {VALUE_RTOL}"
        assert gerr <= GRAD_RTOL, f"{loss} N={n} K={k}: grad rel. error {gerr:.2e} > {GRAD_RTOL}"
        base["errors"] = {"rel_err_vs_baseline": 0.0, "grad_rel_err_vs_baseline": 0.0}
    if loss == "simclr" and "lightly" in results:
        light = results["lightly"]
        err = relative_error(float(light["value"]), float(ours["value"]) / n)
        gerr = float((light["grad"] - ours["grad"] / n).norm() / light["grad"].norm())
        light["errors"] = {"rel_err_vs_ours_scaled": err, "grad_rel_err_vs_ours_scaled": gerr}
        assert err <= VALUE_RTOL, f"NTXent != SimCLR / N at N={n} K={k}: rel. error {err:.2e}"
        assert gerr <= GRAD_RTOL, f"NTXent grad != SimCLR grad / N at N={n} K={k}: {gerr:.2e}"
    if loss == "vicreg" and "lightly" in results:
        from lightly.loss.vicreg_loss import invariance_loss

        from spectral_ssl.losses import vicreg_loss as ours_fn

        half = n // 2
        _, terms = ours_fn(z0, edges, **HPARAMS["vicreg"], return_terms=True)
        light_inv = float(invariance_loss(z0[:half], z0[half:])) * k
        err = relative_error(light_inv, float(terms["invariance"]))
        results["lightly"]["errors"] = {"rel_err_vs_ours_scaled": err}
        assert err <= VALUE_RTOL, f"lightly invariance * K != ours at N={n} K={k}: {err:.2e}"


# ------------------------------------------------------------------------------- outputs
def scaling_rows(rows: list[dict[str, Any]], n_fixed: int, k_fixed: int) -> list[dict[str, Any]]:
    """Fitted exponents of median time vs N (at K = k_fixed) and vs K (at N = n_fixed)."""
    out = []
    for loss in LOSSES:
        for impl in IMPLS:
            sel = [r for r in rows if r["loss"] == loss and r["impl"] == impl]
            for var, fixed_name, fixed in (("N", "K", k_fixed), ("K", "N", n_fixed)):
                pts = sorted(
                    (r[var], r["median_ms"])
                    for r in sel
                    if r[fixed_name] == fixed and math.isfinite(r["median_ms"])
                )
                if len({p[0] for p in pts}) < 2:
                    continue
                out.append(
                    {
                        "loss": loss,
                        "impl": impl,
                        "device": sel[0]["device"],
                        "variable": var,
                        "fixed": f"{fixed_name}={fixed}",
                        "range": f"{pts[0][0]}..{pts[-1][0]}",
                        "points": len(pts),
                        "exponent": round(fit_exponent(*zip(*pts, strict=True)), 3),
                        "exponent_upper_half": round(
                            fit_exponent(*zip(*pts[len(pts) // 2 :], strict=True)), 3
                        )
                        if len(pts) >= 4
                        else math.nan,
                        "expected_C17": EXPECTED_EXPONENT[(loss, var)],
                    }
                )
    return out


def write_outputs(
    rows: list[dict[str, Any]], out: Path, device: str, n_fixed: int, k_fixed: int
) -> None:
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(rows)
    df.to_csv(out / f"losses_{device}.csv", index=False, float_format="%.6g")
    scaling = pd.DataFrame(scaling_rows(rows, n_fixed, k_fixed))
    path = out / "scaling.csv"
    if path.exists():
        old = pd.read_csv(path)
        scaling = pd.concat([old[old["device"] != device], scaling], ignore_index=True)
    scaling.to_csv(path, index=False)
    plot(df, out / f"losses_{device}.png", n_fixed, k_fixed)
    (out / f"losses_{device}.md").write_text(
        summary_markdown(df, scaling[scaling.device == device])
    )


def summary_markdown(df: Any, scaling: Any) -> str:
    """Markdown tables (time ratios, memory, agreement, exponents) for docs/benchmarks.md."""

    def fmt(x: float, spec: str = ".1f") -> str:
        return "-" if not math.isfinite(x) else format(x, spec)

    lines = [
        "| loss | N | K | ours ms | baseline ms | lightly ms | ours/baseline | (min) | (CPU) "
        "| ours/lightly | ours MiB | baseline MiB | rel. err. | grad rel. err. | others' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (loss, n, k), grp in df.groupby(["loss", "N", "K"], sort=False):
        by = {r["impl"]: r for _, r in grp.iterrows()}
        o, b = by["ours"], by["baseline"]
        lt = by.get("lightly", {"median_ms": math.nan})
        base_ms = fmt(b["median_ms"], ".2f") if math.isfinite(b["median_ms"]) else b["note"]
        lines.append(
            f"| {loss} | {n} | {k} | {fmt(o['median_ms'], '.2f')} | {base_ms} "
            f"| {fmt(lt['median_ms'], '.2f')} | {fmt(o['median_ms'] / b['median_ms'], '.3f')} "
            f"| {fmt(o['min_ms'] / b['min_ms'], '.3f')} | {fmt(o['cpu_ms'] / b['cpu_ms'], '.3f')} "
            f"| {fmt(o['median_ms'] / lt['median_ms'], '.3f')} | {fmt(o['peak_mib'])} "
            f"| {fmt(b['peak_mib'])} | {fmt(o['rel_err_vs_baseline'], '.1e')} "
            f"| {fmt(o['grad_rel_err_vs_baseline'], '.1e')} | {fmt(o['others_cpu'], '.2f')} |"
        )
    lines += [
        "",
        "| loss | impl | time vs | at | range | exponent | upper half | C17 |",
        "|---|---|---|---|---|---:|---:|---:|",
    ]
    for _, r in scaling.iterrows():
        lines.append(
            f"| {r['loss']} | {r['impl']} | {r['variable']} | {r['fixed']} | {r['range']} "
            f"| {r['exponent']:.2f} | {fmt(r['exponent_upper_half'], '.2f')} "
            f"| {r['expected_C17']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def plot(df: Any, path: Path, n_fixed: int, k_fixed: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(LOSSES), figsize=(4.2 * len(LOSSES), 7.5), squeeze=False)
    for col, loss in enumerate(LOSSES):
        for row, (var, fixed_name, fixed) in enumerate((("N", "K", k_fixed), ("K", "N", n_fixed))):
            ax = axes[row][col]
            for impl, marker in zip(IMPLS, "os^", strict=True):
                sel = df[(df["loss"] == loss) & (df["impl"] == impl) & (df[fixed_name] == fixed)]
                sel = sel[np.isfinite(sel["median_ms"])].sort_values(var)
                if len(sel):
                    ax.plot(sel[var], sel["median_ms"], marker=marker, label=impl)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel(var)
            ax.set_ylabel("median ms (forward + backward)")
            ax.set_title(f"{loss}, {fixed_name} = {fixed}")
            ax.grid(True, which="both", alpha=0.3)
            if ax.lines:
                ax.legend(fontsize=8)
    fig.suptitle(f"loss benchmark ({df['device'].iloc[0]}, {df['dtype'].iloc[0]})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ------------------------------------------------------------------------------- CLI
def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096, 8192, 16384])
    p.add_argument("--ks", type=int, nargs="+", default=[32, 64, 128, 256, 512])
    p.add_argument("--n-fixed", type=int, default=4096, help="N of the K sweep")
    p.add_argument("--k-fixed", type=int, default=128, help="K of the N sweep")
    p.add_argument("--losses", nargs="+", default=list(LOSSES), choices=LOSSES)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument(
        "--max-seconds",
        type=float,
        default=4.0,
        help="stop repeating a case after 3 rounds once this much time is spent (1 if 3x)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=0,
        help="redo a case up to this many times when other processes used > 10%% of the CPUs",
    )
    p.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    p.add_argument("--no-lightly", action="store_true")
    p.add_argument(
        "--wait-quiet",
        type=float,
        default=0.0,
        help="before each case, wait up to this many seconds for the CPUs to be < 15%% busy",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    args = parse_args(argv)
    device = torch.device(args.device)
    strict_device(device, highest_matmul=True)
    dtype = getattr(torch, args.dtype)
    cases = sorted(
        {(n, args.k_fixed) for n in args.sizes} | {(args.n_fixed, k) for k in args.ks},
        key=lambda c: (c[0] * c[1], c),
    )
    rows: list[dict[str, Any]] = []
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    for n, k in cases:
        for loss in args.losses:
            case_rows = bench_case(
                loss,
                n,
                k,
                device,
                dtype,
                repeats=args.repeats,
                max_seconds=args.max_seconds,
                lightly=not args.no_lightly,
                seed=args.seed,
                wait_quiet=args.wait_quiet,
                retries=args.retries,
            )
            rows.extend(case_rows)
            by = {r["impl"]: r for r in case_rows}
            ratio = by["baseline"]["median_ms"] / by["ours"]["median_ms"]
            print(
                f"[{time.perf_counter() - t0:6.1f}s] {loss:12s} N={n:6d} K={k:4d}  "
                + "  ".join(
                    f"{r['impl']} {r['median_ms']:9.2f} ms ({r['repeats']}x)" for r in case_rows
                )
                + f"  baseline/ours {ratio:6.2f}",
                flush=True,
            )
    write_outputs(rows, args.out, device.type, args.n_fixed, args.k_fixed)
    meta = machine_info(device) | {
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
    }
    (args.out / f"losses_{device.type}_meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(
        f"wrote {args.out}/losses_{device.type}.csv, .png, scaling.csv ({meta['wall_seconds']} s)"
    )
    return rows


if __name__ == "__main__":
    main()
