"""A real one-node SLURM cluster for tests: private munged, slurmctld and slurmd on localhost.

Everything lives in one temporary folder (config, munge key and socket, state, spool, logs,
pid files) and uses free TCP ports, so the cluster does not touch the machine's own SLURM or
munge setup and two test sessions can run side by side. Daemons run in the foreground as
children of this process and are stopped in reverse order (slurmd, slurmctld, munged) by
``stop()``, which never raises. Every command has a hard timeout.

Client commands (sbatch, squeue, scontrol, sinfo) find the cluster through ``SLURM_CONF``:
use ``cluster.env`` as the environment of any process that talks to it.

Requirements (``.ci/slurm-setup.sh`` installs them): root, and the Debian packages slurmctld,
slurmd, slurm-client and munge (Slurm 22.05 tested). ``unavailable_reason()`` says why a
cluster cannot start here, or None.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "sinfo", "scontrol", "scancel", "srun")
SBIN = ("/usr/sbin", "/usr/bin", "/sbin", "/bin")


def find_exe(name: str) -> str | None:
    """Path of ``name`` on PATH or in the usual sbin folders (root's PATH may lack them)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in SBIN:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def unavailable_reason() -> str | None:
    """Why a local cluster cannot be started here (None when it can)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "starting slurmctld/slurmd/munged needs root"
    missing = [name for name in DAEMONS + CLIENTS if find_exe(name) is None]
    if missing:
        return (
            f"SLURM/munge binaries missing: {', '.join(missing)} "
            "(install with .ci/slurm-setup.sh: slurmctld slurmd slurm-client munge)"
        )
    try:
        pwd.getpwnam("munge")
    except KeyError:
        return "no 'munge' user (the munge package creates it)"
    return None


def _free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports that are free on 127.0.0.1 right now."""
    sockets, ports = [], []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in sockets:
            s.close()
    return ports


def _memory_mb() -> int:
    """Total memory in MB (from /proc/meminfo)."""
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    raise RuntimeError("MemTotal not found in /proc/meminfo")


def _load_prctl() -> object | None:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # looked up here: the child between fork and exec must not import


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the parent dies (Linux prctl PR_SET_PDEATHSIG),
    so a test process killed without running its finalizers leaves no daemons behind."""
    if _PRCTL is not None:
        _PRCTL(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG = 1


class ClusterError(RuntimeError):
    """The cluster could not be started (the message includes the daemon logs)."""


@dataclass
class SlurmCluster:
    """One node ``localhost`` with all CPUs and (total memory - 2 GB), partition ``debug``."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="slurm-test-")))
    cpus: int = field(default_factory=lambda: os.cpu_count() or 1)
    memory_mb: int = field(default_factory=lambda: max(1024, _memory_mb() - 2048))
    # finished jobs stay known to slurmctld (scontrol show job) this long: longer than any
    # test run (test_slurm.py's runs are bounded by SPECTRAL_SSL_SLURM_TIMEOUT, 900 s default),
    # so no check ever reads a job list that the purge has shrunk
    min_job_age: int = 7200
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    keep_root: bool = False

    # ---------------------------------------------------------------------------------------
    # paths and environment
    # ---------------------------------------------------------------------------------------
    @property
    def conf(self) -> Path:
        return self.root / "etc" / "slurm.conf"

    @property
    def munge_socket(self) -> Path:
        return self.root / "munge" / "munge.socket"

    @property
    def bin(self) -> Path:
        """Folder of the ``srun`` shim, first on ``env['PATH']``."""
        return self.root / "bin"

    @property
    def env(self) -> dict[str, str]:
        """Environment for processes that talk to this cluster.

        SLURM_CONF points at this cluster's slurm.conf, and ``bin`` (an ``srun`` that sets
        SLURM_CONF again) comes first on PATH: snakemake-executor-plugin-slurm-jobstep removes
        every SLURM_* variable, SLURM_CONF included, before its nested ``srun`` inside a job,
        which then looks for /etc/slurm/slurm.conf and fails ("Could not establish a
        configuration source"). Clusters configured at the default path are not affected.
        """
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "SBATCH_"))}
        env["SLURM_CONF"] = str(self.conf)
        parts = [p for p in env.get("PATH", "").split(os.pathsep) if p]
        parts = [str(self.bin), *parts, *[p for p in SBIN if p not in parts]]
        env["PATH"] = os.pathsep.join(parts)
        return env

    def log(self, name: str) -> str:
        """The tail of a daemon's log file ('' when absent)."""
        path = self.root / "log" / f"{name}.log"
        try:
            return path.read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    # ---------------------------------------------------------------------------------------
    # start / stop
    # ---------------------------------------------------------------------------------------
    def write_config(self) -> None:
        """Create the folders, the munge key and slurm.conf."""
        self.root.chmod(0o755)  # munged runs as 'munge' and must reach its folder
        for sub in ("etc", "state", "spool", "log", "run", "bin"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        shim = self.bin / "srun"
        shim.write_text(
            f"#!/bin/sh\nexport SLURM_CONF='{self.conf}'\nexec '{find_exe('srun')}' \"$@\"\n"
        )
        shim.chmod(0o755)
        munge = pwd.getpwnam("munge")
        mdir = self.root / "munge"
        mdir.mkdir(exist_ok=True)
        mdir.chmod(0o755)  # munged: the socket folder must be searchable by all
        key = mdir / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o600)
        for path in (mdir, key):
            os.chown(path, munge.pw_uid, munge.pw_gid)
        ctl_port, node_port = _free_ports(2)
        lines = [
            "ClusterName=testcluster",
            "SlurmctldHost=localhost",
            "SlurmUser=root",
            "SlurmdUser=root",
            f"SlurmctldPort={ctl_port}",
            f"SlurmdPort={node_port}",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={self.munge_socket}",
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_CPU_Memory",
            f"MinJobAge={self.min_job_age}",
            "ReturnToService=2",
            "MpiDefault=none",
            "SwitchType=switch/none",
            f"StateSaveLocation={self.root / 'state'}",
            f"SlurmdSpoolDir={self.root / 'spool'}",
            f"SlurmctldPidFile={self.root / 'run' / 'slurmctld.pid'}",
            f"SlurmdPidFile={self.root / 'run' / 'slurmd.pid'}",
            f"SlurmctldLogFile={self.root / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={self.root / 'log' / 'slurmd.log'}",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            f"NodeName=localhost NodeAddr=127.0.0.1 CPUs={self.cpus} "
            f"RealMemory={self.memory_mb} State=UNKNOWN",
            "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    def _spawn(self, name: str, argv: list[str], **kwargs) -> None:
        """Start a daemon in the foreground; it gets SIGTERM if this process dies first."""
        with open(self.root / "log" / f"{name}.stdout", "wb") as out:
            self.procs[name] = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self.env, start_new_session=True, preexec_fn=_die_with_parent, **kwargs,
            )  # fmt: skip

    def _check_alive(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is not None:
            stdout = (self.root / "log" / f"{name}.stdout").read_text(errors="replace")
            raise ClusterError(
                f"{name} exited with status {proc.returncode}\n{stdout[-2000:]}\n{self.log(name)}"
            )

    def _wait(self, what: str, check, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in self.procs:
                self._check_alive(name)
            if check():
                return
            time.sleep(0.3)
        raise ClusterError(
            f"timed out after {timeout:.0f} s waiting for {what}\n"
            + "\n".join(f"--- {n}.log\n{self.log(n)}" for n in DAEMONS)
        )

    def start(self, timeout: float = 60.0) -> None:
        """Write the config, start munged, slurmctld and slurmd, wait for the node to be idle."""
        self.write_config()
        mdir = self.root / "munge"
        self._spawn(
            "munged",
            [find_exe("munged"), "--foreground", f"--socket={self.munge_socket}",
             f"--key-file={mdir / 'munge.key'}", f"--pid-file={mdir / 'munged.pid'}",
             f"--seed-file={mdir / 'munged.seed'}", f"--log-file={mdir / 'munged.log'}",
             "--num-threads=2"],
            user="munge", group="munge",
        )  # fmt: skip
        self._wait("the munge socket", self.munge_socket.exists, timeout)
        self._spawn("slurmctld", [find_exe("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._wait("slurmctld to answer", lambda: self.run(["scontrol", "ping"]).returncode == 0,
                   timeout)  # fmt: skip
        self._spawn("slurmd", [find_exe("slurmd"), "-D", "-N", "localhost", "-f", str(self.conf)])
        self._wait("the node to be idle", lambda: self.node_state() == "idle", timeout)

    def node_state(self) -> str:
        proc = self.run(["sinfo", "-h", "-N", "-o", "%T"])
        return proc.stdout.strip() if proc.returncode == 0 else ""

    def run(self, argv: list[str], timeout: float = 20.0) -> subprocess.CompletedProcess:
        """Run a SLURM client command against this cluster (never raises on a timeout)."""
        try:
            return subprocess.run(
                argv, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            return subprocess.CompletedProcess(argv, 124, exc.stdout or "", "timeout")

    def jobs(self) -> list[dict[str, str]]:
        """Every job slurmctld still remembers (finished ones are kept for MinJobAge seconds).

        Raises ClusterError when scontrol fails or times out: an empty list must mean "no
        jobs", never "could not ask".
        """
        proc = self.run(["scontrol", "-o", "show", "job"])
        if proc.returncode != 0:
            raise ClusterError(
                f"scontrol show job failed (status {proc.returncode}): {proc.stderr.strip()}\n"
                f"--- slurmctld.log\n{self.log('slurmctld')}"
            )
        out = []
        for line in proc.stdout.splitlines():
            entry: dict[str, str] = {}
            for token in line.split():
                key, sep, value = token.partition("=")
                if sep and key not in entry:
                    entry[key] = value
            if "JobId" in entry:
                out.append(entry)
        return out

    def stop(self) -> None:
        """Cancel the jobs, stop slurmd, slurmctld and munged (reverse order), remove the folder.

        Never raises; every wait is bounded.
        """
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            self.run(["scancel", "--full", "--user", "root"], timeout=10)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    states = [j.get("JobState") for j in self.jobs()]
                except ClusterError:
                    break  # stopping anyway
                if not any(s in ("RUNNING", "PENDING", "COMPLETING") for s in states):
                    break
                time.sleep(0.5)
        for name in reversed(DAEMONS):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if not self.keep_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> SlurmCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
