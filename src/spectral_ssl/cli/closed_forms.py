"""Subcommands of the references: closed-form optima and the supervised baselines."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..provenance import provenance_path, record
from .args import AddCommand, add_seeds_option, label_tags, parse_pairs, per_seed_paths


def cmd_closed_form(args: argparse.Namespace) -> None:
    """One closed form per data seed: ``--seeds`` with ``{seed}`` in every path computes them
    all in one process (start-up paid once); every seed's inputs are checked before any output
    is written."""
    from .. import closed_form
    from ..methods import METHODS as TRAIN_METHODS
    from ..methods import resolve_hparams, twin_of

    hparams = parse_pairs(args.hparam, "--hparam")
    if args.method in TRAIN_METHODS:  # an SSL method: its spectral twin for this model
        twin = twin_of(args.method, args.model)
        if twin is None:
            raise ConfigError(
                f"no closed form for method '{args.method}' with model '{args.model}'"
            )
        hparams = resolve_hparams(args.method, hparams)
    elif args.method in closed_form.METHODS or args.method == "components":
        twin = args.method
    else:
        raise ConfigError(
            f"unknown method '{args.method}' (SSL methods: {sorted(TRAIN_METHODS)}; "
            f"closed forms: {sorted([*closed_form.METHODS, 'components'])})"
        )
    per_seed = per_seed_paths(args, ("views", "relation", "data", "out", "summary"))
    loaded = [_closed_form_inputs(files) for _, files in per_seed]  # all checked before any write
    for (seed, files), (views, edges, n_nodes, weights) in zip(per_seed, loaded, strict=True):
        _one_closed_form(args, twin, hparams, seed, files, views, edges, n_nodes, weights)


def _closed_form_inputs(files: dict[str, Any]) -> tuple[Any, np.ndarray, int, Any]:
    """One data seed's views and G, checked against each other."""
    from ..relations import load_relation
    from ..views import load_views

    views = load_views(files["views"])
    edges, n_nodes, weights = load_relation(files["relation"])
    if n_nodes != views.x.shape[0]:
        raise ConfigError(f"{files['relation']} has {n_nodes} nodes but {files['views']} has "
                          f"{views.x.shape[0]} rows")  # fmt: skip
    return views, edges, n_nodes, weights


def _one_closed_form(args: argparse.Namespace, twin: str, hparams: dict[str, Any], seed: int,
                     files: dict[str, Any], views: Any, edges: np.ndarray, n_nodes: int,
                     weights: Any) -> None:  # fmt: skip
    """Solve, save, summarise and record the closed form of one data seed."""
    from .. import closed_form
    from ..data import load_dataset
    from ..evaluation import linear_probe
    from ..experiments import reference_solution
    from ..io import save_json
    from ..provenance import now

    started = now()
    cf, reference, containing = reference_solution(twin, views.x, edges, n_nodes, args.k,
                                                   hparams, weights)  # fmt: skip
    closed_form.save_closed_form(files["out"], cf, reference, containing)
    outputs, inputs = [files["out"]], [files["views"], files["relation"]]
    if files["summary"]:
        summary: dict[str, Any] = {
            **label_tags(parse_pairs(args.tag, "--tag")),
            "hparams": hparams, "method": closed_form.twin_label(twin),
            "cf_method": twin, "model": args.model, "k": args.k, "seed": seed,
            "data_seed": seed, "status": "ok",
            "cf_predicted_rank": cf.predicted_rank, "cf_containing": containing,
            "eigenvalues": [float(v) for v in np.asarray(cf.eigenvalues)[: args.k]],
        }  # fmt: skip
        if "gap_rel" in cf.metadata:  # linear twins: the relative gap after the K-cut
            summary["cf_gap_rel"] = cf.metadata["gap_rel"]
        if cf.weights is not None and files["data"]:
            train_ds, test_ds = load_dataset(files["data"])
            probe = linear_probe(train_ds.x @ cf.weights, train_ds.y,
                                 test_ds.x @ cf.weights, test_ds.y)  # fmt: skip
            summary["probe_train_accuracy"] = probe["train_accuracy"]
            summary["probe_test_accuracy"] = probe["test_accuracy"]
            inputs.append(files["data"])
        save_json(files["summary"], summary)
        outputs.append(files["summary"])
    config = {"step": "closed-form", "method": args.method, "twin": twin, "model": args.model,
              "k": args.k, "hparams": hparams, "seed": seed}  # fmt: skip
    record(outputs, inputs, config, provenance_path(files["out"]), started=started)


def cmd_baseline(args: argparse.Namespace) -> None:
    """Supervised probes on raw and on whitened X per data seed (``--seeds``: one process)."""
    from ..data import load_dataset
    from ..evaluation import supervised_baseline, whitened_probe
    from ..io import save_json
    from ..provenance import now

    tags = parse_pairs(args.tag, "--tag")
    per_seed = per_seed_paths(args, ("data", "out"))
    loaded = [load_dataset(files["data"]) for _, files in per_seed]  # all read before any write
    for (seed, files), (train_ds, test_ds) in zip(per_seed, loaded, strict=True):
        started = now()
        rows = []
        for method, fn in (("supervised", supervised_baseline), ("whitened", whitened_probe)):
            acc = fn(train_ds.x, train_ds.y, test_ds.x, test_ds.y)
            rows.append({**tags, "method": method, "model": "linear", "seed": seed,
                         "data_seed": seed,
                         "probe_train_accuracy": acc["train_accuracy"],
                         "probe_test_accuracy": acc["test_accuracy"], "status": "ok"})  # fmt: skip
        save_json(files["out"], rows)
        record([files["out"]], [files["data"]], {"step": "baseline", "seed": seed, "tags": tags},
               provenance_path(files["out"]), started=started)  # fmt: skip


