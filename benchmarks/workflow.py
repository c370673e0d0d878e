"""The reproduction's CPU budget, from Snakemake's per-job benchmark TSVs.

    python -m benchmarks.workflow [--benchmarks results/benchmarks] [--metrics results/metrics]
                                  [--thresholds config.yaml] [--csv OUT_PREFIX]

Every rule that runs a process writes ``results/benchmarks/{rule}/<wildcards>.tsv`` (Snakemake's
``benchmark:``: wall ``s``, ``cpu_time`` = user + system CPU seconds of the job's process tree,
``max_rss`` MB). This script prints three markdown tables:

per rule        jobs, wall and CPU seconds, largest resident set
per experiment  the CPU seconds each experiment of the config costs: its training jobs, its
                closed forms (a closed-form job serves every experiment that trains the same
                (data, relation, model, method, hparams) cell; its cost is split equally among
                them), its per-data-seed references (supervised: the experiments on that data;
                faithfulness: on that data and relation), its table (`collect`); data / views /
                relations / baselines are shared by every experiment on a dataset and reported as
                one "shared: data" row; `cost`
                and `identities` are their own rows, figures / claims / audit one "report" row
per claim        the experiments whose tables the claim's evaluator reads (recorded while it
                runs on results/metrics, so the mapping is the code's, not a list kept by hand)
                and their CPU seconds (an experiment read by two claims counts in both rows)
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

SHARED_DATA_RULES = ("data", "views", "relation", "baseline")
REPORT_RULES = ("figures", "claims", "audit")
OWN_ROW_RULES = ("cost", "identities")
# per-data-seed references of some experiments: benchmark folder -> how many leading path parts
# name the data they serve (supervised/{data}/k{k}/seed, faithfulness/{data}/{relation}/k{k}/seed)
DATA_REFERENCE_RULES = {"supervised": 1, "faithfulness": 2}


def read_benchmarks(root: Path) -> pd.DataFrame:
    """One row per benchmark TSV: rule, wildcard parts of its path, wall s, CPU s, RSS MB."""
    rows = []
    for tsv in sorted(root.rglob("*.tsv")):
        table = pd.read_csv(tsv, sep="\t")
        if table.empty:
            continue
        parts = tsv.relative_to(root).with_suffix("").parts
        last = table.iloc[-1]
        rows.append({
            "rule": parts[0],
            "parts": parts[1:],
            "s": float(last["s"]),
            "cpu_s": float(pd.to_numeric(pd.Series([last.get("cpu_time")]), errors="coerce")[0]),
            "max_rss_mb": float(pd.to_numeric(table["max_rss"], errors="coerce").max()),
        })  # fmt: skip
    if not rows:
        raise SystemExit(f"no benchmark TSVs under {root}: run the workflow first")
    return pd.DataFrame(rows)


def per_rule(bench: pd.DataFrame) -> pd.DataFrame:
    """Jobs, total and mean wall, total CPU seconds and the largest RSS per rule."""
    return bench.groupby("rule").agg(
        jobs=("s", "size"),
        wall_s=("s", "sum"),
        mean_wall_s=("s", "mean"),
        cpu_s=("cpu_s", "sum"),
        max_rss_mb=("max_rss_mb", "max"),
    )


def _cell(parts: tuple[str, ...]) -> tuple[str, ...]:
    """(data, relation, model, method, hparams) of a train or closed_form path."""
    return tuple(parts[:5])


def reference_users(config: dict[str, Any]) -> dict[str, set[str]]:
    """Which experiments a per-data-seed reference rule serves (the config keys that ask for it)."""
    exps = config.get("experiments", {})
    return {
        "supervised": {n for n, e in exps.items() if e.get("supervised_reference")},
        "faithfulness": {n for n, e in exps.items() if e.get("faithfulness")},
    }


def per_experiment(bench: pd.DataFrame,
                   references: dict[str, set[str]] | None = None) -> pd.DataFrame:  # fmt: skip
    """CPU and wall seconds attributed to each experiment (and the shared / own rows).
    ``references`` (``reference_users``) restricts a reference rule's owners to the experiments
    that ask for it; without it, every experiment on the same data shares it."""
    train = bench[bench["rule"] == "train"]
    users: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for parts in train["parts"]:
        users[_cell(parts[1:])].add(parts[0])
    cost: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def add(owner: str, column: str, row: Any, share: float = 1.0) -> None:
        cost[owner][f"{column}_cpu_s"] += row.cpu_s * share
        cost[owner]["cpu_s"] += row.cpu_s * share
        cost[owner]["wall_s"] += row.s * share

    by_data: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for cell, experiments in users.items():
        by_data[cell[:1]] |= experiments  # (data,)
        by_data[cell[:2]] |= experiments  # (data, relation)

    for row in bench.itertuples():
        if row.rule == "train":
            add(row.parts[0], "train", row)
        elif row.rule in DATA_REFERENCE_RULES:  # one per data seed, for the experiments using it
            key = tuple(row.parts[: DATA_REFERENCE_RULES[row.rule]])
            owners = set(by_data.get(key, ()))
            if references is not None:
                owners &= references.get(row.rule, owners)
            owners = sorted(owners) or [f"unattributed {row.rule}"]
            for owner in owners:
                add(owner, "reference", row, 1.0 / len(owners))
        elif row.rule == "closed_form":
            owners = sorted(users.get(_cell(row.parts), ())) or ["unattributed closed forms"]
            for owner in owners:
                add(owner, "closed_form", row, 1.0 / len(owners))
        elif row.rule == "collect":
            add(row.parts[0], "collect", row)
        elif row.rule in SHARED_DATA_RULES:
            add("shared: data, views, relations, baselines", "prepare", row)
        elif row.rule in OWN_ROW_RULES:
            add(row.rule, row.rule, row)
        else:
            add("report: figures, claims, audit" if row.rule in REPORT_RULES else row.rule,
                "other", row)  # fmt: skip
    table = pd.DataFrame(cost).T.fillna(0.0)
    table["share"] = table["cpu_s"] / table["cpu_s"].sum()
    first = ["cpu_s", "share", "wall_s"]
    return table[first + sorted(c for c in table.columns if c not in first)].sort_values(
        "cpu_s", ascending=False
    )


class RecordingTables(dict):
    """A table dictionary that remembers every name an evaluator asks for."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        super().__init__(tables)
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> pd.DataFrame:
        self.asked.add(name)
        return super().__getitem__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self.asked.add(name)
        return super().get(name, default)

    def __contains__(self, name: object) -> bool:
        if isinstance(name, str):
            self.asked.add(name)
        return super().__contains__(name)


