"""Subcommands that write metric tables: collect (runs -> CSV), cost (C17), identities."""

from __future__ import annotations

import argparse

from ..provenance import provenance_path, record
from .args import AddCommand


def cmd_collect(args: argparse.Namespace) -> None:
    from ..experiments import collect
    from ..io import save_text

    table, trajectory = collect(args.inputs)
    save_text(args.out, table.to_csv(index=False))
    outputs = [args.out]
    if args.trajectory_out:
        save_text(args.trajectory_out, trajectory.to_csv(index=False))
        outputs.append(args.trajectory_out)
    record(outputs, args.inputs, {"step": "collect"}, provenance_path(args.out))


def cmd_cost(args: argparse.Namespace) -> None:
    from ..device import resolve_device
    from ..experiments import loss_cost
    from ..io import save_text

    table = loss_cost(
        args.methods.split(","),
        [int(v) for v in args.n_values.split(",")],
        [int(v) for v in args.k_values.split(",")],
        fixed_n=args.fixed_n, fixed_k=args.fixed_k, repeats=args.repeats,
        device=resolve_device(args.device),
    )  # fmt: skip
    save_text(args.out, table.to_csv(index=False))
    config = {"step": "cost", **{k: v for k, v in vars(args).items() if k not in ("func", "out")}}
    record([args.out], [], config, provenance_path(args.out), device=resolve_device(args.device))


def cmd_identities(args: argparse.Namespace) -> None:
    from ..identity_checks import identities
    from ..io import save_text

    save_text(args.out, identities(seed=args.seed).to_csv(index=False))
    record([args.out], [], {"step": "identities", "seed": args.seed}, provenance_path(args.out))


def register(add: AddCommand) -> None:
    """The parsers of collect, cost, identities."""
    p = add("collect", cmd_collect, "gather metrics JSON files into one tidy CSV table")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--trajectory-out", help="also write the angle-vs-step rows")
    p = add("cost", cmd_cost, "time each loss (forward + backward) vs N and K")
    p.add_argument("--methods", default="vicreg,simclr,barlow_twins")
    p.add_argument("--n-values", default="512,1024,2048,4096")
    p.add_argument("--k-values", default="16,32,64,128")
    p.add_argument("--fixed-n", type=int, default=2048)
    p.add_argument("--fixed-k", type=int, default=64)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="auto")
    p.add_argument("--out", required=True)
    p = add("identities", cmd_identities, "check the exact identities C1, C6, C10, C15")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
