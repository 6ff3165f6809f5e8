"""Where things live on disk, so the DAG, the CLI and the tests agree without passing paths around."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DEFAULT_SOURCES_FILE = REPO_ROOT / "sources" / "sample.yml"
LIVE_SOURCES_FILE = REPO_ROOT / "sources" / "live.yml"

DUCKDB_POOL = "duckdb_writer"
WAREHOUSE_FILE_NAME = "warehouse.duckdb"
# The analysts' part of the build (marts, history, mappings), built as its own file beside the build
# warehouse so that publishing copies only what analysts query.
ANALYTICS_FILE_NAME = "analytics.duckdb"


def home() -> Path:
    """Root of runtime state (raw snapshots, warehouses, reports); `var/` in the checkout by default."""
    return Path(os.environ.get("TRIALWH_HOME", REPO_ROOT / "var")).resolve()


def default_warehouse_dir() -> Path:
    return home() / "warehouse"


def default_raw_dir() -> Path:
    return home() / "raw"


def duckdb_config() -> dict[str, str | bool]:
    """Settings for every DuckDB connection that writes the warehouse (load, dbt).

    DuckDB takes 80% of RAM by default; a bounded limit makes big joins and sorts spill to disk next to
    the database file instead, so a rebuild of the whole registry fits beside Airflow on one machine.
    Tables carry no order of their own, so DuckDB need not keep insertion order (which costs memory).
    """
    return {
        "memory_limit": os.environ.get("TRIALWH_DUCKDB_MEMORY_LIMIT", "4GB"),
        "preserve_insertion_order": False,
    }
