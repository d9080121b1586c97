# Two commands for a new user on a fresh machine:
#   make quickstart   create .venv, install torch 2.13.0 (CPU) then seqaug, run the quickstart
#   make test         install the dev extras if needed and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH := torch==2.13.0

.PHONY: quickstart test install dev lint bench-speed clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev

quickstart: $(VENV)/.installed
	$(BIN)/seqaug quickstart --out quickstart_run

test: $(VENV)/.dev
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench-speed: $(VENV)/.installed
	$(BIN)/python benchmarks/speed_core.py --data-dir $${SEQAUG_DATA_DIR:-../shared/data}

clean:
	rm -rf $(VENV) quickstart_run .pytest_cache .ruff_cache
