"""CPU seconds Snakemake's own process spends scheduling, as a function of its settings.

    python -m benchmarks.scheduler [--jobs 120] [--inputs 25] [--sleep 4] [--cores 2]
                                   [--settings "" "--max-jobs-per-timespan 1000/10s"]

A generated workflow of ``--jobs`` independent jobs, each reading ``--inputs`` small files and
running ``sleep`` (no CPU of its own), is run once per settings string, with ``--cores``
cores, in a fresh directory. The table gives the wall time and the user + system CPU seconds of
the Snakemake process itself (``resource.getrusage(RUSAGE_SELF)`` read at exit, children
excluded), so what it measures is the scheduler's cost while jobs wait for cores.

Why: Snakemake 9's default ``--max-jobs-per-timespan 100/1s`` re-runs the scheduling round every
second for as long as the workflow runs; every round resets the params and resources of every
ready job and stats every input file of every ready job. With hundreds of ready jobs that is a
large fraction of a core on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

SNAKEFILE = """
JOBS = range({jobs})
INPUTS = range({inputs})

rule all:
    input: expand("out/{{job}}.txt", job=JOBS)

rule work:
    input: expand("in/{{{{job}}}}/{{i}}.txt", i=INPUTS)
    output: "out/{{job}}.txt"
    params: n=lambda wc: int(wc.job) % 7
    resources: mem_mb=100
    shell: "sleep {sleep} && echo {{params.n}} > {{output}}"
"""

# Run Snakemake in this process, print its own CPU seconds (children excluded) at exit.
RUNNER = (
    "import atexit, resource, sys\n"
    "def report():\n"
    "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    print(f'SELF_CPU_S {u.ru_utime + u.ru_stime:.3f}', file=sys.stderr)\n"
    "atexit.register(report)\n"
    "from snakemake.cli import main\n"
    "sys.argv = ['snakemake'] + sys.argv[1:]\n"
    "main()\n"
)


def run_once(args: argparse.Namespace, settings: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="sched-") as tmp:
        work = Path(tmp)
        (work / "Snakefile").write_text(
            SNAKEFILE.format(jobs=args.jobs, inputs=args.inputs, sleep=args.sleep)
        )
        for job in range(args.jobs):  # source files: no rule makes them
            (work / "in" / str(job)).mkdir(parents=True)
            for i in range(args.inputs):
                (work / "in" / str(job) / f"{i}.txt").write_text(f"{i}\n")
        base = [sys.executable, "-c", RUNNER, "--cores", str(args.cores), "--quiet", "all"]
        start = pd.Timestamp.now()
        proc = subprocess.run([*base, *shlex.split(settings)], cwd=work, capture_output=True,
                              text=True)  # fmt: skip
        wall = (pd.Timestamp.now() - start).total_seconds()
        if proc.returncode != 0:
            raise SystemExit(f"snakemake failed with settings {settings!r}:\n{proc.stderr}")
        cpu = [float(line.split()[1]) for line in proc.stderr.splitlines()
               if line.startswith("SELF_CPU_S")]  # fmt: skip
        return {"settings": settings or "(defaults)", "jobs": args.jobs, "inputs": args.inputs,
                "wall_s": round(wall, 1), "snakemake_cpu_s": cpu[-1],
                "cpu_per_wall": round(cpu[-1] / wall, 3)}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=120)
    parser.add_argument("--inputs", type=int, default=25)
    parser.add_argument("--sleep", type=float, default=4.0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--settings", nargs="+",
                        default=["", "--max-jobs-per-timespan 1000/10s"])  # fmt: skip
    args = parser.parse_args(argv)
    rows = [run_once(args, s) for s in args.settings]
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
