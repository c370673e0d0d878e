"""Effect of the training precision (fp64 / fp32 / bf16) on the closed-form agreement.

    python -m benchmarks.precision [--out benchmarks/results] [--seeds 0 1 2]

Runs the user's path through the ``spectral-ssl`` CLI in a temporary folder: the synthetic
data set, two views, the view graph G, the closed-form LPP subspace of linear VICReg (squared
surrogate, alpha = 25, gamma = 1, K = 8), then trains linear VICReg at each precision (L-BFGS,
the ``linear`` experiment of config.yaml) and records the largest principal angle between the
trained W and the closed form, the final loss and the wall time. bf16 autocasts the model's
forward (the loss stays float32). Writes precision_<device>.csv and precision_<device>_meta.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from benchmarks.harness import machine_info

PRECISIONS = ("fp64", "fp32", "bf16")
HPARAMS = ("--hparam", "alpha=25", "--hparam", "gamma=1")


def cli(*args: str) -> None:
    """Run one ``spectral-ssl`` subcommand; raise with its output if it fails."""
    cmd = [sys.executable, "-m", "spectral_ssl.cli", *args]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}")


def run(tmp: Path, seeds: Sequence[int], steps: int, device: str) -> list[dict[str, Any]]:
    data, views, rel = tmp / "data.npz", tmp / "views.npz", tmp / "g.npz"
    closed = tmp / "closed.npz"
    cli("data", "--dataset", "synthetic", "--out", str(data))
    cli("views", "--data", str(data), "--n-views", "2", "--out", str(views))
    cli("relation", "--views", str(views), "--kind", "view_pairs", "--out", str(rel))
    cli("closed-form", "--views", str(views), "--relation", str(rel), "--data", str(data),
        "--method", "vicreg_sq", "--model", "linear", "--k", "8", *HPARAMS,
        "--out", str(closed))  # fmt: skip
    rows = []
    for precision in PRECISIONS:
        out = tmp / precision
        start = time.perf_counter()
        cli("train", "--views", str(views), "--relation", str(rel), "--data", str(data),
            "--method", "vicreg_sq", *HPARAMS, "--model", "linear", "--k", "8",
            "--optimizer", "lbfgs", "--lr", "1.0", "--steps", str(steps),
            "--precision", precision, "--device", device,
            "--seeds", ",".join(map(str, seeds)), "--closed-form", str(closed),
            "--out-dir", f"{out}/seed{{seed}}")  # fmt: skip
        wall = time.perf_counter() - start
        for seed in seeds:
            m = json.loads((out / f"seed{seed}" / "metrics.json").read_text())
            rows.append({
                "precision": precision, "seed": seed, "device": m["device"],
                "angle_max_deg": m["angle_max_deg"], "angle_mean_deg": m["angle_mean_deg"],
                "final_loss": m["final_loss"], "probe_test_accuracy": m["probe_test_accuracy"],
                "wall_s_all_seeds": wall,
            })  # fmt: skip
    return rows


def main(argv: Sequence[str] | None = None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        table = pd.DataFrame(run(Path(tmp), args.seeds, args.steps, args.device))
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / f"precision_{args.device}.csv", index=False)
    meta = machine_info(torch.device(args.device))
    meta["command"] = "python -m benchmarks.precision " + " ".join(sys.argv[1:])
    (args.out / f"precision_{args.device}_meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    summary = table.groupby("precision", sort=False)[
        ["angle_max_deg", "final_loss", "probe_test_accuracy", "wall_s_all_seeds"]
    ].agg(["mean", "max"])
    print(summary.to_string())
    return table


if __name__ == "__main__":
    main()
