# spectral-ssl: the whole reproduction.
#
#   snakemake --cores all                        # everything (profiles/default is picked up)
#   snakemake --report results/report.html       # the self-contained report, afterwards
#   snakemake --cores 2 --configfile tests/config/ci.yaml   # the small CI grid
#
# Every rule calls the `spectral-ssl` CLI (docs/pipeline.md); no maths happens here. Helper
# functions live in workflow/rules/common.smk, one file per stage in workflow/rules/.

import re
import sys

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

min_version("9.0")

# `--configfile X` replaces config.yaml instead of being deep-merged into it (Snakemake merges
# nested dictionaries, which would silently keep every experiment of the full grid in a small
# config).
if not workflow.config_settings.configfiles:

    configfile: "config.yaml"


include: "workflow/rules/common.smk"


# Bad config stops here, before any job, with every offending key named.
_errors = config_schema_errors(config, f"{workflow.basedir}/workflow/schemas/config.schema.yaml")
if _errors:
    raise WorkflowError("invalid configuration (nothing was run):\n" + "\n".join(_errors))
validate(config, "workflow/schemas/config.schema.yaml")  # also fills in the schema's defaults
_errors = config_semantic_errors(config)
if _errors:
    raise WorkflowError("invalid configuration (nothing was run):\n" + "\n".join(_errors))

DEVICE = resolve_device(config["device"])  # passed explicitly to every CLI call
GPU = 1 if DEVICE == "cuda" else 0  # resources: gpu=GPU on the jobs that use the device
SEEDS = [int(s) for s in config["seeds"]]
EXPERIMENTS = list(config["experiments"])
RUNS = expand_grid(config)
CLOSED_FORM_BY_CELL = {closed_form_cell(run): run for run in closed_form_cells(RUNS).values()}
CLOSED_FORM_SEEDS = {c: seeds for seeds, cells in closed_form_seed_sets(RUNS) for c in cells}
SUPERVISED = supervised_cells(RUNS)
FAITHFULNESS = faithfulness_cells(RUNS)
# the data seeds each data-side artifact is made for (one job per key, all its seeds inside)
DATASET_SEEDS = data_side_seeds(RUNS, lambda run: run["dataset"])
VIEWS_SEEDS = data_side_seeds(RUNS, lambda run: run["data"])
RELATION_SEEDS = data_side_seeds(RUNS, lambda run: (run["data"], run["relation"]))
shell.prefix(f"set -euo pipefail; {cli_path_prefix(workflow)}")


wildcard_constraints:
    experiment="|".join(EXPERIMENTS),
    dataset="digits|synthetic|swiss_roll",
    data=r"(digits|synthetic|swiss_roll)(-n[0-9]+)?",
    relation=r"[A-Za-z][A-Za-z0-9_]*",
    model="free|linear|mlp",
    method=method_wildcard(),  # the registry spectral_ssl.methods
    hparams=r"default|[A-Za-z0-9_.=+-]+",
    seed=r"[0-9]+",
    k=r"[0-9]+",


report: "workflow/report/workflow.rst"


include: "workflow/rules/data.smk"
include: "workflow/rules/relations.smk"
include: "workflow/rules/closed_form.smk"
include: "workflow/rules/training.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/notebook.smk"


rule all:
    input:
        metric_tables(),
        figure_files(),
        "results/claims.md",
        "results/claims.csv",
        "results/audit.html",
    default_target: True
    localrule: True
