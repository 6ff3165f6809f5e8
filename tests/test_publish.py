"""Publishing renames the build file into place; the next build starts from a copy of the published file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import duckdb
import pytest

from ingest import build_log
from ingest import publish as publish_module
from ingest.pipeline import (
    COUNTED_MARTS,
    plan_transform,
    prepare_build,
    prepare_next_build,
    publish,
    warehouse_paths,
)
from ingest.publish import copy_written_back, publish_build
from ingest.publish import prepare_build as prepare_files
from tests.conftest import query
from tests.page_cache import PAGE, evict, resident_pages

ENROLLMENTS = "select list(enrollment order by enrollment) from trials"


def _build(path: Path, values: list[int]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table trials as select unnest(?::integer[]) as enrollment", [values])


def test_publish_renames_the_build_file_read_only(tmp_path: Path) -> None:
    build, published = tmp_path / "build" / "analytics.duckdb", tmp_path / "warehouse.duckdb"
    _build(build, [18, 24])
    inode = build.stat().st_ino

    result = publish_build(build, published)

    assert result == {"published": str(published), "bytes": published.stat().st_size}
    assert published.stat().st_ino == inode  # the same file, renamed: nothing was copied
    assert oct(published.stat().st_mode & 0o777) == "0o444"
    assert not build.exists()
    assert query(published, ENROLLMENTS) == [([18, 24],)]


def test_analysts_keep_their_file_while_the_next_build_is_prepared_and_published(tmp_path: Path) -> None:
    build, published = tmp_path / "build" / "analytics.duckdb", tmp_path / "warehouse.duckdb"
    _build(build, [18])
    publish_build(build, published)

    with duckdb.connect(str(published), read_only=True) as analyst:
        prepared = prepare_files(build, published)
        assert prepared["copied"] is True
        assert prepared["bytes"] == published.stat().st_size
        assert build.stat().st_mode & stat.S_IWUSR  # the build file is writable again
        assert build.stat().st_ino != published.stat().st_ino
        _build(build, [18, 30])  # the next night's increment, on the copy
        publish_build(build, published)
        assert analyst.execute(ENROLLMENTS).fetchall() == [([18],)]  # the old file, until they reconnect

    assert query(published, ENROLLMENTS) == [([18, 30],)]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["warehouse.duckdb"]


def test_a_kept_build_file_is_not_replaced_by_the_published_one(tmp_path: Path) -> None:
    build, published = tmp_path / "build" / "analytics.duckdb", tmp_path / "warehouse.duckdb"
    _build(build, [18])
    publish_build(build, published)
    prepare_files(build, published)
    _build(build, [18, 999])  # built, then validation failed: nothing published, the build file stays

    assert prepare_files(build, published) == {
        "copied": False,
        "reason": "the build file is kept (copied after the last publish, or built and not published)",
    }
    assert query(build, ENROLLMENTS) == [([18, 999],)]
    assert query(published, ENROLLMENTS) == [([18],)]


def test_the_build_copy_is_the_published_file_byte_for_byte_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish_module, "COPY_CHUNK_BYTES", 4096)  # 25 chunks and a short last one
    build, published = tmp_path / "build" / "analytics.duckdb", tmp_path / "warehouse.duckdb"
    _build(build, list(range(18, 30_018)))
    publish_build(build, published)
    size = published.stat().st_size
    assert size % 4096 == 0 and size > 25 * 4096  # DuckDB's blocks: more than one copy chunk

    assert prepare_files(build, published)["bytes"] == size
    assert build.read_bytes() == published.read_bytes()
    assert oct(build.stat().st_mode & 0o777) == "0o644"  # writable by the build only
    counted = "select count(*), min(enrollment), max(enrollment) from trials"
    assert query(build, counted) == [(30_000, 18, 30_017)]

    odd = tmp_path / "odd.bin"
    odd.write_bytes(bytes(range(256)) * 41 + b"tail")  # not a multiple of the chunk
    copy_written_back(odd, tmp_path / "odd.copy")
    assert (tmp_path / "odd.copy").read_bytes() == odd.read_bytes()


def test_nothing_to_prepare_before_the_first_publish(tmp_path: Path) -> None:
    nothing = {"copied": False, "reason": "nothing published yet: the first build creates the file"}
    assert prepare_build(tmp_path) == nothing
    assert prepare_next_build(tmp_path) == nothing
    assert not (tmp_path / "build" / "analytics.duckdb").exists()


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="posix_fadvise and mincore: Linux")
def test_the_next_build_is_copied_after_the_publish_and_left_out_of_the_page_cache(tmp_path: Path) -> None:
    paths = warehouse_paths(tmp_path)
    _build(paths.build_analytics_db, list(range(18, 20_018)))
    publish_build(paths.build_analytics_db, paths.published_db)
    size = paths.published_db.stat().st_size
    assert resident_pages(paths.published_db) * PAGE >= size // 2  # written just now: cached

    copied = prepare_next_build(tmp_path)

    assert copied == {"copied": True, "bytes": size, "seconds": copied["seconds"]}
    build = paths.build_analytics_db
    assert build.read_bytes() == paths.published_db.read_bytes()  # reads it back into the cache
    assert oct(build.stat().st_mode & 0o777) == "0o644"
    assert not build.with_name("analytics.duckdb.preparing").exists()
    # a second copy, as a retried task would make: the file is there, nothing is copied again
    assert prepare_next_build(tmp_path) == {
        "copied": False,
        "reason": "the build file is already there: nothing to copy",
    }
    evict(paths.published_db)
    if resident_pages(paths.published_db) > 0:
        pytest.skip(f"{tmp_path} keeps file pages in memory (tmpfs?): nothing leaves the cache")
    build.unlink()
    prepare_next_build(tmp_path)
    assert resident_pages(build) == 0  # the next build is a day away: its pages left the cache
    # the next night's prepare_build, beside its fetch and load, keeps the copy and copies nothing
    inode = build.stat().st_ino
    assert prepare_build(tmp_path)["copied"] is False
    assert build.stat().st_ino == inode
    assert plan_transform(tmp_path)["since_load_id"] == build_log.NOTHING_BUILT
    assert query(build, "select count(*), min(enrollment), max(enrollment) from trials") == [
        (20_000, 18, 20_017)
    ]


def test_an_increment_without_its_marts_file_stops_before_dbt(tmp_path: Path) -> None:
    paths = warehouse_paths(tmp_path)
    paths.build_db.parent.mkdir(parents=True)
    build_log.record_step(paths.build_db, "transform", 3)

    with pytest.raises(FileNotFoundError, match="covered loads up to 3: run `prepare_build` first"):
        plan_transform(tmp_path)

    _build(paths.build_analytics_db, [18])
    publish_build(paths.build_analytics_db, paths.published_db)
    assert prepare_build(tmp_path)["copied"] is True
    assert plan_transform(tmp_path) == {"since_load_id": 3, "through_load_id": 0}


def test_a_retried_publish_logs_the_rename_it_already_made(tmp_path: Path) -> None:
    paths = warehouse_paths(tmp_path)
    paths.build_db.parent.mkdir(parents=True)
    build_log.record_step(paths.build_db, "transform", 4)
    with duckdb.connect(str(paths.build_analytics_db)) as con:
        con.execute("create schema marts")
        for table in COUNTED_MARTS:
            con.execute(f"create table marts.{table} as select 'NCT06171568' as trial_id")
    publish_build(paths.build_analytics_db, paths.published_db)  # renamed, then the task failed

    result = publish(tmp_path, "2026-11-21")

    assert result == {
        "published": str(paths.published_db),
        "bytes": paths.published_db.stat().st_size,
        **dict.fromkeys(COUNTED_MARTS, 1),
    }
    assert build_log.built_through(paths.build_db, "publish") == 4


def test_an_emptied_build_copy_stops_the_build(tmp_path: Path) -> None:
    paths = warehouse_paths(tmp_path)
    paths.build_db.parent.mkdir(parents=True)
    build_log.record_step(paths.build_db, "transform", 2)
    paths.build_analytics_db.touch()  # what a crash right after the copy's rename can leave

    with pytest.raises(RuntimeError, match="is empty .* run `prepare_build` again"):
        plan_transform(tmp_path)
