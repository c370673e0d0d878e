"""What a pipeline job pays before it computes anything: CPU seconds of its imports.

    python -m benchmarks.startup [--repeats 5]

Each probe runs in a fresh Python process (``python -c``), ``--repeats`` times; the table gives
the median user + system CPU seconds of the child (``resource.getrusage``), minus the median of
an empty interpreter. Probes: ``import torch``; ``import sklearn.linear_model`` (the probes);
the first ``torch.optim`` optimizer (its constructor imports ``torch._dynamo``); the modules a
training job and a closed-form job import before their first computation.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys

PROBES = {
    "python (empty)": "pass",
    "import torch": "import torch",
    "import sklearn.linear_model": "import sklearn.linear_model",
    "torch + first torch.optim.Adam (imports torch._dynamo)": (
        "import torch; p = torch.nn.Parameter(torch.zeros(1)); torch.optim.Adam([p]); "
        "import sys; assert 'torch._dynamo' in sys.modules"
    ),
    "training job imports (spectral_ssl.training, evaluation)": (
        "import spectral_ssl.training, spectral_ssl.evaluation"
    ),
    "closed-form job imports (cli.closed_forms, closed_form, experiments)": (
        "import spectral_ssl.cli.closed_forms, spectral_ssl.closed_form, "
        "spectral_ssl.experiments"
    ),
}


def child_cpu(code: str) -> float:
    """User + system CPU seconds of one ``python -c code`` child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    medians = {name: statistics.median(child_cpu(code) for _ in range(args.repeats))
               for name, code in PROBES.items()}  # fmt: skip
    empty = medians["python (empty)"]
    print("| probe | CPU s (median, minus an empty interpreter) |")
    print("|---|---:|")
    for name, value in medians.items():
        shown = value if name == "python (empty)" else value - empty
        print(f"| {name} | {shown:.2f} |")


if __name__ == "__main__":
    main()
