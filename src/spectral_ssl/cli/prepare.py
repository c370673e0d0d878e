"""Subcommands that prepare the inputs of training: data, views, relation."""

from __future__ import annotations

import argparse

from ..provenance import provenance_path, record
from ..relations import RELATION_KINDS, build_relation
from .args import AddCommand, add_seeds_option, parse_pairs, per_seed_paths

# builders with a ``seed`` parameter
SAMPLED_KINDS = ("labels", "nuisance", "random", "label_nuisance_mix")


def cmd_data(args: argparse.Namespace) -> None:
    """A dataset and its split per data seed (``--seeds``: all in one process)."""
    from ..data import make_dataset, save_dataset, train_test_split
    from ..provenance import now

    params = parse_pairs(args.param, "--param")
    for seed, files in per_seed_paths(args, ("out",)):
        started = now()
        ds = make_dataset(args.dataset, seed=seed, **params)
        train, test = train_test_split(ds, test_fraction=args.test_fraction, seed=seed)
        save_dataset(files["out"], train, test)
        config = {
            "step": "data",
            "dataset": args.dataset,
            "seed": seed,
            "test_fraction": args.test_fraction,
            "params": params,
        }
        record([files["out"]], [], config, provenance_path(files["out"]), started=started)


def cmd_views(args: argparse.Namespace) -> None:
    """V augmented views of one data seed's training split (``--seeds``: each in turn)."""
    from ..data import load_dataset, subsample
    from ..provenance import now
    from ..views import make_views, save_views

    params = parse_pairs(args.param, "--param")
    per_seed = per_seed_paths(args, ("data", "out"))
    loaded = [load_dataset(files["data"])[0] for _, files in per_seed]  # read before any write
    for (seed, files), train in zip(per_seed, loaded, strict=True):
        started = now()
        if args.n_samples is not None:
            train = subsample(train, args.n_samples, seed=seed)
        views = make_views(train, args.n_views, seed=seed, **params)
        save_views(files["out"], views)
        config = {
            "step": "views",
            "n_views": args.n_views,
            "n_samples": args.n_samples,
            "seed": seed,
            "params": params,
        }
        record([files["out"]], [files["data"]], config, provenance_path(files["out"]),
               started=started)  # fmt: skip


def cmd_relation(args: argparse.Namespace) -> None:
    """G (edge list) and its statistics per data seed (``--seeds``: each in turn)."""
    from ..io import save_json
    from ..provenance import now
    from ..relation_mix import design_stats
    from ..relations import relation_stats, save_relation
    from ..views import load_views

    params = parse_pairs(args.param, "--param")
    per_seed = per_seed_paths(args, ("views", "out", "stats"))
    loaded = [load_views(files["views"]) for _, files in per_seed]  # read before any write
    for (seed, files), views in zip(per_seed, loaded, strict=True):
        started = now()
        n = views.x.shape[0]
        edges = build_relation(args.kind, views, seeded(args.kind, params, seed))
        stats = {
            "kind": args.kind,
            "params": params,
            **relation_stats(edges, n, labels=views.y, nuisance=views.nuisance),
            **design_stats(args.kind, params),
        }
        save_relation(files["out"], edges, n)
        if files["stats"]:
            save_json(files["stats"], stats)
        config = {"step": "relation", "kind": args.kind, "seed": seed, "params": params}
        record([files["out"]], [files["views"]], config, provenance_path(files["out"]),
               started=started, stats=stats)  # fmt: skip


def seeded(kind: str, params: dict, seed: int) -> dict:
    """The builder parameters with the data seed for the kinds that sample partners (labels and
    nuisance with positives_per_row, random); an explicit ``--param seed=`` wins."""
    if kind in SAMPLED_KINDS and "seed" not in params:
        return {**params, "seed": seed}
    return params


def register(add: AddCommand) -> None:
    """The parsers of data, views, relation."""
    p = add("data", cmd_data, "generate a dataset and its train/test split (.npz)")
    p.add_argument("--dataset", required=True, help="digits | synthetic | swiss_roll")
    p.add_argument("--seed", type=int, default=0,
                   help="data seed: the dataset's generation (synthetic, swiss_roll, a digits "
                        "subsample) and the train/test split")  # fmt: skip
    add_seeds_option(p)
    p.add_argument("--test-fraction", type=float, default=0.25)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="dataset parameter")
    p.add_argument("--out", required=True)
    p = add("views", cmd_views, "augmented views of the training set, stacked view-major")
    p.add_argument("--data", required=True)
    p.add_argument("--n-views", type=int, default=2)
    p.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="stratified subsample of N' source samples first (low-data regime)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="data seed: the subsample of N' source samples and the augmentation noise",
    )
    add_seeds_option(p)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="augmentation parameter")
    p.add_argument("--out", required=True)
    p = add("relation", cmd_relation, "build the relation graph G on the view rows")
    p.add_argument("--views", required=True)
    p.add_argument("--kind", required=True, choices=RELATION_KINDS)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="builder parameter")
    p.add_argument("--seed", type=int, default=0,
                   help="data seed of the sampled kinds (labels / nuisance with "
                        "positives_per_row, random, label_nuisance_mix); knn, view_pairs: "
                        "deterministic")  # fmt: skip
    add_seeds_option(p)
    p.add_argument("--out", required=True)
    p.add_argument("--stats", help="also write G's statistics (JSON)")
