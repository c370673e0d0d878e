"""Faults, determinism, provenance and the audit trail.

- SIGKILL in the middle of an atomic write: the final name keeps its old content (or stays
  absent); the leftover ``.name.XXXX`` temporary file is not mistaken for an artifact.
- SIGKILL of a Snakemake run while ``spectral-ssl train`` is training: no partial artifact
  under a final name, Snakemake marks the job incomplete, ``--rerun-incomplete`` completes it
  and the arrays are bit-identical to an uninterrupted run (CPU determinism).
- NaN/Inf during training: a 'failed' metrics.json naming method, hyperparameters, step and
  loss term; the other seeds still run.
- Same config and seed twice: bit-identical arrays and metric values; provenance contents.
- ``audit``: truncated .npz, edited CSV, deleted file, changed input, unreadable record,
  artifact without record are each reported.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from spectral_ssl import audit as audit_mod
from spectral_ssl import cli
from spectral_ssl.audit import audit, main_audit
from spectral_ssl.training import TEST_BLOCK_ENV

RUN_FILES = ("embeddings.npz", "snapshots.npz", "model.pt", "log.csv", "metrics.json")
VOLATILE_METRICS = ("wall_time_s", "run_dir")  # depend on the clock and the folder
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
REPO = Path(__file__).resolve().parents[1]
SUBPROCESS_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# --------------------------------------------------------------------------------------------
# fixtures and helpers
# --------------------------------------------------------------------------------------------
def _ok(argv: list[str]) -> None:
    assert cli.main(argv) == 0, f"step failed: {argv}"


@pytest.fixture(scope="module")
def inputs(pipeline_prefix: SimpleNamespace) -> SimpleNamespace:
    """The shared synthetic pipeline prefix (conftest): data, views, relation, absolute paths."""
    return pipeline_prefix


def train_args(p: SimpleNamespace, out_dir: str, *, seeds: str = "0", steps: int = 40,
               extra: tuple[str, ...] = ()) -> list[str]:  # fmt: skip
    """Arguments of a small CPU training run (linear model, K = 4, snapshots)."""
    return [
        "train", "--views", str(p.views), "--relation", str(p.rel), "--data", str(p.data),
        "--method", "vicreg", "--model", "linear", "--k", "4", "--steps", str(steps),
        "--snapshot-every", "10", "--device", "cpu", "--seeds", seeds, "--out-dir", out_dir,
        *extra,
    ]  # fmt: skip


def npz_arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def assert_same_arrays(a: Path, b: Path) -> None:
    """Bitwise equality of every array of two .npz files (dtype, shape and bytes)."""
    left, right = npz_arrays(a), npz_arrays(b)
    assert sorted(left) == sorted(right), (a, b)
    for key in left:
        x, y = left[key], right[key]
        assert x.dtype == y.dtype and x.shape == y.shape, (key, x.dtype, y.dtype)
        assert x.tobytes() == y.tobytes(), f"{key} differs between {a} and {b}"


def stable_metrics(path: Path) -> dict[str, Any]:
    """metrics.json without the values that depend on the clock or the folder."""
    record = json.loads(path.read_text())
    return {k: v for k, v in record.items() if k not in VOLATILE_METRICS}


def wait_for(predicate: Any, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process ended (status {proc.returncode}) before {what}")
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of ``proc`` (started with start_new_session=True)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


# --------------------------------------------------------------------------------------------
# SIGKILL during an atomic write
# --------------------------------------------------------------------------------------------
SLOW_WRITER = """
import os, sys, threading
from pathlib import Path
from spectral_ssl.io import atomic_path
final, marker = sys.argv[1], Path(sys.argv[2])
with atomic_path(final, suffix=".npz") as tmp:
    with open(tmp, "wb") as fh:
        fh.write(b"PK\\x03\\x04" + b"half-written" * 1000)
        fh.flush()
        # the marker appears complete or not at all (written aside, then renamed)
        Path(str(marker) + ".part").write_text(str(tmp))
        os.replace(str(marker) + ".part", marker)
        threading.Event().wait()  # mid-write until killed
