# Two commands on a fresh machine with Python >= 3.11 and the package registries:
#   make reproduce   -> the whole reproduction (snakemake --cores all)
#   make test        -> the test suite
# Both create .venv on first use, from the exact lock uv.lock (every package, every version,
# every hash); afterwards the environment step is a no-op until pyproject.toml or uv.lock change.
#   make lock        -> re-resolve uv.lock from pyproject.toml's ranges (newest versions allowed)

PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.installed
CORES      ?= all
# uv itself is pinned and lives in its own small venv, so that `uv sync` (which removes every
# package the lock does not name) never uninstalls the tool that runs it.
UV_VERSION := 0.13.9
UV_VENV    := .uv
UV         := $(UV_VENV)/bin/uv
UV_ENV     := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON=$(PYTHON) UV_PYTHON_DOWNLOADS=never

.PHONY: reproduce test test-fast lint venv lock clean-results

$(UV):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python >= 3.11 is required (snakemake 9)")'
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV_ENV) $(UV) sync --frozen --extra test --quiet
	touch $(STAMP)

venv: $(STAMP)

lock: | $(UV)
	$(UV_ENV) $(UV) lock --upgrade

reproduce: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --cores 1 --report results/report.html

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/snakemake --lint

clean-results:
	rm -rf results/data results/views results/relations results/runs results/closed_form \
	       results/metrics results/figures results/logs results/benchmarks results/baselines
