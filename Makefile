# The two commands of the quick start: `make run` opens the lab, `make test` runs every test.
# Both create the virtual environment on first use and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.neuronlab-installed

.PHONY: run test lint format bench figures notebook clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --editable '.[test,bench]'
	@touch $(STAMP)

# `PORT=9000 make run` is `neuronlab serve --port 9000`; the default is the CLI's own (8765).
PORT ?= 8765

run: $(STAMP)
	$(BIN)/neuronlab serve --port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/train_speed.py --data ../shared/data/mnist

figures: $(STAMP)
	$(BIN)/neuronlab figures --out artifacts/figures

notebook: $(STAMP)
	$(BIN)/python -m pip install --quiet --editable '.[notebook]'
	$(BIN)/neuronlab notebook

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache artifacts