"""


@pytest.mark.parametrize("previous", [None, b"the previous complete artifact"])
def test_sigkill_mid_write_keeps_final_name_intact(tmp_path: Path, previous: bytes | None):
    final, marker = tmp_path / "out" / "embeddings.npz", tmp_path / "marker"
    if previous is not None:
        final.parent.mkdir()
        final.write_bytes(previous)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITER, str(final), str(marker)], start_new_session=True
    )
    try:
        wait_for(marker.exists, 60, "the writer to be mid-write", proc)
    finally:
        kill_group(proc)
    assert proc.returncode == -signal.SIGKILL
    tmp = Path(marker.read_text())
    if previous is None:
        assert not final.exists(), "a half-written file appeared under the final name"
    else:
        assert final.read_bytes() == previous, "the previous artifact was damaged"
    # the leftover temporary file is hidden, recognised as such, never taken for an artifact
    assert tmp.exists() and tmp.parent == final.parent and tmp.name.startswith(".")
    assert audit_mod.is_temp_file(tmp) and not audit_mod.is_temp_file(final)
    report = audit(tmp_path / "out")
    assert not any(p.path == str(tmp) for p in report.problems)
    assert any(str(tmp) in w for w in report.warnings)


def test_atomic_write_uses_normal_permissions(tmp_path: Path) -> None:
    from spectral_ssl.io import save_json

    old = os.umask(0o022)
    try:
        save_json(tmp_path / "a.json", {"x": 1})
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------------------------
# SIGKILL of a Snakemake run during training, then --rerun-incomplete
# --------------------------------------------------------------------------------------------
MINI_SNAKEFILE = """
rule train:
    input:
        views=config["views"],
        relation=config["relation"],
    output:
        expand("runs/seed{seed}/{name}", seed=[0, 1], name=["embeddings.npz", "metrics.json"]),
    shell:
        "{config[python]} -m spectral_ssl train --views {input.views} "
        "--relation {input.relation} --data {config[data]} --method vicreg --model linear "
        "--k 4 --steps {config[steps]} --snapshot-every 10 --device cpu --seeds 0,1 "
        "--out-dir 'runs/seed{{seed}}'"
