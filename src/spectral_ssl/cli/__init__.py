"""Command-line interface: one subcommand per pipeline step, each reading and writing files.

    spectral-ssl data      --dataset digits --out d.npz
    spectral-ssl views     --data d.npz --n-views 2 --out v.npz
    spectral-ssl relation  --views v.npz --kind view_pairs --out g.npz
    spectral-ssl train     --views v.npz --relation g.npz --data d.npz --method vicreg --out-dir run
    spectral-ssl evaluate  --run-dir run --out run/evaluation.json
    spectral-ssl audit     .

Every artifact gets a provenance record (``<artifact>.provenance.json`` or ``provenance.json``
in a run folder) with its SHA-256, the SHA-256 of its inputs, the config, code version,
package versions and device. Errors the user can fix print one line and exit with status 2.

    args          KEY=VALUE pairs, seed lists, tags
    prepare       data, views, relation           train         train, evaluate
    run_folder    the files of one trained seed   closed_forms  closed-form, baseline
    tables        collect, cost, identities       report        figures, claims, audit, show
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence

from ..errors import SpectralSSLError
from ..io import file_sha256 as sha256
from ..provenance import PROVENANCE_SUFFIX, provenance_path, record
from . import closed_forms, prepare, report, tables, train
from .args import label_tags, parse_pairs, parse_seeds, parse_value
from .run_folder import train_one

SUBCOMMAND_GROUPS = (prepare, train, closed_forms, tables, report)  # the order of --help


def build_parser() -> argparse.ArgumentParser:
    """The ``spectral-ssl`` parser: each group module registers its subcommands."""
    parser = argparse.ArgumentParser(prog="spectral-ssl", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], object], help_: str):
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    for group in SUBCOMMAND_GROUPS:
        group.register(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    try:
        status = args.func(args) or 0
    except SpectralSSLError as exc:
        print(f"spectral-ssl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"spectral-ssl {args.command}: done in {time.perf_counter() - start:.1f} s", file=sys.stderr
    )
    return status


__all__ = [
    "PROVENANCE_SUFFIX",
    "build_parser",
    "label_tags",
    "main",
    "parse_pairs",
    "parse_seeds",
    "parse_value",
    "provenance_path",
    "record",
    "sha256",
    "train_one",
]
