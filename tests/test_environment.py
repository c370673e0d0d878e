"""environment.yml (conda) and pyproject.toml (pip) describe the same environment."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}
EXTRAS = {"snakemake[reports]": ["snakemake", "pygments"]}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", requirement.strip())
    assert match, requirement
    return match.group(1).lower(), match.group(2).replace(" ", "")


def pip_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    out: dict[str, str] = {}
    for req in project["dependencies"] + project["optional-dependencies"]["test"]:
        name, spec = _split(req)
        for real in EXTRAS.get(name, [name]):
            out.setdefault(real, spec if real == name.split("[")[0] else "")
    return out


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs the project itself
            assert dep == {"pip": ["-e ."]}
            continue
        name, spec = _split(dep)
        if name in ("python", "pip"):
            continue
        out[CONDA_TO_PIP.get(name, name)] = spec
    return out


def test_same_packages_and_pins():
    pip, conda = pip_requirements(), conda_requirements()
    assert sorted(pip) == sorted(conda)
    assert pip == conda


def test_required_stack_is_declared():
    required = {"torch", "snakemake", "numpy", "pandas", "seaborn", "jupyter", "scipy",
                "scikit-learn"}  # fmt: skip
    assert required <= set(pip_requirements())
