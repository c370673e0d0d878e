"""benchmarks.workflow: the CPU budget per rule, experiment and claim from benchmark TSVs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from benchmarks.workflow import (
    RecordingTables,
    per_claim,
    per_experiment,
    per_rule,
    read_benchmarks,
    tables_read_by_claims,
)
from spectral_ssl.claims import read_thresholds

ROOT = Path(__file__).resolve().parents[1]
HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def _tsv(root: Path, rel: str, s: float, cpu: float, rss: float = 100.0) -> None:
    path = root / f"{rel}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"{s}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    cell = "digits/labels/free/simclr/tau=0.5"
    _tsv(tmp_path, f"train/rank/{cell}", 10, 20, rss=900)
    _tsv(tmp_path, f"train/cliques/{cell}", 10, 40)  # same cell, second experiment
    _tsv(tmp_path, "train/linear/synthetic/view_pairs/linear/vicreg_sq/alpha=25+gamma=1", 5, 6)
    _tsv(tmp_path, f"closed_form/{cell}/k32", 3, 8)  # one job per cell, shared by rank and cliques
    _tsv(tmp_path, "closed_form/synthetic/view_pairs/linear/vicreg_sq/alpha=25+gamma=1/k8",
         2, 2)  # fmt: skip
    _tsv(tmp_path, "collect/rank", 1, 1)
    _tsv(tmp_path, "data/digits/seed0", 2, 3)
    _tsv(tmp_path, "views/digits/seed0", 2, 3)
    _tsv(tmp_path, "cost/cost", 30, 50)
    _tsv(tmp_path, "claims/claims", 4, 4)
    _tsv(tmp_path, "supervised/digits/k32/seed0", 5, 10)  # digits: rank and cliques
    return tmp_path


def test_per_rule_sums_wall_and_cpu(tree):
    rules = per_rule(read_benchmarks(tree))
    assert rules.loc["train", "jobs"] == 3
    assert rules.loc["train", "cpu_s"] == pytest.approx(66)
    assert rules.loc["train", "max_rss_mb"] == 900
    assert rules.loc["closed_form", "wall_s"] == pytest.approx(5)


def test_per_experiment_attributes_and_splits_shared_closed_forms(tree):
    exp = per_experiment(read_benchmarks(tree))
    # rank: train 20 + half of the shared closed form (4) + collect 1 + half the reference (5)
    assert exp.loc["rank", "cpu_s"] == pytest.approx(30)
    assert exp.loc["rank", "closed_form_cpu_s"] == pytest.approx(4)
    assert exp.loc["rank", "reference_cpu_s"] == pytest.approx(5)
    assert exp.loc["cliques", "cpu_s"] == pytest.approx(49)
    assert exp.loc["linear", "cpu_s"] == pytest.approx(8)
    assert exp.loc["shared: data, views, relations, baselines", "cpu_s"] == pytest.approx(6)
    assert exp.loc["cost", "cpu_s"] == pytest.approx(50)
    assert exp.loc["report: figures, claims, audit", "cpu_s"] == pytest.approx(4)
    # nothing is lost or counted twice
    assert exp["cpu_s"].sum() == pytest.approx(read_benchmarks(tree)["cpu_s"].sum())
    assert exp["share"].sum() == pytest.approx(1.0)


def test_no_benchmarks_is_one_clear_message(tmp_path):
    with pytest.raises(SystemExit, match="no benchmark TSVs"):
        read_benchmarks(tmp_path)


def test_recording_tables_remembers_every_access():
    rec = RecordingTables({"a": pd.DataFrame()})
    rec.get("b")
    _ = "c" in rec
    _ = rec["a"]
    assert rec.asked == {"a", "b", "c"}


def test_claims_read_the_tables_their_evaluators_ask_for():
    reads = tables_read_by_claims({}, read_thresholds(ROOT / "config.yaml"))
    assert "identities" in reads["C1"]
    assert "cost" in reads["C17"]
    assert all(reads[c] for c in reads), "every claim reads at least one table"


def test_per_claim_sums_the_experiments_it_reads(tree):
    exp = per_experiment(read_benchmarks(tree))
    out = per_claim(exp, {"C4": ["rank"], "C5": ["rank", "cliques", "cliques_trajectory"],
                          "C9": ["nothing_ran"]})  # fmt: skip
    assert out.loc["C4", "cpu_s"] == pytest.approx(30)
    assert out.loc["C5", "cpu_s"] == pytest.approx(79)
    assert out.loc["C5", "reads"] == "cliques, rank"
    assert out.loc["C9", "cpu_s"] == 0.0


def test_one_experiment_config_keeps_only_that_experiment_and_sets_its_seeds():
    import yaml

    from benchmarks.experiment_cost import one_experiment_config

    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    one = one_experiment_config(config, "low_data", [3])
    assert list(one["experiments"]) == ["low_data"] and one["seeds"] == [3]
    assert one["experiments"]["low_data"]["seeds"] == [3]  # its own seed list too
    assert one["claims"] == config["claims"] and one["datasets"] == config["datasets"]
    with pytest.raises(SystemExit, match="no experiment 'nope'"):
        one_experiment_config(config, "nope", [0])


def test_a_reference_is_charged_only_to_the_experiments_that_ask_for_it(tree):
    from benchmarks.workflow import reference_users

    config = {"experiments": {"rank": {}, "cliques": {"supervised_reference": True}}}
    exp = per_experiment(read_benchmarks(tree), reference_users(config))
    assert exp.loc["cliques", "reference_cpu_s"] == pytest.approx(10)
    assert "reference_cpu_s" not in exp or exp.loc["rank", "reference_cpu_s"] == 0
