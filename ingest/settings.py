"""Where things live on disk, so the DAG, the CLI and the tests agree without passing paths around."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when connecting: the DAG files import these settings at parse time
    import duckdb

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


# Rows per row group in the build files. DuckDB's default (122,880 rows) is sized for narrow rows; a
# raw document is a whole study (~28 KB), so one default row group is ~3.4 GB of text held in memory
# until it is full (at 500,000 studies the load stalled over a minute on it), and the wide record rows
# of the cleaned layer and marts are ~10 KB. A checkpoint merges row groups smaller than the size its
# connection opened the file with, so every connection that writes a build file opens it with this
# size: the load, the build log and the publish (`connect_build_file`) and dbt (profiles.yml).
BUILD_ROW_GROUP_SIZE = 10_240


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


def connect_build_file(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-write connection to a build file, opened with the build's row group size.

    The file is attached under its stem (`warehouse`, `analytics`), the name DuckDB would give it as
    the main database, and made the default catalog; spills go beside it as they would then.
    """
    import duckdb

    con = duckdb.connect(config={**duckdb_config(), "temp_directory": f"{db_path}.tmp"})
    con.execute(f'attach ? as "{db_path.stem}" (row_group_size {BUILD_ROW_GROUP_SIZE})', [str(db_path)])
    con.execute(f'use "{db_path.stem}"')
    return con
