"""Subcommands of one run: train (a run folder per seed), evaluate (re-measure a run)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..convergence import DEFAULT_GRAD_RTOL, DEFAULT_RTOL, DEFAULT_WINDOW
from ..errors import ConfigError
from ..provenance import provenance_path, record
from .args import AddCommand, label_tags, parse_pairs, parse_seeds
from .run_folder import EVALUATION_FILE, RUN_RECORD, refuse_foreign_artifact, train_one


def cmd_train(args: argparse.Namespace) -> None:
    from ..data import load_dataset
    from ..experiments import read_relation_stats
    from ..io import load_npz
    from ..probes import check_shots
    from ..relations import load_relation
    from ..training import TrainConfig
    from ..views import load_views

    seeds = parse_seeds(args.seeds) if args.seeds else [args.seed]
    if len(seeds) > 1 and "{seed}" not in args.out_dir:
        raise ConfigError("--out-dir must contain '{seed}' when several --seeds are given")
    base = TrainConfig(
        method=args.method,
        hparams=parse_pairs(args.hparam, "--hparam"),
        model=args.model,
        model_params=parse_pairs(args.model_param, "--model-param"),
        k=args.k,
        optimizer=args.optimizer,
        lr=args.lr,
        weight_decay=args.weight_decay,
        steps=args.steps,
        batch_size=args.batch_size,
        device=args.device,
        precision=args.precision,
        snapshot_every=args.snapshot_every,
        lr_schedule=args.lr_schedule,
        stop_when_converged=args.stop_when_converged,
        conv_window=args.conv_window,
        conv_rtol=args.conv_rtol,
        conv_grad_rtol=args.conv_grad_rtol,
    )
    base.validate()
    if args.faithfulness_neighbors is not None and not args.data:
        raise ConfigError("--faithfulness-neighbors needs --data (the manifold coordinates)")
    inputs = {name: getattr(args, name) for name in SEED_INPUTS if getattr(args, name)}
    templated = any(SEED in path for path in inputs.values())
    if templated and args.data_seed is not None:
        raise ConfigError("--data-seed names the one data seed of inputs without '{seed}'; "
                          "inputs with '{seed}' take each run seed's files")  # fmt: skip
    tags = label_tags(parse_pairs(args.tag, "--tag"))
    probes = {"raw": args.raw_probe,
              "label_shots": check_shots(parse_seeds(args.label_shots, "--label-shots"))
              if args.label_shots else []}  # fmt: skip
    load = _InputCache()
    prepared = []  # every seed's inputs are loaded and checked before any seed trains
    for seed in seeds:
        paths = {name: path.replace(SEED, str(seed)) for name, path in inputs.items()}
        views = load(load_views, paths["views"])
        edges, n_nodes, weights = load(load_relation, paths["relation"])
        if n_nodes != views.x.shape[0]:
            raise ConfigError(f"{paths['relation']} has {n_nodes} nodes but {paths['views']} "
                              f"has {views.x.shape[0]} rows")  # fmt: skip
        data = load(load_dataset, paths["data"]) if "data" in paths else None
        closed = load(load_npz, paths["closed_form"]) if "closed_form" in paths else None
        supervised = (load(load_npz, paths["supervised_reference"])
                      if "supervised_reference" in paths else None)  # fmt: skip
        context = {
            "supervised_reference": supervised,
            "tags": {**tags, "data_seed": seed if templated else args.data_seed},
            "relation_stats": read_relation_stats(paths.get("relation_stats")),
            "inputs": [paths[name] for name in SEED_INPUTS if name in paths],
            "probes": probes,
            "faithfulness_neighbors": args.faithfulness_neighbors,
        }
        prepared.append((seed, views, edges, weights, data, closed, context))
    for seed, views, edges, weights, data, closed, context in prepared:
        config = TrainConfig(**{**base.__dict__, "seed": seed})
        run_dir = Path(args.out_dir.format(seed=seed))
        train_one(config, views, edges, weights, data, closed, context, run_dir)


SEED = "{seed}"  # in an input path: that run seed's file (the data seed = the run seed)
SEED_INPUTS = ("views", "relation", "data", "closed_form", "relation_stats", "supervised_reference")


class _InputCache:
    """Load each input file once (in fixed-data mode every seed reads the same files)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[Any, str], Any] = {}

    def __call__(self, loader: Any, path: str) -> Any:
        if (loader, path) not in self._loaded:
            self._loaded[(loader, path)] = loader(path)
        return self._loaded[(loader, path)]


