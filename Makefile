# Two commands on a fresh machine: `make book` and `make test`.
PROFILE ?= cpu
SEED ?= 0
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export MER_DATA_DIR ?= $(CURDIR)/data

.PHONY: setup weights synth book publish lab test clean-book

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[book,dev,cluster]"
	touch $@

setup: $(VENV)/.installed weights

weights: $(VENV)/.installed
	$(BIN)/mer weights fetch

synth: $(VENV)/.installed
	$(BIN)/mer data synth --seed $(SEED)

# Executes into _build/executed/$(PROFILE) and builds _build/html; never modifies book/.
book: setup synth
	$(BIN)/mer data check
	$(BIN)/mer book --profile $(PROFILE) --seed $(SEED)

# The only way to update book/ (the published edition): refuses smoke and chapters whose datasets are incomplete.
publish: setup synth
	$(BIN)/mer data check
	$(BIN)/mer book --profile $(PROFILE) --seed $(SEED) --publish

# JupyterLab on notebooks/ with the project's environment.
lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks

test: setup
	$(BIN)/python -m pytest -q

clean-book:
	rm -rf _build
