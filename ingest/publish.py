"""Publish step of write–audit–publish: the validated marts file replaces the analysts' file atomically.

dbt builds the marts, the history snapshot and the mapping seeds into their own DuckDB file beside the
build warehouse (raw, staging, intermediate): analysts query only those, and a publish copies only
that file.

Copying gigabytes is most of a publish, and it only reads the build file, as validation does: so the
copy is staged while validation runs (`stage_build`, next to the published file), and a publish whose
staged copy still matches the build file only renames it into place. A failed validation discards
the staged copy; a build file changed since staging is copied again.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import duckdb


def staging_path(published_db: Path) -> Path:
    """Where the next published file is prepared (same folder, so the final rename is atomic)."""
    return published_db.with_name(f".{published_db.name}.publishing")


def _stamp_path(published_db: Path) -> Path:
    return published_db.with_name(f".{published_db.name}.publishing.json")


def _stamp(build_db: Path) -> dict[str, int]:
    info = build_db.stat()
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns}


def checkpoint(db_path: Path) -> None:
    """Fold the write-ahead log into the file so a copy holds every committed change."""
    with duckdb.connect(str(db_path)) as con:
        con.execute("checkpoint")


def discard_stage(published_db: Path) -> None:
    """Remove a staged copy (validation failed, or it is stale)."""
    for path in (staging_path(published_db), _stamp_path(published_db)):
        if path.exists():
            path.chmod(stat.S_IWUSR | stat.S_IRUSR)
            path.unlink()


def stage_build(build_db: Path, published_db: Path) -> Path:
    """Copy the (checkpointed) build file next to the published one, durably, read-only.

    Only reads `build_db`, so it can run beside validation; `checkpoint` it first, where no other
    connection has it open. The stamp records which state of the build file the copy holds.
    """
    if not build_db.exists():
        raise FileNotFoundError(f"no built marts file to publish at {build_db}")
    published_db.parent.mkdir(parents=True, exist_ok=True)
    discard_stage(published_db)
    staged = staging_path(published_db)
    stamp = _stamp(build_db)
    shutil.copyfile(build_db, staged)
    staged.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    with open(staged, "rb") as handle:
        os.fsync(handle.fileno())
    _stamp_path(published_db).write_text(json.dumps(stamp))
    return staged


def _staged_copy_matches(build_db: Path, published_db: Path) -> bool:
    stamp_file = _stamp_path(published_db)
    if not (staging_path(published_db).exists() and stamp_file.exists()):
        return False
    try:
        return json.loads(stamp_file.read_text()) == _stamp(build_db)
    except ValueError:
        return False


def publish_build(build_db: Path, published_db: Path) -> dict:
    """Rename the staged copy of the build over the published file (staging it first if needed).

    `os.replace` on the same filesystem is atomic: an analyst sees the old file or the new one, never
    half of either. Analysts who hold the old file open keep reading it until they reconnect.
    """
    if not build_db.exists():
        raise FileNotFoundError(f"no built marts file to publish at {build_db}")
    reused = _staged_copy_matches(build_db, published_db)
    if not reused:
        checkpoint(build_db)
        stage_build(build_db, published_db)
    staged = staging_path(published_db)
    os.replace(staged, published_db)
    _stamp_path(published_db).unlink(missing_ok=True)
    return {
        "published": str(published_db),
        "bytes": published_db.stat().st_size,
        "staged_during_validation": reused,
    }


def connect_published(published_db: Path) -> duckdb.DuckDBPyConnection:
    """Analysts' connection: read-only, so it can never block or corrupt a publish."""
    if not published_db.exists():
        raise FileNotFoundError(
            f"no published warehouse at {published_db}: run `trialwh refresh` or `make run` first"
        )
    return duckdb.connect(str(published_db), read_only=True)
