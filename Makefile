# Entry points for people and CI. Everything runs from the repo's own .venv and var/ folder.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
VAR := $(CURDIR)/var

export AIRFLOW_HOME := $(VAR)/airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__PARALLELISM := 4
export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG := 2
export AIRFLOW__API__HOST := 127.0.0.1
export AIRFLOW__API__PORT := 8080
export TRIALWH_HOME := $(VAR)
export PATH := $(BIN):$(PATH)

.PHONY: setup airflow-init run test up lint clean

setup: $(VENV)/.installed  ## create .venv from the committed lock file (idempotent)

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(BIN)/uv || $(BIN)/python -m pip install -q "uv==$$(sed -n 's/^uv==//p' requirements.lock)"
	$(BIN)/uv pip sync -q --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
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

clean:
	rm -rf $(VAR) dbt_project/target dbt_project/logs
