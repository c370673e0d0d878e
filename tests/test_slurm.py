"""The pipeline on a real one-node SLURM cluster (``profiles/slurm``), compared with a local run.

A private cluster (munged, slurmctld, slurmd on localhost; see ``slurm_cluster.py``) is started
once for this module and torn down in a finalizer. The end-to-end test runs the CI config
(``tests/config/ci.yaml``) with ``snakemake --profile profiles/slurm`` in a temporary copy of
the workflow and, at the same time, the same targets locally in another copy, then checks

- every job except the local ``all`` rule was a SLURM job: Snakemake's "submitted with SLURM
  jobid N" lines, ``scontrol show job N`` (COMPLETED, exit code 0:0, the rule in the comment;
  accounting is off, so ``sacct`` cannot be used, but slurmctld keeps finished jobs for
  MinJobAge, set an hour above the run's time limit so that no job is purged before it is
  checked), the plugin's per-job log ``.snakemake/slurm_logs/rule_X/.../N.log`` (the job's own
  stdout: it names the rule, its log file and the job's completion), and each rule's own log
  file, last written before that job's stdout was (file times of one filesystem, compared at
  nanosecond resolution: never against SLURM's whole-second job times);
- the outputs equal the local run's: every array of every .npz bit for bit, and the metric
  tables without their wall-time columns.

Targets: by default the table of the smallest CI experiment with closed forms (see
``default_targets``; data, views, relation, closed-form, train, baseline and collect jobs) to
stay within a few minutes on two cores; ``SPECTRAL_SSL_SLURM_TARGETS=all`` runs the whole CI
config (or name any targets, space-separated). Every subprocess has a hard
timeout (``SPECTRAL_SSL_SLURM_TIMEOUT``, default 900 s for each Snakemake run).

Skipped, with the reason, only where SLURM cannot run here at all (not root, binaries missing:
run ``.ci/slurm-setup.sh``); where it is installed, a cluster that will not start fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from spectral_ssl.audit import audit

sys.path.insert(0, str(Path(__file__).parent))
from slurm_cluster import ClusterError, SlurmCluster, unavailable_reason  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "slurm" / "config.yaml"
CI_CONFIG = "tests/config/ci.yaml"
WORKFLOW_FILES = ("Snakefile", "workflow", "profiles", "config.yaml", CI_CONFIG)
TARGETS_ENV = "SPECTRAL_SSL_SLURM_TARGETS"
RUN_TIMEOUT = float(os.environ.get("SPECTRAL_SSL_SLURM_TIMEOUT", "900"))
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
LOCAL_RULES = {"all"}


# --------------------------------------------------------------------------------------------
# the profile (no cluster needed)
# --------------------------------------------------------------------------------------------
def workflow_rules() -> set[str]:
    """Names of the rules defined in the Snakefile and workflow/rules/*.smk."""
    sources = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    names: set[str] = set()
    for path in sources:
        if path.is_file():
            text = path.read_text()
            names |= set(re.findall(r"^(?:rule|checkpoint)\s+(\w+)\s*:", text, re.M))
            # rules made in a loop (one per seed list): `name: "train" if _i == 0 else ...`
            names |= set(re.findall(r"^\s+name:\s*\n\s+\"(\w+)\"", text, re.M))
    return names


def test_profile_settings() -> None:
    profile = yaml.safe_load(PROFILE.read_text())
    assert profile["executor"] == "slurm"
    # hang avoidance on clusters without accounting (machine-notes): squeue, 1 s, no account
    assert profile["slurm-status-command"] == "squeue"
    assert profile["slurm-init-seconds-before-status-checks"] == 1
    assert profile["slurm-no-account"] is True
    defaults = dict(item.split("=", 1) for item in profile["default-resources"])
    assert {"runtime", "mem_mb", "slurm_account", "slurm_partition"} <= set(defaults)
    rules = workflow_rules()
    assert len(rules) >= 12, f"workflow rules not found: {sorted(rules)}"
    missing = sorted(rules - LOCAL_RULES - set(profile["set-resources"]))
    assert not missing, f"rules without per-rule SLURM resources in the profile: {missing}"
    for rule, res in profile["set-resources"].items():
        assert {"runtime", "mem_mb", "cpus_per_task"} <= set(res), rule
        assert 0 < res["mem_mb"] <= 16000 and res["cpus_per_task"] >= 1, rule
    # the profile never asks for a GPU itself: the rules declare gpu=1 only with CUDA
    assert all("gpu" not in res and "gres" not in res for res in profile["set-resources"].values())


# --------------------------------------------------------------------------------------------
# the cluster
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster() -> Iterator[SlurmCluster]:
    """A private one-node cluster. Skipped only where SLURM cannot run here at all (not root,
    binaries or the munge user missing: the reason says which); once SLURM is installed, a
    cluster that does not start is a failure, so CI cannot go green without these tests."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no local SLURM cluster: {reason}")
    c = SlurmCluster(min_job_age=int(RUN_TIMEOUT) + 3600)  # no purge during any run
    try:
        c.start(timeout=90)
    except (ClusterError, OSError) as exc:
        c.stop()
        pytest.fail(f"SLURM is installed but the local cluster did not start: {exc}")
    try:
        yield c
    finally:
        c.stop()


def test_cluster_runs_a_batch_job(cluster: SlurmCluster, tmp_path: Path) -> None:
    """sbatch + nested srun work (the plumbing the executor plugin relies on)."""
    out = tmp_path / "job.out"
    script = "echo job=$SLURM_JOB_ID; srun -n1 echo step=$SLURM_JOB_ID"
    proc = cluster.run(
        ["sbatch", "--parsable", "--mem=100", "-t", "1", "-o", str(out), "--wrap", script]
    )
    assert proc.returncode == 0, proc.stderr
    job_id = proc.stdout.strip().split(";")[0]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = {j["JobId"]: j for j in cluster.jobs()}.get(job_id, {}).get("JobState")
        if state in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"):
            break
        time.sleep(0.5)
    assert state == "COMPLETED", f"job {job_id}: {state}\n{cluster.log('slurmd')}"
    assert out.read_text().split() == [f"job={job_id}", f"step={job_id}"]


# --------------------------------------------------------------------------------------------
# helpers for the end-to-end run
# --------------------------------------------------------------------------------------------
def copy_workflow(dest: Path) -> Path:
    """The workflow files (no results, no .snakemake) in ``dest``."""
    dest.mkdir(parents=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, target)
    return dest


def start(argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as fh:
        return subprocess.Popen(argv, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


def finish(proc: subprocess.Popen, deadline: float, log: Path, what: str) -> None:
    """Wait until ``deadline`` (monotonic); on timeout SIGKILL the process group and fail."""
    try:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        pytest.fail(f"{what} timed out after {RUN_TIMEOUT:.0f} s\n{tail(log)}")
    assert proc.returncode == 0, f"{what} failed (status {proc.returncode})\n{tail(log)}"


def tail(path: Path, n: int = 6000) -> str:
    try:
        return path.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def parse_snakemake_log(text: str) -> tuple[dict[str, dict], dict[str, str]]:
    """({snakemake jobid: {'rule', 'local', 'outputs'}}, {snakemake jobid: SLURM job id})."""
    jobs: dict[str, dict] = {}
    block = re.compile(r"^(local)?rule (\w+):\n((?:    .*\n)+)", re.M)
    for match in block.finditer(text):
        body = match.group(3)
        jobid = re.search(r"^    jobid: (\d+)$", body, re.M)
        outputs = re.search(r"^    output: (.*)$", body, re.M)
        logs = re.search(r"^    log: (.*)$", body, re.M)
        if jobid:
            jobs[jobid.group(1)] = {
                "rule": match.group(2),
                "local": bool(match.group(1)),
                "outputs": outputs.group(1).split(", ") if outputs else [],
                "logs": logs.group(1).split(", ") if logs else [],
            }
    submitted = dict(re.findall(r"Job (\d+) has been submitted with SLURM jobid (\d+)", text))
    return jobs, submitted


def array_digest(path: Path) -> dict[str, str]:
    """SHA-256 of every array of a .npz (dtype, shape and bytes)."""
    out = {}
    with np.load(path, allow_pickle=False) as data:
        for key in sorted(data.files):
            arr = np.ascontiguousarray(data[key])
            h = hashlib.sha256(f"{arr.dtype.str}{arr.shape}".encode())
            h.update(arr.tobytes())
            out[key] = h.hexdigest()
    return out


def deterministic_table(path: Path) -> pd.DataFrame:
    """A metric table without the columns that depend on the clock."""
    if not path.read_text().strip():  # e.g. a trajectory table of an experiment without one
        return pd.DataFrame()
    table = pd.read_csv(path)
    return table.drop(columns=[c for c in table.columns if "time" in c])


def default_targets(config_path: Path) -> list[str]:
    """The table of the smallest CI experiment that has closed forms (fewest datasets, then
    fewest training cells), so that every kind of step runs: data, views, relation, closed
    form, train, baseline, collect."""
    experiments = yaml.safe_load(config_path.read_text())["experiments"]

    def size(item: tuple[str, dict]) -> tuple[int, int, str]:
        name, exp = item
        n_data = len(exp["datasets"]) * len(exp.get("n_samples") or [None])
        specs = exp["methods"].values()
        grids = [int(np.prod([len(v) for v in (spec or {}).values()])) for spec in specs]
        cells = n_data * len(exp["relations"]) * len(exp["models"]) * sum(grids)
        return n_data, cells, name

    candidates = [i for i in experiments.items() if i[1].get("closed_form")] or list(
        experiments.items()
    )
    name = min(candidates, key=size)[0]
    return [f"results/metrics/{name}.csv"]


# --------------------------------------------------------------------------------------------
# end to end
# --------------------------------------------------------------------------------------------
@pytest.mark.slurm
@pytest.mark.slow
def test_ci_workflow_on_slurm_matches_local_run(cluster: SlurmCluster, tmp_path: Path) -> None:
    slurm_dir = copy_workflow(tmp_path / "slurm")
    local_dir = copy_workflow(tmp_path / "local")
    env = {**cluster.env, "SNAKEMAKE_SLURM_PARTITION": "debug", "PYTHONUNBUFFERED": "1"}
    local_env = {k: v for k, v in env.items() if k != "SLURM_CONF"}
    targets = os.environ.get(TARGETS_ENV, "").split() or default_targets(ROOT / CI_CONFIG)
    common = ["--configfile", CI_CONFIG, "--", *targets]
    slurm_log, local_log = tmp_path / "slurm.log", tmp_path / "local.log"
    deadline = time.monotonic() + RUN_TIMEOUT
    on_slurm = start([*SNAKEMAKE, "--profile", "profiles/slurm", "--slurm-keep-successful-logs",
                      *common], slurm_dir, env, slurm_log)  # fmt: skip
    local = start([*SNAKEMAKE, "--cores", "1", *common], local_dir, local_env, local_log)
    try:
        finish(on_slurm, deadline, slurm_log, "snakemake --profile profiles/slurm")
        finish(local, deadline, local_log, "the local snakemake run")
    finally:
        for proc in (on_slurm, local):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)

    # 1. every job but the local rules went through SLURM, and completed there
    jobs, submitted = parse_snakemake_log(slurm_log.read_text())
    remote = {jid: job for jid, job in jobs.items() if not job["local"]}
    assert remote, f"no job ran\n{tail(slurm_log)}"
    assert {job["rule"] for job in jobs.values() if job["local"]} <= LOCAL_RULES
    assert set(submitted) == set(remote), "jobs that did not go through sbatch: " + str(
        sorted(remote[j]["rule"] for j in set(remote) - set(submitted))
    )
    slurm_jobs = {j["JobId"]: j for j in cluster.jobs()}
    log_dir = slurm_dir / ".snakemake" / "slurm_logs"
    for jid, job in remote.items():
        sid = submitted[jid]
        info = slurm_jobs.get(sid)
        assert info is not None, f"SLURM job {sid} ({job['rule']}) unknown to slurmctld"
        assert info["JobState"] == "COMPLETED" and info["ExitCode"] == "0:0", info
        assert info.get("Comment", "").startswith(f"rule_{job['rule']}"), info.get("Comment")
        assert info["Partition"] == "debug"  # from SNAKEMAKE_SLURM_PARTITION
        job_logs = list((log_dir / f"rule_{job['rule']}").rglob(f"{sid}.log"))
        assert len(job_logs) == 1, f"no plugin log for SLURM job {sid} ({job['rule']})"
        job_stdout = job_logs[0].read_text(errors="replace")
        assert f"rule {job['rule']}:" in job_stdout, job_stdout[-2000:]
        assert "Finished job" in job_stdout, job_stdout[-2000:]
        # the rule's own log (written by its shell command; Snakemake touches the outputs of
        # remote jobs afterwards, so their mtimes say nothing) is named by the job and was
        # last written no later than the job's stdout, which the job writes after the command
        for log in job["logs"]:
            assert log in job_stdout, f"SLURM job {sid} does not name its log {log}"
            log_ns = (slurm_dir / log).stat().st_mtime_ns
            assert log_ns <= job_logs[0].stat().st_mtime_ns, (
                f"{log} was written after SLURM job {sid} ended"
            )
        assert all((slurm_dir / out).exists() for out in job["outputs"]), job["outputs"]

    # 2. the provenance records of the SLURM run match its files
    report = audit(slurm_dir / "results")
    assert report.ok, report.format()

    # 3. the same results as the local run
    results_s, results_l = slurm_dir / "results", local_dir / "results"
    npz_s = sorted(p.relative_to(results_s) for p in results_s.rglob("*.npz"))
    npz_l = sorted(p.relative_to(results_l) for p in results_l.rglob("*.npz"))
    assert npz_s == npz_l and npz_s
    for rel in npz_s:
        assert array_digest(results_s / rel) == array_digest(results_l / rel), rel
    tables = sorted(p.relative_to(results_s) for p in (results_s / "metrics").glob("*.csv"))
    assert tables, "no metric table was written"
    for rel in tables:
        pd.testing.assert_frame_equal(
            deterministic_table(results_s / rel), deterministic_table(results_l / rel),
            check_exact=True, obj=str(rel),
        )  # fmt: skip


@pytest.mark.slurm
def test_bad_config_stops_before_any_slurm_job(cluster: SlurmCluster, tmp_path: Path) -> None:
    """An unknown config key stops `snakemake --profile profiles/slurm` before any sbatch."""
    wf = copy_workflow(tmp_path / "wf")
    config = yaml.safe_load((wf / CI_CONFIG).read_text())
    config["training"]["epochs"] = 3
    (wf / "bad.yaml").write_text(yaml.safe_dump(config))
    before = {j["JobId"] for j in cluster.jobs()}
    proc = subprocess.run(
        [*SNAKEMAKE, "--profile", "profiles/slurm", "--configfile", "bad.yaml"], cwd=wf,
        env=cluster.env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "invalid configuration" in out and "epochs" in out, out[-3000:]
    assert "Traceback" not in out
    after = {j["JobId"] for j in cluster.jobs()}
    assert after <= before, f"jobs were submitted: {sorted(after - before)}"
    assert not (wf / "results").exists()
