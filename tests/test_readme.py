"""The README's "One step by hand" commands, run exactly as printed in an empty folder, end with
an audit that passes (issue 12: evaluate must not overwrite train's metrics.json)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> str:
    """The bash block of the README section '## One step by hand'."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## One step by hand", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section should hold exactly one bash block"
    return blocks[0]


def test_readme_block_ends_with_an_audit():
    lines = [line for line in readme_commands().splitlines() if line.strip()]
    assert lines[-1].startswith("spectral-ssl audit")
    assert all(not line.startswith((".venv", "/")) for line in lines)  # runs in any folder


def test_readme_one_step_by_hand_passes_the_audit(tmp_path):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "CUDA_VISIBLE_DEVICES": ""}  # fmt: skip
    proc = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", readme_commands()],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / "run"
    evaluation = json.loads((run / "evaluation.json").read_text())
    assert evaluation["method"] == "vicreg" and "probe_test_accuracy" in evaluation
    assert json.loads((run / "metrics.json").read_text())["status"] == "ok"
    assert (run / "evaluation.provenance.json").is_file()


def test_evaluate_refuses_another_steps_artifact(tmp_path):
    from spectral_ssl.cli import main

    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text("{}")
    assert main(["evaluate", "--run-dir", str(run), "--out", str(run / "metrics.json")]) == 2
    assert (run / "metrics.json").read_text() == "{}"
    other = tmp_path / "table.csv"
    other.write_text("a\n1\n")
    assert main(["evaluate", "--run-dir", str(run), "--out", str(other)]) == 2
    assert other.read_text() == "a\n1\n"
