"""Shared fixtures: real runs of the pipeline (CLI in-process steps, and Airflow) on the bundled samples."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SAMPLE_SOURCES = REPO / "sources" / "sample.yml"
SAMPLE_CTGOV = REPO / "sample_data" / "ctgov"
RUN_DATE = "2026-11-20"


def airflow_env(**extra: str) -> dict[str, str]:
    """The environment `make` gives Airflow: metadata and config inside the checkout."""
    env = dict(os.environ)
    env.setdefault("AIRFLOW_HOME", str(REPO / "var" / "airflow"))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__COSMOS__ENABLE_TELEMETRY", "False")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run_cli(*args: str, check: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
    """The real `trialwh` console script from the venv."""
    result = subprocess.run(
        [str(BIN / "trialwh"), *args], capture_output=True, text=True, timeout=timeout, env=airflow_env()
    )
    if check and result.returncode != 0:
        raise AssertionError(f"trialwh {' '.join(args)} exited {result.returncode}:\n{result.stderr[-4000:]}")
    return result


def printed_result(stdout: str) -> dict:
    """The JSON result `trialwh refresh` prints after dbt's own log lines."""
    start = stdout.index('{\n  "run_id"')
    result, _ = json.JSONDecoder().raw_decode(stdout, start)
    return result


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def write_sources(path: Path, sources: list[dict]) -> Path:
    import yaml

    path.write_text(yaml.safe_dump({"sources": sources}, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def cli_warehouse(tmp_path_factory) -> Path:
    """`trialwh refresh` once on the bundled samples; tests read the published file."""
    warehouse = tmp_path_factory.mktemp("cli-warehouse")
    run_cli(
        "refresh", "--sources", str(SAMPLE_SOURCES), "--warehouse", str(warehouse), "--run-date", RUN_DATE
    )
    return warehouse


def run_dag(warehouse: Path, sources_file: Path, logical_date: str | None = None) -> None:
    """`airflow dags test trials_refresh` (after `airflow db migrate`), its log kept in the warehouse."""
    env = airflow_env()
    subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run(
        [str(BIN / "airflow"), "pools", "set", "duckdb_writer", "1", "DuckDB single writer"],
        env=env,
        check=True,
        capture_output=True,
    )
    conf = json.dumps({"sources_file": str(sources_file), "warehouse_dir": str(warehouse)})
    command = [
        str(BIN / "airflow"),
        "dags",
        "test",
        "trials_refresh",
        *([logical_date] if logical_date else []),
    ]
    result = subprocess.run([*command, "-c", conf], env=env, capture_output=True, text=True, timeout=1800)
    warehouse.mkdir(parents=True, exist_ok=True)
    log = warehouse / f"dags-test-{logical_date or 'now'}.log"
    log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"airflow dags test failed, see {log}:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="session")
def airflow_warehouse(tmp_path_factory) -> Path:
    """`airflow dags test trials_refresh` once on the bundled samples."""
    warehouse = tmp_path_factory.mktemp("airflow-warehouse")
    run_dag(warehouse, SAMPLE_SOURCES)
    return warehouse


@pytest.fixture
def copy_of_samples(tmp_path: Path) -> Path:
    """A private copy of the bundled study files that a test may add to or change."""
    target = tmp_path / "ctgov"
    shutil.copytree(SAMPLE_CTGOV, target)
    return target
