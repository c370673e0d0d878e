"""The CPU cost of one experiment of a config, measured by running it alone.

    python -m benchmarks.experiment_cost EXPERIMENT [--config config.yaml] [--seeds 0]
                                         [--cores 1] [--out benchmarks/results/experiment_cost]

Writes a copy of the config that keeps only EXPERIMENT (every other top-level section as it
is) with the given seeds (the experiment's own ``seeds`` too, when it has them), runs
``snakemake --cores N`` on it up to the experiment's table (``results/metrics/EXPERIMENT.csv``:
data, views, relations, references, closed forms, training and collect; no figures or claims),
in ``--out/EXPERIMENT``, and prints the per-rule and per-experiment CPU seconds of
``benchmarks.workflow``. Multiply by (seeds of the full config) / (seeds run here) for the
training and per-seed jobs; start-up is paid once per job (a training job trains every seed).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import yaml

from .workflow import per_experiment, per_rule, read_benchmarks

ROOT = Path(__file__).resolve().parents[1]


def one_experiment_config(config: dict, experiment: str, seeds: list[int]) -> dict:
    """``config`` with only ``experiment`` kept, run on ``seeds``."""
    if experiment not in config.get("experiments", {}):
        raise SystemExit(f"no experiment '{experiment}' in the config (defined: "
                         f"{sorted(config.get('experiments', {}))})")  # fmt: skip
    exp = dict(config["experiments"][experiment])
    if "seeds" in exp:
        exp["seeds"] = seeds
    return {**config, "seeds": seeds, "experiments": {experiment: exp}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--cores", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/experiment_cost")
    args = parser.parse_args(argv)

    seeds = [int(s) for s in args.seeds.split(",")]
    config = one_experiment_config(yaml.safe_load(args.config.read_text()), args.experiment,
                                   seeds)  # fmt: skip
    work = (args.out / args.experiment).resolve()
    work.mkdir(parents=True, exist_ok=True)
    path = work / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--cores", str(args.cores), "--configfile", str(path), "--directory", str(work),
           f"results/metrics/{args.experiment}.csv"]  # fmt: skip
    subprocess.run(cmd, check=True, cwd=work)
    bench = read_benchmarks(work / "results/benchmarks")
    print(f"## {args.experiment}, seeds {seeds}, {args.config}\n")
    print(per_rule(bench).round(1).to_markdown(), "\n")
    print(per_experiment(bench).round(1).to_markdown())


if __name__ == "__main__":
    main()