def cmd_supervised_reference(args: argparse.Namespace) -> None:
    from ..data import load_dataset
    from ..io import save_json, save_npz
    from ..provenance import now
    from ..supervised import supervised_references
    from ..views import load_views

    started = now()
    views = load_views(args.views)
    train_ds, test_ds = load_dataset(args.data)
    tags = label_tags(parse_pairs(args.tag, "--tag"))
    rows, arrays = supervised_references(
        views, train_ds, test_ds, args.k, mlp_params=parse_pairs(args.model_param, "--model-param"),
        mlp_steps=args.steps, mlp_lr=args.lr, seed=args.seed,
    )  # fmt: skip
    save_json(args.out, [{**tags, **row} for row in rows])
    save_npz(args.out_npz, **arrays)
    record([args.out, args.out_npz], [args.views, args.data],
           {"step": "supervised-reference", "k": args.k, "steps": args.steps, "lr": args.lr,
            "seed": args.seed, "tags": tags}, provenance_path(args.out), started=started)


def cmd_faithfulness_references(args: argparse.Namespace) -> None:
    """C18's references on one data seed's views and G: local / global faithfulness (JSON rows)."""
    from ..data import load_dataset
    from ..faithfulness import reference_rows
    from ..io import save_json
    from ..provenance import now
    from ..relations import load_relation
    from ..views import load_views

    started = now()
    views = load_views(args.views)
    edges, n_nodes, _ = load_relation(args.relation)
    if n_nodes != views.x.shape[0]:
        raise ConfigError(f"{args.relation} has {n_nodes} nodes but {args.views} has "
                          f"{views.x.shape[0]} rows")  # fmt: skip
    train_ds, _ = load_dataset(args.data)
    tags = {**parse_pairs(args.tag, "--tag"), "seed": args.seed, "data_seed": args.seed}
    rows = reference_rows(views, train_ds, edges, args.k, args.n_neighbors, tags)
    save_json(args.out, [{**row, "status": "ok"} for row in rows])
    record([args.out], [args.views, args.relation, args.data],
           {"step": "faithfulness-references", "seed": args.seed, "k": args.k,
            "n_neighbors": args.n_neighbors, "tags": tags},
           provenance_path(args.out), started=started)  # fmt: skip


def register(add: AddCommand) -> None:
    """The parsers of closed-form, baseline, supervised-reference, faithfulness-references."""
    p = add("closed-form", cmd_closed_form, "closed-form optimum (Z* or W*) for a method and G")
    p.add_argument("--views", required=True)
    p.add_argument("--relation", required=True)
    p.add_argument("--data", help="dataset .npz: probe the linear twin X W* on it")
    p.add_argument("--method", required=True,
                   help="an SSL method (its twin is chosen with --model) or a closed form: "
                        "vicreg_sq, vicreg_sq_linear, spectral_contrastive, "
                        "spectral_contrastive_linear, barlow_twins_linear, laplacian_eigenmaps, "
                        "mds, components")  # fmt: skip
    p.add_argument("--model", default="free", help="free | linear")
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--hparam", action="append", metavar="KEY=VALUE")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label kept in the summary")
    p.add_argument("--summary", help="also write a JSON summary (eigenvalues, twin probe)")
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="data seed of --views/--relation/--data (the summary's seed, data_seed)",
    )
    add_seeds_option(p)
    p.add_argument("--out", required=True, help="closed-form .npz; may contain {seed}")
    p = add("baseline", cmd_baseline, "supervised probe on raw X and on whitened X (JSON)")
    p.add_argument("--data", required=True)
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="data seed of --data (the rows' seed and data_seed columns)",
    )
    add_seeds_option(p)
    p.add_argument("--tag", action="append", metavar="KEY=VALUE")
    p.add_argument("--out", required=True)
    p = add("supervised-reference", cmd_supervised_reference,
            "C11 references of one data draw: LDA (linear), class indicators (free), "
            "cross-entropy MLP (mlp); rows (JSON) and subspaces (npz)")
    p.add_argument("--views", required=True, help="views .npz (LDA / indicators / MLP fit here)")
    p.add_argument("--data", required=True, help="dataset .npz (the probe's train / test rows)")
    p.add_argument("--k", type=int, required=True, help="output dimension of the MLP trunk")
    p.add_argument("--model-param", action="append", metavar="KEY=VALUE",
                   help="MLP architecture (as models.mlp of the config)")
    p.add_argument("--steps", type=int, default=600, help="Adam steps (cosine schedule)")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0, help="data seed of --views / --data")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE")
    p.add_argument("--out", required=True, help="JSON rows")
    p.add_argument("--out-npz", required=True, help="lda_basis, indicators")
    p = add("faithfulness-references", cmd_faithfulness_references,
            "C18 references (LE, Isomap, MDS of G's geodesics, spectral contrastive): local and "
            "global faithfulness to the manifold (JSON)")  # fmt: skip
    p.add_argument("--views", required=True)
    p.add_argument("--relation", required=True)
    p.add_argument("--data", required=True, help="dataset .npz with manifold coordinates")
    p.add_argument("--k", type=int, required=True, help="embedding dimension of the references")
    p.add_argument("--n-neighbors", type=int, default=10,
                   help="neighbourhood size of the local metrics and of Isomap's graph")
    p.add_argument("--seed", type=int, default=0, help="data seed of the inputs")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE")
    p.add_argument("--out", required=True)
