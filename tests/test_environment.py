"""The exact lock (uv.lock), the ranges (pyproject.toml) and the conda description
(environment.yml) describe one environment."""

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}
CONDA_PYTHON = "3.11.7"  # environment.yml pins python 3.11, the interpreter CI and the results use


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + project["optional-dependencies"]["test"]
    return [Requirement(r) for r in names]


def locked_versions(python: str = CONDA_PYTHON) -> dict[str, str]:
    """The version uv.lock installs for each package on this Python (x.y.z) and Linux.

    The lock is universal: a few packages (numpy, scipy, ...) resolve to a newer release on
    newer Pythons, each entry carrying the markers of the interpreters it is for."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    env = {
        "python_full_version": python,
        "python_version": ".".join(python.split(".")[:2]),
        "sys_platform": "linux",
        "platform_system": "Linux",
    }
    out: dict[str, str] = {}
    for package in lock["package"]:
        markers = package.get("resolution-markers")
        if markers and not any(Marker(m).evaluate(env) for m in markers):
            continue
        name = canonicalize_name(package["name"])
        assert name not in out, f"uv.lock gives {name} two versions for Python {python}"
        out[name] = package["version"]
    return out


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs the project itself
            assert dep == {"pip": ["-e ."]}
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", dep.strip())
        assert match, dep
        name, spec = match.groups()
        if name == "python":
            assert spec == "=" + CONDA_PYTHON.rsplit(".", 1)[0], f"environment.yml: {dep}"
            continue
        if name == "pip":
            continue
        assert spec.startswith("==") and "," not in spec, f"environment.yml: {dep} is not exact"
        out[canonicalize_name(CONDA_TO_PIP.get(name, name))] = spec[2:]
    return out


def test_lock_satisfies_every_range_of_pyproject():
    locked = locked_versions()
    for req in project_requirements():
        name = canonicalize_name(req.name)
        assert name in locked, f"{req} is not in uv.lock: run `make lock`"
        assert req.specifier.contains(locked[name], prereleases=True), (
            f"uv.lock has {name}=={locked[name]}, outside pyproject's {req}: run `make lock`"
        )
        for extra in req.extras:  # e.g. snakemake[reports] -> pygments
            assert extra == "reports" and "pygments" in locked


@pytest.mark.parametrize("python", ["3.11.7", "3.12.9", "3.13.3", "3.14.1"])
def test_lock_pins_one_version_per_package_and_python(python):
    assert "torch" in locked_versions(python)  # locked_versions asserts uniqueness
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    wheels = [p for p in lock["package"] if p.get("source", {}).get("registry")]
    assert wheels and all(all("hash" in w for w in p.get("wheels", [])) for p in wheels), (
        "every registry artifact in uv.lock carries a hash"
    )


def test_conda_description_names_the_locked_versions():
    locked, conda = locked_versions(), conda_pins()
    direct = {canonicalize_name(r.name) for r in project_requirements()} | {"pygments"}
    assert set(conda) == direct
    for name, version in conda.items():
        assert version == locked[name], (
            f"environment.yml pins {name}=={version}, uv.lock {locked[name]}"
        )


def test_required_stack_is_declared():
    required = {"torch", "snakemake", "numpy", "pandas", "seaborn", "jupyter", "scipy",
                "scikit-learn"}  # fmt: skip
    assert required <= {canonicalize_name(r.name) for r in project_requirements()}


def test_installed_environment_is_the_locked_one():
    """The running interpreter has exactly the locked versions of the direct dependencies."""
    import platform
    from importlib.metadata import version

    locked = locked_versions(platform.python_version())
    for req in project_requirements():
        name = canonicalize_name(req.name)
        installed = version(name).split("+")[0]  # torch's local tag (+cu130, +cpu)
        assert installed == locked[name], f"{name} {installed} installed, {locked[name]} locked"


@pytest.mark.skipif(
    shutil.which("uv", path=str(ROOT / ".uv" / "bin")) is None,
    reason="uv not bootstrapped in .uv/ (make venv does it)",
)
def test_uv_agrees_the_lock_is_current():
    uv = shutil.which("uv", path=str(ROOT / ".uv" / "bin"))
    done = subprocess.run(
        [uv, "lock", "--check", "--offline"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
