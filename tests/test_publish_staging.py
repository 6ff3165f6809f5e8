"""Publishing renames the copy staged during validation, unless the build changed since it was staged."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ingest.publish import checkpoint, discard_stage, publish_build, stage_build, staging_path
from tests.conftest import query


def _build(path: Path, values: list[int]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table trials as select unnest(?::integer[]) as enrollment", [values])


def test_a_staged_copy_is_published_by_renaming_it(tmp_path: Path) -> None:
    build, published = tmp_path / "build.duckdb", tmp_path / "warehouse.duckdb"
    _build(build, [18, 24])
    checkpoint(build)
    staged = stage_build(build, published)
    assert staged == staging_path(published)
    assert oct(staged.stat().st_mode & 0o777) == "0o444"
    inode = staged.stat().st_ino

    result = publish_build(build, published)
    assert result["staged_during_validation"] is True
    assert published.stat().st_ino == inode  # the same file, renamed: nothing copied again
    assert query(published, "select list(enrollment order by enrollment) from trials") == [([18, 24],)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.duckdb", "warehouse.duckdb"]


def test_a_build_changed_after_staging_is_copied_again(tmp_path: Path) -> None:
    build, published = tmp_path / "build.duckdb", tmp_path / "warehouse.duckdb"
    _build(build, [18])
    checkpoint(build)
    stage_build(build, published)
    _build(build, [18, 30])  # e.g. a dbt run between validation and publish
    os.utime(build, ns=(build.stat().st_atime_ns, build.stat().st_mtime_ns + 1_000_000_000))

    result = publish_build(build, published)
    assert result["staged_during_validation"] is False
    assert query(published, "select list(enrollment order by enrollment) from trials") == [([18, 30],)]


def test_a_discarded_stage_leaves_nothing_behind(tmp_path: Path) -> None:
    build, published = tmp_path / "build.duckdb", tmp_path / "warehouse.duckdb"
    _build(build, [18])
    checkpoint(build)
    stage_build(build, published)
    discard_stage(published)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.duckdb"]
