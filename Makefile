# Set-up and checks for cardgen. `make demo` and `make test` work on a fresh machine:
# each creates .venv and installs what it needs first.
PYTHON ?= python3
# torch is pinned to the CPU build that lies on this project's machines; pip takes it from
# there. Elsewhere, point TORCH at a CPU wheel or index of your own.
TORCH ?= torch==2.13.0
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install install-dev demo test test-fast lint schemas bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[dev,ml,lm,duckdb,spark,sign,zensical]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/cardgen demo --out cardgen-demo

# axe-core for the browser tests' accessibility checks: from npm, pinned by
# package-lock.json, installed once (later runs need no network).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# Everything, as CI runs it (browser, ml and slow tests included).
test: install-dev lint node_modules/.package-lock.json
	$(BIN)/cardgen schema --check --out schemas
	$(BIN)/pytest

# The everyday lane: no Chromium, no torch models, no mkdocs builds or demo (about 5 minutes
# on 2 cores).
test-fast: install-dev
	$(BIN)/pytest -m "not browser and not ml and not slow" -p xdist -n auto

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

schemas: install
	$(BIN)/cardgen schema --out schemas

clean:
	rm -rf $(VENV) node_modules build dist public cardgen-demo .pytest_cache .ruff_cache