"""


@pytest.mark.slow
def test_sigkill_during_training_then_rerun_incomplete(inputs: SimpleNamespace, tmp_path: Path):
    """Node failure while seed 1 trains: Snakemake and the job are SIGKILLed together.

    Synchronised on events, not on timing: SPECTRAL_SSL_TEST_BLOCK makes the trainer of seed 1
    write ``blocked`` when it reaches step BLOCK_AT and wait there; the kill lands then, on
    every machine, however fast. Seed 0 has finished by then (the seeds run one after the
    other in one process).
    """
    steps, block_at = 40, 15
    ref_dir = tmp_path / "ref"
    ref = subprocess.Popen(  # the uninterrupted reference, run alongside (no block)
        [sys.executable, "-m", "spectral_ssl",
         *train_args(inputs, str(ref_dir / "seed{seed}"), seeds="0,1", steps=steps)],
        env=SUBPROCESS_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    wf = tmp_path / "wf"
    wf.mkdir()
    (wf / "Snakefile").write_text(MINI_SNAKEFILE)
    config = ["--config", f"python={sys.executable}", f"views={inputs.views}",
              f"relation={inputs.rel}", f"data={inputs.data}", f"steps={steps}"]  # fmt: skip
    run = wf / "runs"
    gate = tmp_path / "gate"
    gate.mkdir()
    blocking_env = {**SUBPROCESS_ENV, TEST_BLOCK_ENV: f"1:{block_at}:{gate}"}
    try:
        sm = subprocess.Popen(
            [*SNAKEMAKE, "--cores", "1", *config], cwd=wf, env=blocking_env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            wait_for((gate / "blocked").exists, 240, f"seed 1 to reach step {block_at}", sm)
        finally:
            kill_group(sm)
        assert (gate / "blocked").read_text().split()[:2] == ["1", str(block_at)]
        assert not (gate / "release").exists()
        assert (run / "seed0" / "provenance.json").is_file(), "seed 0 had not finished"
        # 1. no partial artifact of seed 1 under a final name (temporary files are hidden)
        seed1 = run / "seed1"
        present = [n for n in RUN_FILES if (seed1 / n).exists()]
        assert present == [], f"partial artifacts of the killed run: {present}"
        leftovers = [f for f in seed1.iterdir()] if seed1.is_dir() else []
        assert all(audit_mod.is_temp_file(f) for f in leftovers), leftovers
        # 2. Snakemake marked the job's outputs incomplete (it will not trust seed 0 either)
        markers = {
            base64.urlsafe_b64decode(f.name).decode()
            for f in (wf / ".snakemake" / "incomplete").iterdir()
        }
        assert "runs/seed1/metrics.json" in markers and "runs/seed0/metrics.json" in markers
        # 3. the documented recovery: remove the stale lock of the killed run, then rerun;
        #    the incomplete job runs again and completes
        unlock = subprocess.run(
            [*SNAKEMAKE, "--cores", "1", "--unlock", *config], cwd=wf, env=SUBPROCESS_ENV,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert unlock.returncode == 0, unlock.stderr[-3000:]
        rerun = subprocess.run(
            [*SNAKEMAKE, "--cores", "1", "--rerun-incomplete", *config], cwd=wf,
            env=SUBPROCESS_ENV, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        _, ref_err = ref.communicate(timeout=300)
        assert ref.returncode == 0, ref_err[-3000:]
    finally:
        if ref.poll() is None:
            kill_group(ref)
    # 4. identical to the uninterrupted run, bit for bit
    for seed in (0, 1):
        for name in ("embeddings.npz", "snapshots.npz"):
            assert_same_arrays(run / f"seed{seed}" / name, ref_dir / f"seed{seed}" / name)
        assert stable_metrics(run / f"seed{seed}" / "metrics.json") == stable_metrics(
            ref_dir / f"seed{seed}" / "metrics.json"
        )
    report = audit(run)
    assert report.ok, report.format()


# --------------------------------------------------------------------------------------------
# NaN / Inf during training
# --------------------------------------------------------------------------------------------
DIVERGED = (
    r"vicreg \(alpha=25\.0, beta=1\.0, gamma=25\.0\) diverged at step \d+: "
    r"loss term '(invariance|variance|covariance)' is (nan|inf|-inf)"
)


def test_diverging_run_writes_failed_record_and_other_seeds_continue(
    inputs: SimpleNamespace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "div" / "seed{seed}"
    status = cli.main(train_args(inputs, str(out), seeds="0,1", steps=30,
                                 extra=("--optimizer", "sgd", "--lr", "1e6")))  # fmt: skip
    err = capsys.readouterr().err
    assert status == 0, err  # a diverged seed is a result ('failed' row), not a crash
    assert "Traceback" not in err
    messages = [line for line in err.splitlines() if "run failed" in line]
    assert len(messages) == 2, err  # seed 1 ran after seed 0 failed
    for line in messages:
        assert re.search(DIVERGED, line), line
    for seed in (0, 1):
        run = tmp_path / "div" / f"seed{seed}"
        record = json.loads((run / "metrics.json").read_text())
        assert record["status"] == "failed" and record["seed"] == seed
        assert record["hparams"] == {"alpha": 25.0, "beta": 1.0, "gamma": 25.0}
        assert "diverged at step" in record["error"] and "loss term" in record["error"]
        assert not any((run / n).exists() for n in RUN_FILES if n != "metrics.json")
        prov = json.loads((run / "provenance.json").read_text())
        assert prov["error"] == record["error"]
        assert list(prov["outputs"]) == [str(run / "metrics.json")]
    assert audit(tmp_path / "div").ok


def test_failed_record_names_the_run(inputs: SimpleNamespace, tmp_path: Path) -> None:
    out = tmp_path / "div"
    status = cli.main(train_args(inputs, str(out), steps=10,
                                 extra=("--optimizer", "sgd", "--lr", "1e6")))  # fmt: skip
    record = json.loads((out / "metrics.json").read_text())
    if status != 0 or record["status"] != "failed":
        pytest.fail(f"the run did not diverge as planned: {record}")  # no xfail
    assert {"method", "model", "k"} <= set(record)


# --------------------------------------------------------------------------------------------
# determinism and provenance
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def twin_runs(inputs: SimpleNamespace, tmp_path_factory: pytest.TempPathFactory):
    """The same config and seed trained twice into two folders."""
    root = tmp_path_factory.mktemp("twins")
    for name in ("a", "b"):
        _ok(train_args(inputs, str(root / name), seeds="3", steps=40))
    return root / "a", root / "b"


def test_same_config_and_seed_give_identical_results(twin_runs: tuple[Path, Path]) -> None:
    a, b = twin_runs
    assert_same_arrays(a / "embeddings.npz", b / "embeddings.npz")
    assert_same_arrays(a / "snapshots.npz", b / "snapshots.npz")
    assert stable_metrics(a / "metrics.json") == stable_metrics(b / "metrics.json")
    log_a, log_b = (pd.read_csv(d / "log.csv").drop(columns="time_s") for d in (a, b))
    pd.testing.assert_frame_equal(log_a, log_b, check_exact=True)
    prov_a, prov_b = (json.loads((d / "provenance.json").read_text()) for d in (a, b))
    assert prov_a["config"] == prov_b["config"]
    assert prov_a["inputs"] == prov_b["inputs"]
    outputs_a = {Path(k).name: v for k, v in prov_a["outputs"].items()}
    outputs_b = {Path(k).name: v for k, v in prov_b["outputs"].items()}
    assert outputs_a["embeddings.npz"] == outputs_b["embeddings.npz"]  # byte-identical files


def test_run_provenance_record(twin_runs: tuple[Path, Path], inputs: SimpleNamespace) -> None:
    run = twin_runs[0]
    prov = json.loads((run / "provenance.json").read_text())
    config = prov["config"]
    assert config["method"] == "vicreg" and config["seed"] == 3 and config["k"] == 4
    assert config["hparams"] == {"alpha": 25.0, "beta": 1.0, "gamma": 25.0}
    assert {"model", "optimizer", "lr", "steps", "device", "precision"} <= set(config)
    assert prov["code"] == expected_code_record()
    assert prov["spectral_ssl"]
    assert prov["packages"]["torch"] and prov["packages"]["numpy"]
    device = prov["device"]
    assert device["device"] == "cpu"
    for flag in ("deterministic_algorithms", "cudnn_deterministic", "cudnn_benchmark"):
        assert isinstance(device[flag], bool), flag
    started = datetime.fromisoformat(prov["started_at"])
    finished = datetime.fromisoformat(prov["finished_at"])
    assert started <= finished
    assert prov["host"] == socket.gethostname()
    assert prov["python"] and prov["platform"]
    assert {Path(k).name for k in prov["outputs"]} == set(RUN_FILES)
    for path, digest in {**prov["outputs"], **prov["inputs"]}.items():
        assert cli.sha256(path) == digest, path
    assert set(prov["inputs"]) == {str(inputs.views), str(inputs.rel), str(inputs.data)}
    data_prov = json.loads(cli.provenance_path(inputs.data).read_text())
    assert data_prov["config"]["step"] == "data" and data_prov["config"]["dataset"] == "synthetic"
    assert data_prov["outputs"] == {str(inputs.data): cli.sha256(inputs.data)}


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          timeout=30, check=False)  # fmt: skip


def expected_code_record(root: Path = REPO) -> dict[str, Any]:
    """What provenance must record for the checkout at ``root``, asked of git independently."""
    head = _git(root, "rev-parse", "HEAD")
    if head.returncode != 0:
        return {"commit": None}
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    assert status.returncode == 0, status.stderr
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def test_provenance_code_record_names_commit_and_dirty_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git_commit() on a throw-away checkout: the HEAD commit, then dirty after an edit."""
    from spectral_ssl import provenance

    repo = tmp_path / "checkout"
    module = repo / "src" / "spectral_ssl" / "provenance.py"
    module.parent.mkdir(parents=True)
    module.write_text("# tracked\n")
    for args in (
        ("init", "-q"),
        ("add", "-A"),
        ("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one"),
    ):
        assert _git(repo, *args).returncode == 0, args  # fmt: skip
    monkeypatch.setattr(provenance, "__file__", str(module))
    head = _git(repo, "rev-parse", "HEAD").stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{40}", head)
    assert provenance.git_commit() == {"commit": head, "dirty": False}
    (repo / "untracked.txt").write_text("not part of the code\n")
    assert provenance.git_commit() == {"commit": head, "dirty": False}
    module.write_text("# edited\n")
    assert provenance.git_commit() == {"commit": head, "dirty": True}
    monkeypatch.setattr(provenance, "__file__", str(tmp_path / "nogit" / "a" / "b" / "p.py"))
    assert provenance.git_commit() == {"commit": None}


