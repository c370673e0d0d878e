"""One registry of methods (spectral_ssl.methods): everything that names methods agrees with it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from spectral_ssl import closed_form, figures, training
from spectral_ssl.claims.tables import REFERENCE_METHODS
from spectral_ssl.methods import METHOD_NAMES, METHODS, get_method, twin_of, wildcard_pattern

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())


def test_trainer_reads_the_registry():
    assert training.METHODS is METHODS
    assert training.get_method is get_method
    for name, method in METHODS.items():
        assert method.name == name
        assert callable(method.loss)
        assert set(method.positive) <= set(method.defaults)


def test_schema_method_names_and_hyperparameters_match_the_registry():
    methods = SCHEMA["$defs"]["methods"]["properties"]
    assert tuple(methods) == METHOD_NAMES
    for name, spec in methods.items():
        assert set(spec["properties"]) <= set(METHODS[name].defaults), name
    cost = SCHEMA["properties"]["cost"]["properties"]["methods"]["items"]["enum"]
    assert tuple(cost) == METHOD_NAMES


def test_snakefile_method_wildcard_is_the_registry():
    snakefile = (ROOT / "Snakefile").read_text()
    assert re.search(r"^\s*method=method_wildcard\(\)", snakefile, re.M)
    assert (
        "from spectral_ssl.methods import wildcard_pattern as method_wildcard"
        in (ROOT / "workflow/rules/common.smk").read_text()
    )
    pattern = re.compile(f"^(?:{wildcard_pattern()})$")
    assert all(pattern.match(n) for n in METHOD_NAMES)
    assert not pattern.match("vicreg_sq_linear") and not pattern.match("mds")


def test_twins_are_closed_forms():
    known = set(closed_form.METHODS) | {"components"}
    for name in METHOD_NAMES:
        assert set(METHODS[name].twins) == {"free", "linear"}, name
        for model in ("free", "linear"):
            assert twin_of(name, model) in known, (name, model)
        if METHODS[name].exact_twin:  # the loss gap at Z* needs a free closed form of Z
            assert closed_form.METHODS[twin_of(name, "free")][2] == "free"
    assert twin_of("vicreg", "mlp") is None and twin_of("nope", "free") is None


def test_figures_use_the_registry():
    assert figures.METHODS == METHOD_NAMES
    assert set(METHOD_NAMES) <= set(figures.colours())
    for name in METHOD_NAMES:
        assert figures.label(name) == METHODS[name].label
    for cf in closed_form.EIGENPROBLEMS:
        assert closed_form.twin_label(cf) in figures.LABELS
        assert closed_form.twin_label(cf) in figures.colours()


def _method_literals(tree: ast.AST) -> set[str]:
    """String constants passed as ``method=`` or compared with a ``method`` column."""
    found: set[str] = set()
    for node in ast.walk(tree):
        values = []
        if isinstance(node, ast.keyword) and node.arg == "method":
            values.append(node.value)
        if isinstance(node, ast.Compare) and "method" in ast.unparse(node.left):
            values += node.comparators
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(".isin"):
            if "method" in ast.unparse(node.func):
                values += node.args
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "linear_angle_claim":
            values.append(node.args[0])
        for value in values:
            for const in ast.walk(value):
                if isinstance(const, ast.Constant) and isinstance(const.value, str):
                    found.add(const.value)
    return found


def test_claims_name_only_registered_methods():
    names: set[str] = set()
    for path in (ROOT / "src/spectral_ssl/claims").glob("*.py"):
        names |= _method_literals(ast.parse(path.read_text()))
    assert names, "the scan found no method names"
    assert names <= set(METHOD_NAMES) | set(REFERENCE_METHODS), names - set(METHOD_NAMES)
    from spectral_ssl.claims.cost import LEADING, RIVAL

    assert set(LEADING) | set(RIVAL) <= set(METHOD_NAMES)


def test_claims_whose_design_decides_the_verdict_say_so():
    # the claims the 2026-12 review found unfair, or whose verdict a design choice decides
    from spectral_ssl.claims import CLAIMS

    designs = {c.id.split("-")[0]: c.design for c in CLAIMS}
    for claim in ("C2", "C5", "C9", "C11", "C12", "C13", "C14", "C15", "C16", "C17"):
        assert len(designs[claim]) > 40, claim
