# IntelliMix — `make run` starts the studio, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed

# librosa's numba cache survives between runs; tests keep numeric libraries single-threaded.
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
TEST_ENV := OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

WEB := frontend
WEB_INSTALLED := $(WEB)/node_modules/.installed
WEB_BUILT := $(WEB)/dist/index.html
WEB_SOURCES := $(shell find $(WEB)/src -type f 2>/dev/null) $(WEB)/index.html $(WEB)/vite.config.ts \
	$(WEB)/tsconfig.json

.PHONY: install run test test-web test-backend test-e2e lint lint-web bench demo

$(INSTALLED): backend/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e 'backend[dev]'
	touch $@

$(WEB_INSTALLED): $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund
	touch $@

$(WEB_BUILT): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd $(WEB) && npm run build

install: $(INSTALLED) $(WEB_BUILT)

## Install, build the studio, migrate (serve applies pending migrations) and start on http://127.0.0.1:$${PORT:-5000}
run: install
	cd backend && exec $(BIN)/intellimix serve

## Every test: the lint (ruff, mypy, the import-linter layering contracts), the studio's unit
## tests, the backend (database-marked tests on SQLite and on
## PostgreSQL at TEST_DATABASE_URL), then the studio end to end in Chromium
test: lint test-web test-backend test-e2e

test-web: install lint-web
	cd $(WEB) && npm run typecheck && npx vitest run && npm run size

test-backend: install
	cd backend && $(TEST_ENV) $(BIN)/python -m pytest --durations=10

test-e2e: install
	cd $(WEB) && INTELLIMIX_BIN=$(BIN)/intellimix npm run e2e

## The studio's lint (ESLint with typescript-eslint and React's hook rules) and Prettier's check
lint-web: $(WEB_INSTALLED)
	cd $(WEB) && npm run lint

lint: install lint-web
	cd backend && $(BIN)/ruff check intellimix tests bench && $(BIN)/ruff format --check intellimix tests bench
	cd backend && $(BIN)/mypy intellimix
	cd backend && $(BIN)/lint-imports --no-cache

## The demo set, generated fresh: demo/<slug>/{track.wav,track.mp3,stems/,spec.json,qa.json}
demo: install
	cd backend && $(BIN)/intellimix demo -o $(CURDIR)/demo

## Benchmarks (not part of `make test`); reports land in bench-results/. The beat-tracking
## benchmark compares against essentia (AGPL, the bench-only extra) and renders its dev set
## with mma and fluidsynth (Debian packages mma, fluidsynth, timgm6mb-soundfont, planetblupi-music-midi).
bench: install
	$(BIN)/python -m pip install --quiet -e 'backend[dev,bench]'
	cd backend && $(BIN)/python -m bench --out $(CURDIR)/bench-results