# --------------------------------------------------------------------------------------------
# audit
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def results_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results/ tree written with relative paths (as the workflow does) from its parent."""
    project = tmp_path_factory.mktemp("project")
    with contextlib.chdir(project):
        _ok(["data", "--dataset", "synthetic", "--param", "n_samples=60", "--param", "dim=12",
             "--out", "results/data/syn.npz"])  # fmt: skip
        _ok(["views", "--data", "results/data/syn.npz", "--out", "results/views/syn.npz"])
        _ok(
            [
                "relation",
                "--views",
                "results/views/syn.npz",
                "--kind",
                "view_pairs",
                "--out",
                "results/relations/syn/vp.npz",
                "--stats",
                "results/relations/syn/vp.json",
            ]
        )
        _ok(
            [
                "train",
                "--views",
                "results/views/syn.npz",
                "--relation",
                "results/relations/syn/vp.npz",
                "--method",
                "vicreg",
                "--model",
                "linear",
                "--k",
                "3",
                "--steps",
                "5",
                "--device",
                "cpu",
                "--out-dir",
                "results/runs/e/seed0",
            ]
        )
    return project / "results"  # fmt: skip


@pytest.fixture
def results(results_tree: Path, tmp_path: Path) -> Path:
    """A private copy of the tree, moved elsewhere (recorded paths stay relative)."""
    copy = tmp_path / "moved" / "results"
    shutil.copytree(results_tree, copy)
    return copy


def test_audit_clean_tree(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = audit(results)
    assert report.ok, report.format()
    assert report.n_records == 4 and report.n_artifacts == 7 and report.n_checked == 8
    assert main_audit(results) == 0
    assert "OK" in capsys.readouterr().out


def test_audit_truncated_npz(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    emb = results / "runs/e/seed0/embeddings.npz"
    emb.write_bytes(emb.read_bytes()[:100])
    report = audit(results)
    assert [p.kind for p in report.problems_for(emb)] == ["sha256-mismatch"]
    assert main_audit(results) == 1
    out = capsys.readouterr().out
    assert "sha256-mismatch" in out and str(emb) in out


def test_audit_edited_csv(results: Path) -> None:
    log = results / "runs/e/seed0/log.csv"
    log.write_text(log.read_text().replace("0.", "1.", 1))
    assert [p.kind for p in audit(results).problems_for(log)] == ["sha256-mismatch"]


def test_audit_deleted_file(results: Path) -> None:
    model = results / "runs/e/seed0/model.pt"
    model.unlink()
    report = audit(results)
    assert [p.kind for p in report.problems_for(model)] == ["missing"]
    assert report.problems_for(model)[0].record.endswith("provenance.json")


def test_audit_changed_input(results: Path) -> None:
    """Views regenerated differently: the views record and every consumer are flagged."""
    views = results / "views/syn.npz"
    arrays = npz_arrays(views)
    arrays["x"] = arrays["x"] + 1.0
    np.savez_compressed(views, **arrays)
    report = audit(results)
    kinds = sorted(p.kind for p in report.problems_for(views))
    assert kinds == ["input-changed", "input-changed", "sha256-mismatch"]  # relation, run


def test_audit_unreadable_record_and_uncovered_artifact(results: Path) -> None:
    (results / "relations/syn/vp.provenance.json").write_text("{ not json")
    stray = results / "metrics/extra.csv"
    stray.parent.mkdir()
    stray.write_text("a,b\n1,2\n")
    report = audit(results)
    assert report.kinds() == {"unreadable-provenance", "no-provenance"}
    uncovered = {Path(p.path).name for p in report.problems if p.kind == "no-provenance"}
    assert uncovered == {"vp.npz", "extra.csv"}


def test_audit_ignores_temp_files_but_warns(results: Path) -> None:
    (results / "runs/e/seed0/.embeddings.npz.k2j4h6g8.npz").write_bytes(b"partial")
    report = audit(results)
    assert report.ok and len(report.warnings) == 1


def test_audit_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main_audit(tmp_path / "nothing") == 2
    assert "no results folder" in capsys.readouterr().err


def test_collected_table_is_covered_and_cli_audit(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """collect records its tables; `spectral-ssl audit` exits 0 when clean, 1 on a problem."""
    with contextlib.chdir(results.parent):
        _ok(["collect", "--out", "results/metrics/e.csv", "--trajectory-out",
             "results/metrics/e_trajectory.csv", "results/runs/e/seed0/metrics.json"])  # fmt: skip
    capsys.readouterr()
    assert cli.main(["audit", str(results)]) == 0, capsys.readouterr().out
    table = results / "metrics/e.csv"
    table.write_text(table.read_text() + "\n")
    assert cli.main(["audit", str(results)]) == 1
    out = capsys.readouterr().out
    assert "sha256-mismatch" in out and "e.csv" in out


def test_claims_table_has_provenance(results: Path) -> None:
    with contextlib.chdir(results.parent):
        steps = [
            ["collect", "--out", "results/metrics/e.csv", "results/runs/e/seed0/metrics.json"],
            ["claims", "--metrics-dir", "results/metrics", "--config",
             str(Path(__file__).parent / "config" / "ci.yaml"), "--out-md", "results/claims.md",
             "--out-csv", "results/claims.csv"],
        ]  # fmt: skip
        for argv in steps:
            if cli.main(argv) != 0:
                pytest.fail(f"step failed: {argv}")  # not an AssertionError: no xfail
    report = audit(results)
    assert report.problems_for(results / "claims.csv") == [], report.format()
    assert report.ok, report.format()
