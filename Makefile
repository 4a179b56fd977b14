# IntelliMix — `make run` starts the studio, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed

# librosa's numba cache survives between runs; tests keep numeric libraries single-threaded.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
TEST_ENV := OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: install run test lint bench demo

$(INSTALLED): backend/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e 'backend[dev]'
	touch $@

install: $(INSTALLED)

## Install, migrate (serve applies pending migrations) and start on http://127.0.0.1:$${PORT:-5000}
run: install
	cd backend && exec $(BIN)/intellimix serve

## Every test: database-marked tests on SQLite and on PostgreSQL (TEST_DATABASE_URL)
test: install
	cd backend && $(TEST_ENV) $(BIN)/python -m pytest --durations=10

lint: install
	cd backend && $(BIN)/ruff check intellimix tests bench && $(BIN)/ruff format --check intellimix tests bench
	cd backend && $(BIN)/mypy intellimix

## The demo set, generated fresh: demo/<slug>/{track.wav,track.mp3,stems/,spec.json,qa.json}
demo: install
	cd backend && $(BIN)/intellimix demo -o $(CURDIR)/demo

## Benchmarks (not part of `make test`); reports land in bench-results/
bench: install
	cd backend && $(BIN)/python -m bench --out $(CURDIR)/bench-results
