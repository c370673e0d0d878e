"""Subcommands that read the tables and artifacts: figures, claims, audit, show."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..provenance import provenance_path, record
from .args import AddCommand


def cmd_figures(args: argparse.Namespace) -> None:
    from ..figures import main_figures

    rank_rtol = None
    if args.config is not None:
        from ..claims import read_thresholds

        rank_rtol = read_thresholds(args.config)["rank_rtol"]
    for path in main_figures(args.metrics_dir, args.out_dir, rank_rtol):
        print(path)


def cmd_claims(args: argparse.Namespace) -> None:
    from ..claims import main_claims
    from ..provenance import now

    started = now()
    main_claims(args.metrics_dir, args.config, args.out_md, args.out_csv)
    tables = sorted(Path(args.metrics_dir).glob("*.csv"))
    record([args.out_md, args.out_csv], [*tables, args.config], {"step": "claims"},
           provenance_path(args.out_csv), started=started)  # fmt: skip


def cmd_audit(args: argparse.Namespace) -> int:
    from ..audit import main_audit

    return main_audit(args.results_dir)


def cmd_show(args: argparse.Namespace) -> None:
    from ..io import load_npz

    for path in args.paths:
        arrays = load_npz(path)
        print(path)
        for key, value in arrays.items():
            print(f"  {key}: {value.dtype} {value.shape}")
        prov = provenance_path(path)
        if prov.is_file():
            print(f"  provenance: {prov}")


def register(add: AddCommand) -> None:
    """The parsers of figures, claims, audit, show."""
    p = add("figures", cmd_figures, "draw every figure from the metric tables")
    p.add_argument("--metrics-dir", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--config", help="config.yaml: adds the rank at claims.rank_rtol")
    p = add("claims", cmd_claims, "compute the claims report from the metric tables")
    p.add_argument("--metrics-dir", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--out-md", required=True)
    p.add_argument("--out-csv", required=True)
    p = add("audit", cmd_audit, "verify every artifact against its provenance record (SHA-256)")
    p.add_argument("results_dir", nargs="?", default="results")
    p = add("show", cmd_show, "list the arrays of .npz artifacts")
    p.add_argument("paths", nargs="+")
