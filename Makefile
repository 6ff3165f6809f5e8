# Entry points for people and CI. Everything runs from the repo's own .venv and var/ folder.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
VAR := $(CURDIR)/var

export AIRFLOW_HOME := $(VAR)/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__COSMOS__ENABLE_TELEMETRY := False
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG := 2
export AIRFLOW__API__HOST := 127.0.0.1
export AIRFLOW__API__PORT := 8080
export TRIALWH_HOME := $(VAR)
export PATH := $(BIN):$(PATH)

.PHONY: setup airflow-init run test up lint clean

setup: $(VENV)/.installed $(VENV)/.splitter-compiled  ## create .venv from the committed lock file (idempotent)

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q "uv==$$(sed -n 's/^uv==//p' requirements.lock)"
	@# --compile-bytecode: the machines set PYTHONDONTWRITEBYTECODE, so without it every process
	@# (each Airflow task, dbt and GX step) would compile Airflow, dbt and GX again (~4 s for GX alone).
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $@

# The criteria splitter compiled with mypyc (ingest/native_build.py); without a C compiler the
# pure-Python splitter runs instead, and a build older than the source is never used.
$(VENV)/.splitter-compiled: $(VENV)/.installed ingest/pages/criteria.py ingest/pages/splitter.py ingest/native_build.py
	$(BIN)/python -m ingest.native_build --optional
	@touch $@

airflow-init: setup  ## Airflow metadata (SQLite) and the one-slot DuckDB pool
	@mkdir -p $(AIRFLOW_HOME)
	$(BIN)/airflow db migrate > $(VAR)/airflow-migrate.log 2>&1 || (cat $(VAR)/airflow-migrate.log; exit 1)
	$(BIN)/airflow pools set duckdb_writer 1 "DuckDB allows one writer: every task that writes the warehouse takes this slot" > /dev/null

run: airflow-init  ## one nightly refresh of the bundled samples through Airflow
	$(BIN)/airflow dags test trials_refresh
	@$(BIN)/trialwh where

test: airflow-init  ## the whole test suite
	$(BIN)/ruff check ingest dags tests
	$(BIN)/python -m pytest

up: airflow-init  ## Airflow standalone with the UI on http://127.0.0.1:8080, scheduling nightly
	$(BIN)/airflow standalone

lint: setup
	$(BIN)/ruff check ingest dags tests
	$(BIN)/ruff format --check ingest dags tests

# Registry-scale benchmark (see BENCHMARKS.md). N studies, deterministic by SEED; runtime output stays
# under bench/corpus/ and var/bench/ (both gitignored). RESULTS=... writes the results elsewhere.
.PHONY: corpus bench bench-night
N ?= 50000
SEED ?= 20260101
CORPUS_FLAGS = --n $(N) --seed $(SEED) $(if $(PAGES),--pages $(PAGES)) $(if $(ZIP),--zip)
BENCH_FLAGS = --n $(N) --seed $(SEED) $(if $(RESULTS),--results $(RESULTS)) $(if $(PROFILE),--profile) $(if $(REFETCH),--refetch) $(if $(ZIP),--zip) $(if $(KEEP),--keep-rebuild)

corpus: setup  ## N studies in the ClinicalTrials.gov API v2 shape + pages + nightly delta (PAGES=, ZIP=1)
	$(BIN)/python -m bench.corpus $(CORPUS_FLAGS)

bench: setup  ## full rebuild, nightly increment, DuckDB floor, ctgforge peer, page parsing on N studies
	$(BIN)/python -m bench.run $(BENCH_FLAGS)

bench-night: setup  ## the nightly increment again on the state a `make bench KEEP=1` run kept (profiling)
	$(BIN)/python -m bench.run --n $(N) --seed $(SEED) $(if $(ZIP),--zip) $(if $(PROFILE),--profile) $(if $(COLD),--cold) --replay-night

clean:
	rm -rf $(VAR) dbt_project/target dbt_project/logs
