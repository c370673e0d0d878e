"""Training-throughput benchmark: a small MLP + each loss, full-batch Adam steps.

    python -m benchmarks.training [--device cpu] [--n 4096] [--steps 10] [--modes ...]
                                  [--out benchmarks/results]

The model is a local MLP (D -> 512 -> 512 -> K=128, ReLU). The data are V = 2 fixed noisy views
of N/2 Gaussian samples stacked view-major, so G is the paper's view graph. One step = forward of
all N rows, loss, backward, Adam update; throughput is rows (= augmented samples) per second.

Modes (each run from the same initial weights):
  eager          float32, no compilation
  compile        torch.compile of the MLP and, separately, of the loss call; if compiling the
                 loss fails the MLP stays compiled and the loss runs eagerly, if the MLP fails
                 too the mode falls back to eager; the error is recorded, never hidden
  bf16           torch.autocast(bfloat16) around the MLP, loss on z.float() in float32
  compile+bf16   both
The value effect of bf16 is recorded as the relative difference of the first-step loss (same
weights) and of the loss after the timed steps, against eager float32.
Writes training_<device>.csv and training_<device>_meta.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from benchmarks.harness import (
    machine_info,
    relative_error,
    strict_device,
    synchronize,
    wait_for_quiet,
)
from spectral_ssl.losses import barlow_twins_loss, simclr_loss, vicreg_loss
from spectral_ssl.relations import view_pairs

MODES = ("eager", "compile", "bf16", "compile+bf16")
LOSSES: dict[str, Callable[..., Tensor]] = {
    "vicreg": lambda z, e: vicreg_loss(z, e, alpha=25.0, beta=1.0, gamma=25.0),
    "simclr": lambda z, e: simclr_loss(z, e, tau=0.1),
    "barlow_twins": lambda z, e: barlow_twins_loss(z, e, alpha=0.005),
}


def make_mlp(d_in: int, hidden: int = 512, k: int = 128) -> nn.Sequential:
    """D -> hidden -> hidden -> K with ReLU (2 hidden layers)."""
    return nn.Sequential(
        nn.Linear(d_in, hidden),
        nn.ReLU(),
        nn.Linear(hidden, hidden),
        nn.ReLU(),
        nn.Linear(hidden, k),
    )


def make_views(n: int, d_in: int, device: torch.device, seed: int) -> tuple[Tensor, Tensor]:
    """X (N x D): two noisy views of N/2 samples, view-major, and the view-pair edges."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n // 2, d_in, generator=gen)
    views = torch.cat([x + 0.3 * torch.randn(n // 2, d_in, generator=gen) for _ in "ab"])
    return views.to(device), torch.as_tensor(view_pairs(n // 2, 2), device=device)


class Trainer:
    """One MLP per mode (compiled once when the mode says so), reset to ``init`` per loss."""

    def __init__(
        self, mode: str, x: Tensor, edges: Tensor, init: dict[str, Tensor], *, k: int
    ) -> None:
        self.mode, self.x, self.edges, self.init = mode, x, edges, init
        self.model = make_mlp(x.shape[1], k=k).to(x.device)
        self.model.load_state_dict(init)
        self.forward: Callable[[Tensor], Tensor] = self.model
        self.bf16 = "bf16" in mode
        self.status: list[str] = []
        self.compile_s = 0.0
        if "compile" in mode:
            t0 = time.perf_counter()
            try:
                cand = torch.compile(self.model)
                with self._autocast():
                    out = cand(x)
                out.float().sum().backward()  # compiles forward and backward now
                self.forward = cand
            except Exception as exc:  # noqa: BLE001 - any compiler failure: eager fallback
                msg = f"torch.compile failed, eager fallback ({type(exc).__name__}: {exc})"
                self.status.append(msg[:300])
            self.compile_s = time.perf_counter() - t0

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.bf16:
            return torch.autocast(self.x.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def run(self, loss_name: str, *, steps: int, warmup: int, compile_loss: bool) -> dict[str, Any]:
        """Reset weights, then warmup + steps full-batch Adam steps; time the last ``steps``."""
        x, edges, device = self.x, self.edges, self.x.device
        self.model.load_state_dict(self.init)  # in place: the compiled module stays valid
        self.model.zero_grad(set_to_none=True)
        opt = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        loss_fn = LOSSES[loss_name]
        status = list(self.status)
        loss_compile_s = 0.0
        if compile_loss and "compile" in self.mode:
            t0 = time.perf_counter()
            try:
                cand = torch.compile(loss_fn)
                cand(self.model(x).detach().requires_grad_(True), edges).backward()
                loss_fn = cand
            except Exception as exc:  # noqa: BLE001
                status.append(f"loss compile failed, eager ({type(exc).__name__}: {exc})"[:300])
            loss_compile_s = time.perf_counter() - t0

        def step() -> float:
            opt.zero_grad(set_to_none=True)
            with self._autocast():
                z = self.forward(x)
            loss = loss_fn(z.float(), edges)  # the loss always runs in float32
            loss.backward()
            opt.step()
            return float(loss.detach())

        first = step()
        for _ in range(warmup - 1):
            step()
        times, last = [], first
        for _ in range(steps):
            synchronize(device)
            t0 = time.perf_counter()
            last = step()
            synchronize(device)
            times.append(time.perf_counter() - t0)
        med = statistics.median(times)
        return {
            "loss": loss_name,
            "mode": self.mode,
            "status": "; ".join(status) or "ok",
            "device": device.type,
            "N": x.shape[0],
            "K": self.model[-1].out_features,
            "steps": steps,
            "model_compile_s": round(self.compile_s, 1),
            "loss_compiled": compile_loss and "compile" in self.mode,
            "loss_compile_s": round(loss_compile_s, 1),
            "median_step_ms": 1e3 * med,
            "min_step_ms": 1e3 * min(times),
            "rows_per_s": x.shape[0] / med,
            "loss_step1": first,
            "loss_last": last,
        }


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--n", type=int, default=4096, help="rows per full batch (2 views of N/2)")
    p.add_argument("--d-in", type=int, default=64)
    p.add_argument("--k", type=int, default=128)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--losses", nargs="+", default=list(LOSSES), choices=list(LOSSES))
    p.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    p.add_argument(
        "--compile-loss",
        action="store_true",
        help="also torch.compile the loss call (off: dynamo unrolls the blocked loops of the "
        "custom autograd Functions, compilation took minutes for SimCLR on this machine)",
    )
    p.add_argument("--wait-quiet", type=float, default=0.0, help="see benchmarks.losses")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    import pandas as pd

    args = parse_args(argv)
    device = torch.device(args.device)
    strict_device(device)
    x, edges = make_views(args.n, args.d_in, device, args.seed)
    torch.manual_seed(args.seed)
    init = {name: t.clone() for name, t in make_mlp(args.d_in, k=args.k).state_dict().items()}
    rows: list[dict[str, Any]] = []
    load_start = os.getloadavg()
    t0 = time.perf_counter()
    for mode in args.modes:
        wait_for_quiet(args.wait_quiet)
        trainer = Trainer(mode, x, edges, init, k=args.k)
        for loss_name in args.losses:
            row_busy = wait_for_quiet(args.wait_quiet)
            row = trainer.run(
                loss_name, steps=args.steps, warmup=args.warmup, compile_loss=args.compile_loss
            )
            row["busy_before"] = row_busy
            rows.append(row)
            print(
                f"[{time.perf_counter() - t0:6.1f}s] {loss_name:12s} {mode:13s} "
                f"{row['median_step_ms']:8.1f} ms/step {row['rows_per_s']:9.0f} rows/s "
                f"loss {row['loss_step1']:.6g} -> {row['loss_last']:.6g}  "
                f"(compile {row['model_compile_s']} s) {row['status']}",
                flush=True,
            )
    eager = {r["loss"]: r for r in rows if r["mode"] == "eager"}
    for row in rows:
        base = eager.get(row["loss"])
        if base is not None:
            row["speedup_vs_eager"] = base["median_step_ms"] / row["median_step_ms"]
            row["rel_diff_loss_step1_vs_eager"] = relative_error(
                row["loss_step1"], base["loss_step1"]
            )
            row["rel_diff_loss_last_vs_eager"] = relative_error(row["loss_last"], base["loss_last"])
    args.out.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out / f"training_{device.type}.csv", index=False)
    meta = machine_info(device) | {
        "command": "python -m benchmarks.training " + " ".join(sys.argv[1:]),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "loadavg_start": load_start,
        "loadavg_end": os.getloadavg(),
    }
    (args.out / f"training_{device.type}_meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {args.out}/training_{device.type}.csv ({meta['wall_seconds']} s)")
    return rows


if __name__ == "__main__":
    main()
