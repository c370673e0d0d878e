"""How many steps a training problem of the pipeline needs to meet the convergence criterion.

Builds one cell of an experiment exactly as the workflow does (dataset, split, subsample,
views, relation from a config file, data seed 0, training seed 0) and trains it:

- ``--schedule constant``: the experiment's lr, ``--max-steps`` steps, stop at the first step
  where the criterion holds (``stop_when_converged``): prints the steps needed;
- ``--schedule cosine``: one run per ``--steps`` value, cosine decay to ~0 at its last step,
  no early stop: prints whether the run converged and its plateau / gradient ratio.

    python -m benchmarks.convergence_steps --config config.yaml --experiment alignment \\
        --data synthetic --relation view_pairs --model mlp --method vicreg --hparam gamma=1 \\
        --schedule constant --max-steps 3000

One CSV line per run on stdout (and appended to ``--out`` if given).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import torch
import yaml

from spectral_ssl.data import make_dataset, subsample, train_test_split
from spectral_ssl.relations import build_relation
from spectral_ssl.training import TrainConfig, train
from spectral_ssl.views import make_views

FIELDS = ("experiment", "data", "relation", "model", "method", "hparams", "optimizer", "lr",
          "precision", "schedule", "max_steps", "steps_run", "converged", "conv_plateau",
          "conv_grad_ratio", "final_loss", "wall_s")  # fmt: skip


def problem(cfg: dict, data: str, relation: str):
    dataset, _, n = data.partition("-n")
    spec = cfg["datasets"][dataset]
    ds = make_dataset(dataset, seed=0, **spec.get("params", {}))
    train_ds, _ = train_test_split(ds, test_fraction=spec.get("test_fraction", 0.25), seed=0)
    if n:
        train_ds = subsample(train_ds, int(n), seed=0)
    views = make_views(train_ds, spec.get("n_views", 2), seed=0, **spec.get("augment", {}))
    rel = cfg["relations"][relation]
    return views, build_relation(rel["kind"], views, rel.get("params", {}))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="config.yaml")
    p.add_argument("--experiment", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--relation", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--method", required=True)
    p.add_argument("--hparam", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--schedule", default="constant", choices=("constant", "cosine"))
    p.add_argument("--max-steps", type=int, default=3000, help="constant: the step budget")
    p.add_argument("--steps", default="500,1000,2000", help="cosine: comma-separated lengths")
    p.add_argument("--lr", type=float, help="default: the experiment's lr")
    p.add_argument("--optimizer", help="default: the experiment's optimizer")
    p.add_argument("--precision", help="default: fp64 with --optimizer lbfgs, else the config's")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", help="append the CSV lines to this file")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = yaml.safe_load(Path(args.config).read_text())
    t = {**cfg.get("training", {}), **cfg["experiments"][args.experiment].get("training", {})}
    views, edges = problem(cfg, args.data, args.relation)
    hp = {k: float(v) for k, v in (s.split("=", 1) for s in args.hparam)}
    base = dict(
        method=args.method, hparams=hp, model=args.model,
        model_params=cfg["models"].get(args.model, {}), k=t.get("k", 16),
        optimizer=args.optimizer or t.get("optimizer", "adam"), lr=args.lr or t.get("lr", 1e-3),
        precision=args.precision or ("fp64" if args.optimizer == "lbfgs"
                                     else t.get("precision", "fp32")),
        batch_size=t.get("batch_size"),
    )  # fmt: skip
    runs = (
        [dict(steps=args.max_steps, stop_when_converged=True)]
        if args.schedule == "constant"
        else [dict(steps=int(s), lr_schedule="cosine") for s in args.steps.split(",")]
    )
    writer = csv.DictWriter(sys.stdout, FIELDS)
    for extra in runs:
        config = TrainConfig(**base, **extra)
        start = time.perf_counter()
        result = train(views.x, edges, config, source=views.source)
        row = dict(
            experiment=args.experiment, data=args.data, relation=args.relation, model=args.model,
            method=args.method, hparams=";".join(args.hparam), optimizer=config.optimizer,
            lr=config.lr, precision=config.precision, schedule=args.schedule,
            max_steps=config.steps,
            steps_run=result.steps_run, converged=result.convergence.converged,
            conv_plateau=f"{result.convergence.plateau:.2g}",
            conv_grad_ratio=f"{result.convergence.grad_ratio:.2g}",
            final_loss=f"{float(result.log['loss'].iloc[-1]):.6g}",
            wall_s=f"{time.perf_counter() - start:.1f}",
        )  # fmt: skip
        writer.writerow(row)
        sys.stdout.flush()
        if args.out:
            out = Path(args.out)
            names = out.read_text().splitlines()[0].split(",") if out.exists() else list(FIELDS)
            with open(out, "a", newline="") as fh:
                w = csv.DictWriter(fh, names, extrasaction="ignore")
                if fh.tell() == 0:
                    w.writeheader()
                w.writerow(row)


if __name__ == "__main__":
    main()
