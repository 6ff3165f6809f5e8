"""Publish step of write–audit–publish: the validated marts file replaces the analysts' file atomically.

dbt builds the marts, the history snapshot and the mapping seeds into their own DuckDB file beside the
build warehouse (raw, staging, intermediate): analysts query only those, and a publish copies only
that file.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import duckdb


def publish_build(build_db: Path, published_db: Path) -> dict:
    """Copy the built marts file next to the published one, make it read-only, then rename it over.

    `os.replace` on the same filesystem is atomic: an analyst sees the old file or the new one, never
    half of either. Analysts who hold the old file open keep reading it until they reconnect.
    """
    if not build_db.exists():
        raise FileNotFoundError(f"no built marts file to publish at {build_db}")
    _checkpoint(build_db)
    published_db.parent.mkdir(parents=True, exist_ok=True)
    staging = published_db.with_name(f".{published_db.name}.publishing")
    if staging.exists():
        staging.chmod(stat.S_IWUSR | stat.S_IRUSR)
        staging.unlink()
    shutil.copyfile(build_db, staging)
    staging.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    with open(staging, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(staging, published_db)
    return {"published": str(published_db), "bytes": published_db.stat().st_size}


def _checkpoint(db_path: Path) -> None:
    """Fold the write-ahead log into the file so the copy holds every committed change."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("checkpoint")


def connect_published(published_db: Path) -> duckdb.DuckDBPyConnection:
    """Analysts' connection: read-only, so it can never block or corrupt a publish."""
    if not published_db.exists():
        raise FileNotFoundError(
            f"no published warehouse at {published_db}: run `trialwh refresh` or `make run` first"
        )
    return duckdb.connect(str(published_db), read_only=True)
