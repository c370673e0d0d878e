"""The config schema (workflow/schemas/config.schema.yaml): the shipped configs validate, bad
configs are rejected with a message naming the offending key."""

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"
CONFIGS = [ROOT / "config.yaml", ROOT / "tests" / "config" / "ci.yaml"]


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load(SCHEMA_PATH.read_text())


@pytest.fixture(scope="module")
def validator(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def messages(validator, cfg):
    """Every error as 'dotted.key.path: message'."""
    return [
        ".".join(map(str, err.absolute_path)) + ": " + err.message
        for err in validator.iter_errors(cfg)
    ]


def test_schema_uses_the_2020_12_draft(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_validate(validator, path):
    cfg = yaml.safe_load(path.read_text())
    assert messages(validator, cfg) == []


def _walk(node, where="(root)"):
    """Every object schema and property schema below ``node``."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}[{i}]")


def test_every_object_rejects_unknown_keys(schema):
    lax = [
        where
        for where, node in _walk(schema)
        if isinstance(node, dict)
        and node.get("type") == "object"
        and "additionalProperties" not in node
    ]
    assert lax == []


def test_every_key_has_a_description(schema):
    undocumented = [
        f"{where}.{key}"
        for where, node in _walk(schema)
        if isinstance(node, dict)
        and isinstance(node.get("properties"), dict)
        and ".allOf[" not in where  # kind-specific conditions restate documented keys
        for key, sub in node["properties"].items()
        if "description" not in sub
    ]
    assert undocumented == []


def test_top_level_scalars_have_defaults(schema):
    for key in ("device", "seeds", "data_seed", "training", "cost", "claims"):
        assert "default" in schema["properties"][key], key
    for key, sub in schema["properties"]["training"]["properties"].items():
        assert "default" in sub, f"training.{key}"


def _set(cfg, dotted, value):
    *parents, last = dotted.split(".")
    node = cfg
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


BAD = [
    # (what, dotted key, value, words that must appear in the message)
    ("unknown top-level key", "learning_rate", 0.1, ["learning_rate"]),
    ("unknown training key", "training.epochs", 3, ["epochs"]),
    ("unknown experiment key", "experiments.rank.gammas", [1], ["gammas"]),
    ("unknown hyperparameter", "experiments.rank.methods.vicreg.delta", [1], ["delta"]),
    ("wrong type", "training.steps", "many", ["training.steps"]),
    ("wrong type of a list", "seeds", 3, ["seeds"]),
    ("negative gamma", "experiments.rank.methods.vicreg.gamma", [-1], ["gamma", "minimum"]),
    ("zero tau", "experiments.rank.methods.simclr.tau", [0], ["tau"]),
    ("k = 0", "training.k", 0, ["training.k", "minimum"]),
    ("k = 0 in an experiment", "experiments.optimal.training.k", 0, ["optimal.training.k"]),
    ("unknown method", "experiments.rank.methods.byol", {}, ["byol"]),
    ("unknown dataset", "experiments.rank.datasets", ["cifar10"], ["datasets"]),
    ("unknown dataset definition", "datasets.mnist", {}, ["mnist"]),
    ("unknown model", "models.resnet", {}, ["resnet"]),
    ("n_views = 1", "datasets.digits.n_views", 1, ["n_views", "minimum"]),
    ("empty seeds", "seeds", [], ["seeds"]),
    ("bad device", "device", "tpu", ["device"]),
    ("bad optimizer", "training.optimizer", "rmsprop", ["optimizer"]),
    ("bad precision", "training.precision", "fp16", ["precision"]),
    ("bad relation kind", "relations.knn.kind", "cosine", ["kind"]),
    ("knn parameter on view pairs", "relations.view_pairs.params", {"n_neighbors": 3}, ["params"]),
    ("unknown relation parameter", "relations.knn.params", {"k": 3}, ["k"]),
    ("test_fraction = 1", "datasets.digits.test_fraction", 1, ["test_fraction"]),
    ("n_samples = 0", "experiments.low_data.n_samples", [0], ["n_samples"]),
    ("negative lr", "training.lr", -0.1, ["lr"]),
    ("batch_size = 0", "training.batch_size", 0, ["batch_size"]),
    ("unknown lr schedule", "training.lr_schedule", "step", ["lr_schedule", "cosine"]),
    ("stop flag not a boolean", "training.stop_when_converged", "yes", ["stop_when_converged"]),
    ("conv_window = 0", "training.conv_window", 0, ["conv_window", "minimum"]),
    ("conv_rtol = 0", "training.conv_rtol", 0, ["conv_rtol"]),
    (
        "negative conv_grad_rtol in an experiment",
        "experiments.rank.training.conv_grad_rtol",
        -1,
        ["rank.training.conv_grad_rtol"],
    ),
    ("nested convergence block", "training.convergence", {"window": 5}, ["convergence"]),
    ("dose fraction p > 1", "relations.dose_p50.params.p", 1.5, ["dose_p50.params.p", "maximum"]),
    ("dose fraction p < 0", "relations.dose_p50.params.p", -0.1, ["dose_p50.params.p", "minimum"]),
    ("dose fraction p missing", "relations.dose_p50.params", {"positives_per_row": 8},
     ["dose_p50.params", "'p' is a required property"]),
    ("knn parameter on a dose relation", "relations.dose_p50.params",
     {"positives_per_row": 8, "p": 0.5, "n_neighbors": 3}, ["n_neighbors"]),
]


@pytest.mark.parametrize("what,key,value,words", BAD, ids=[b[0] for b in BAD])
def test_bad_config_is_rejected_naming_the_key(validator, config, what, key, value, words):
    bad = copy.deepcopy(config)
    _set(bad, key, value)
    errors = messages(validator, bad)
    assert errors, f"{what}: accepted"
    text = "\n".join(errors)
    for word in words:
        assert word in text, f"{what}: {word!r} not in {text!r}"


def test_schedule_and_convergence_keys_are_accepted(validator, config):
    good = copy.deepcopy(config)
    good["training"].update(lr_schedule="cosine", stop_when_converged=True, conv_window=10,
                            conv_rtol=1e-5, conv_grad_rtol=1e-2)  # fmt: skip
    good["experiments"]["rank"].setdefault("training", {}).update(
        lr_schedule="constant", stop_when_converged=False, conv_window=5
    )
    assert messages(validator, good) == []


def test_missing_required_section_is_named(validator, config):
    bad = copy.deepcopy(config)
    del bad["experiments"]
    assert any("experiments" in m for m in messages(validator, bad))