def tables_read_by_claims(
    tables: dict[str, pd.DataFrame], thresholds: dict[str, float]
) -> dict[str, list[str]]:
    """Claim id -> the tables its evaluator asked for while judging ``tables``."""
    from spectral_ssl.claims import CLAIMS

    out = {}
    for claim in CLAIMS:
        recorder = RecordingTables(tables)
        try:
            claim.evaluate(recorder, thresholds)
        except Exception:  # noqa: BLE001 - missing evidence still tells which tables were asked
            pass
        out[claim.id] = sorted(recorder.asked)
    return out


def _experiment_of(table: str) -> str:
    return table.removesuffix("_trajectory")


def per_claim(experiments: pd.DataFrame, reads: dict[str, Iterable[str]]) -> pd.DataFrame:
    """CPU seconds of the experiments (tables) each claim reads."""
    rows = []
    for claim, tables in reads.items():
        names = sorted({_experiment_of(t) for t in tables})
        known = [n for n in names if n in experiments.index]
        rows.append({
            "claim": claim,
            "reads": ", ".join(names) or "-",
            "cpu_s": float(experiments.loc[known, "cpu_s"].sum()) if known else 0.0,
        })  # fmt: skip
    return pd.DataFrame(rows).set_index("claim")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--benchmarks", type=Path, default=Path("results/benchmarks"))
    parser.add_argument("--metrics", type=Path, default=Path("results/metrics"))
    parser.add_argument("--thresholds", type=Path, default=Path("config.yaml"),
                        help="the config the run used (its claims: thresholds, its experiments)")
    parser.add_argument("--csv", type=Path, default=None, help="also write PREFIX_{rule,...}.csv")
    args = parser.parse_args(argv)

    bench = read_benchmarks(args.benchmarks)
    config = yaml.safe_load(args.thresholds.read_text()) if args.thresholds.is_file() else {}
    rules, experiments = per_rule(bench), per_experiment(bench, reference_users(config))
    print(f"## Per rule ({len(bench)} jobs, {bench['cpu_s'].sum():,.0f} CPU s in all)\n")
    print(rules.round(1).to_markdown(), "\n")
    print("## Per experiment (CPU seconds)\n")
    shown = experiments.round(1).assign(share=experiments["share"].round(3))
    print(shown.to_markdown(), "\n")
    claims = None
    if args.metrics.is_dir():
        from spectral_ssl.claims import load_tables, read_thresholds
        from spectral_ssl.claims.report import prepare_tables

        thresholds = read_thresholds(args.thresholds)
        tables = prepare_tables(load_tables(args.metrics), thresholds)
        claims = per_claim(experiments, tables_read_by_claims(tables, thresholds))
        print("## Per claim (CPU seconds of the experiments it reads)\n")
        print(claims.round(1).to_markdown())
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        rules.to_csv(f"{args.csv}_rules.csv")
        experiments.to_csv(f"{args.csv}_experiments.csv")
        if claims is not None:
            claims.to_csv(f"{args.csv}_claims.csv")


if __name__ == "__main__":
    main()
