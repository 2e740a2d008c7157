# Set-up and checks for cardgen. `make demo` and `make test` work on a fresh machine:
# they create .venv and install cardgen with its test dependencies first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint schemas clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/cardgen validate examples/cards

test: install lint
	$(BIN)/cardgen schema --check --out schemas
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

schemas: install
	$(BIN)/cardgen schema --out schemas

clean:
	rm -rf $(VENV) build dist public .pytest_cache .ruff_cache