def cmd_evaluate(args: argparse.Namespace) -> None:
    """Re-measure a run from its embeddings: ranks of Z on the views, probe and k-NN accuracy.

    Writes its own file (default ``<run-dir>/evaluation.json``) with its own provenance record
    (inputs: the run's embeddings.npz and provenance.json); never an artifact of another step.
    """
    from ..evaluation import effective_rank, embedding_metrics, numerical_rank
    from ..io import load_json, load_npz, save_json
    from ..provenance import now

    started = now()
    run = Path(args.run_dir)
    out = Path(args.out) if args.out else run / EVALUATION_FILE
    refuse_foreign_artifact(out, "evaluate", run / EVALUATION_FILE)
    arrays = load_npz(run / "embeddings.npz", required=("z_views",))
    prov = load_json(run / RUN_RECORD)
    metrics: dict[str, Any] = {
        "views_numerical_rank": numerical_rank(arrays["z_views"]),
        "views_effective_rank": effective_rank(arrays["z_views"]),
    }
    if "z_train" in arrays:
        # the validation split's seed: the run seed (= the data seed unless data was fixed;
        # the run record holds no data seed)
        val_seed = int(prov["config"].get("data_seed", prov["config"].get("seed", 0)))
        metrics.update(embedding_metrics(arrays["z_train"], arrays["y_train"],
                                         arrays["z_test"], arrays["y_test"],
                                         val_seed=val_seed))  # fmt: skip
    save_json(out, {"run_dir": str(run), **prov["config"], **metrics})
    record([out], [run / "embeddings.npz", run / RUN_RECORD],
           {"step": "evaluate", "run_dir": str(run)}, provenance_path(out),
           started=started)  # fmt: skip


def register(add: AddCommand) -> None:
    """The parsers of train, evaluate."""
    p = add("train", cmd_train, "train one SSL method on views and G")
    p.add_argument(
        "--views",
        required=True,
        help="views .npz; may contain {seed} (as may "
        "--relation, --data, --closed-form, --relation-stats): each seed's own file",
    )
    p.add_argument("--relation", required=True)
    p.add_argument("--data", help="dataset .npz: embed its clean train/test sets after training")
    p.add_argument("--data-seed", type=int, default=None,
                   help="the data seed of inputs without {seed} (recorded as data_seed; with "
                        "{seed} in the inputs, data_seed = the run seed)")  # fmt: skip
    p.add_argument("--method", required=True)
    p.add_argument("--hparam", action="append", metavar="KEY=VALUE", help="loss hyperparameter")
    p.add_argument("--model", default="mlp", help="free | linear | mlp")
    p.add_argument("--model-param", action="append", metavar="KEY=VALUE")
    p.add_argument("--k", type=int, default=32, help="embedding dimension K")
    p.add_argument("--optimizer", default="adam", help="adam | sgd | lbfgs")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch-size", type=int, default=None, help="source samples per batch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", help="comma-separated seeds trained one after the other")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--precision", default="fp32", help="fp32 | fp64 | bf16")
    p.add_argument("--snapshot-every", type=int, default=0, help="keep Z every S steps")
    p.add_argument(
        "--lr-schedule",
        default="constant",
        help="constant | cosine (adam, sgd: lr decays to ~0 at the last step)",
    )
    p.add_argument(
        "--stop-when-converged",
        action="store_true",
        help="--steps is a maximum: stop at the first step meeting the criterion",
    )
    p.add_argument(
        "--conv-window",
        type=int,
        default=DEFAULT_WINDOW,
        help="convergence criterion: steps per window of the loss plateau test",
    )
    p.add_argument(
        "--conv-rtol",
        type=float,
        default=DEFAULT_RTOL,
        help="convergence criterion: largest relative loss change between windows",
    )
    p.add_argument(
        "--conv-grad-rtol",
        type=float,
        default=DEFAULT_GRAD_RTOL,
        help="convergence criterion: largest ||grad|| final / initial (full batch)",
    )
    p.add_argument("--closed-form", help="closed-form .npz to compare the learned solution with")
    p.add_argument("--supervised-reference",
                   help="supervised-reference .npz (C11): angles of W to LDA's subspace / of a "
                        "free Z to the class indicators")  # fmt: skip
    p.add_argument("--relation-stats", help="relation statistics JSON, copied into metrics")
    p.add_argument("--raw-probe", action="store_true",
                   help="also the raw (unstandardised) logistic probe and kNN validation "
                        "accuracy (probes.raw_probe_metrics)")  # fmt: skip
    p.add_argument("--label-shots", metavar="M,M,...",
                   help="also every probe on M labelled rows per class, drawn from the data "
                        "seed (probes.few_label_metrics)")  # fmt: skip
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label kept in metrics")
    p.add_argument("--faithfulness-neighbors", type=int, default=None,
                   help="also score Z's local / global faithfulness to the dataset's manifold "
                        "coordinates with this many neighbours (C18)")  # fmt: skip
    p.add_argument("--out-dir", required=True, help="run folder; may contain {seed}")
    p = add("evaluate", cmd_evaluate, "probe accuracy, ranks and final loss of a run (JSON)")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--out", help=f"default <run-dir>/{EVALUATION_FILE}; never another step's file")
