"""Subcommands that prepare the inputs of training: data, views, relation."""

from __future__ import annotations

import argparse

from ..provenance import provenance_path, record
from ..relations import RELATION_KINDS, build_relation
from .args import AddCommand, parse_pairs

# builders with a ``seed`` parameter
SAMPLED_KINDS = ("labels", "nuisance", "random", "label_nuisance_mix")


def cmd_data(args: argparse.Namespace) -> None:
    from ..data import make_dataset, save_dataset, train_test_split
    from ..provenance import now

    started = now()
    params = parse_pairs(args.param, "--param")
    ds = make_dataset(args.dataset, seed=args.seed, **params)
    train, test = train_test_split(ds, test_fraction=args.test_fraction, seed=args.seed)
    save_dataset(args.out, train, test)
    config = {
        "step": "data",
        "dataset": args.dataset,
        "seed": args.seed,
        "test_fraction": args.test_fraction,
        "params": params,
    }
    record([args.out], [], config, provenance_path(args.out), started=started)


def cmd_views(args: argparse.Namespace) -> None:
    from ..data import load_dataset, subsample
    from ..provenance import now
    from ..views import make_views, save_views

    started = now()
    params = parse_pairs(args.param, "--param")
    train, _ = load_dataset(args.data)
    if args.n_samples is not None:
        train = subsample(train, args.n_samples, seed=args.seed)
    views = make_views(train, args.n_views, seed=args.seed, **params)
    save_views(args.out, views)
    config = {
        "step": "views",
        "n_views": args.n_views,
        "n_samples": args.n_samples,
        "seed": args.seed,
        "params": params,
    }
    record([args.out], [args.data], config, provenance_path(args.out), started=started)


def cmd_relation(args: argparse.Namespace) -> None:
    from ..io import save_json
    from ..provenance import now
    from ..relation_mix import design_stats
    from ..relations import relation_stats, save_relation
    from ..views import load_views

    started = now()
    params = parse_pairs(args.param, "--param")
    views = load_views(args.views)
    n = views.x.shape[0]
    edges = build_relation(args.kind, views, seeded(args.kind, params, args.seed))
    stats = {
        "kind": args.kind,
        "params": params,
        **relation_stats(edges, n, labels=views.y, nuisance=views.nuisance),
        **design_stats(args.kind, params),
    }
    save_relation(args.out, edges, n)
    if args.stats:
        save_json(args.stats, stats)
    config = {"step": "relation", "kind": args.kind, "seed": args.seed, "params": params}
    record(
        [args.out], [args.views], config, provenance_path(args.out), started=started, stats=stats
    )


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
    p.add_argument("--out", required=True)
    p.add_argument("--stats", help="also write G's statistics (JSON)")
