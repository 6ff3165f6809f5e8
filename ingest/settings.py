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


def home() -> Path:
    """Root of runtime state (raw snapshots, warehouses, reports); `var/` in the checkout by default."""
    return Path(os.environ.get("TRIALWH_HOME", REPO_ROOT / "var")).resolve()


def default_warehouse_dir() -> Path:
    return home() / "warehouse"


def default_raw_dir() -> Path:
    return home() / "raw"
