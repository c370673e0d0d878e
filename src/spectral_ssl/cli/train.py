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
    views = load_views(args.views)
    edges, n_nodes, weights = load_relation(args.relation)
    if n_nodes != views.x.shape[0]:
        raise ConfigError(
            f"{args.relation} has {n_nodes} nodes but {args.views} has {views.x.shape[0]} rows"
        )
    data = load_dataset(args.data) if args.data else None
    closed = load_npz(args.closed_form) if args.closed_form else None
    context = {
        "tags": label_tags(parse_pairs(args.tag, "--tag")),
        "relation_stats": read_relation_stats(args.relation_stats),
        "inputs": [p for p in (args.views, args.relation, args.data, args.closed_form,
                               args.relation_stats) if p],
    }  # fmt: skip
    for seed in seeds:
        config = TrainConfig(**{**base.__dict__, "seed": seed})
        run_dir = Path(args.out_dir.format(seed=seed))
        train_one(config, views, edges, weights, data, closed, context, run_dir)


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
        metrics.update(embedding_metrics(arrays["z_train"], arrays["y_train"],
                                         arrays["z_test"], arrays["y_test"]))  # fmt: skip
    save_json(out, {"run_dir": str(run), **prov["config"], **metrics})
    record([out], [run / "embeddings.npz", run / RUN_RECORD],
           {"step": "evaluate", "run_dir": str(run)}, provenance_path(out),
           started=started)  # fmt: skip


def register(add: AddCommand) -> None:
    """The parsers of train, evaluate."""
    p = add("train", cmd_train, "train one SSL method on views and G")
    p.add_argument("--views", required=True)
    p.add_argument("--relation", required=True)
    p.add_argument("--data", help="dataset .npz: embed its clean train/test sets after training")
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
    p.add_argument("--relation-stats", help="relation statistics JSON, copied into metrics")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label kept in metrics")
    p.add_argument("--out-dir", required=True, help="run folder; may contain {seed}")
    p = add("evaluate", cmd_evaluate, "probe accuracy, ranks and final loss of a run (JSON)")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--out", help=f"default <run-dir>/{EVALUATION_FILE}; never another step's file")
