"""Publish step of write–audit–publish: the validated marts file replaces the analysts' file atomically.

dbt builds the marts, the history snapshot and the mapping seeds into their own DuckDB file beside the
build warehouse (raw, staging, intermediate): analysts query only that file.

A publish renames the validated build file over the published one, so nothing is copied while the
new data waits. The next build needs its own writable file (analysts may hold the published one
open): `prepare_next_build` copies the published file back into the build folder right after the
publish, so the next night starts with its build file in place and its fetch and load do not share
the disk with a 4 GB copy. `prepare_build`, at the start of a run, copies it only when that copy is
missing (the step after the publish failed, or a warehouse from before it). A failed validation
leaves the build file where it is, and the next run builds on it.
"""

from __future__ import annotations

import ctypes
import functools
import os
import shutil
import stat
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from ingest.settings import connect_build_file

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


def checkpoint(db_path: Path) -> None:
    """Fold the write-ahead log into the file so the file alone holds every committed change."""
    with connect_build_file(db_path) as con:
        con.execute("checkpoint")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


COPY_CHUNK_BYTES = 64 << 20
_SYNC_FILE_RANGE_WRITE = 2  # start writing the range back, do not wait for it


@functools.cache
def _sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """Linux's `sync_file_range`, which the standard library does not wrap; None elsewhere."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def copy_written_back(source: Path, target: Path, *, keep_cached: bool = True) -> None:
    """Copy `source` to `target` and make the copy durable, handing each chunk to the disk as it goes.

    A plain copy of the marts file (4 GB at 500,000 studies) left it all dirty in the page cache, to
    be written back while the build ran: the build's first checkpoint of the file then waited for
    it (~1 s here), and writers meanwhile compete with the writeback. Started chunk by chunk, the
    writeback keeps pace with the copy, and the file is on disk when the copy returns.

    `keep_cached=False` drops the copy's pages from the page cache once they are on disk: a copy
    that waits a day for its build would only push out pages that analysts' queries read.
    """
    start_writeback = _sync_file_range()
    with open(source, "rb") as src, open(target, "wb") as dst:
        size = os.fstat(src.fileno()).st_size
        copied = 0
        while copied < size:
            try:
                n = os.copy_file_range(src.fileno(), dst.fileno(), min(COPY_CHUNK_BYTES, size - copied))
            except OSError:  # no in-kernel copy between these files: copy the rest through Python
                shutil.copyfileobj(src, dst, COPY_CHUNK_BYTES)
                break
            if n == 0:
                break
            if start_writeback is not None:
                start_writeback(dst.fileno(), copied, n, _SYNC_FILE_RANGE_WRITE)
            copied += n
        dst.flush()
        os.fdatasync(dst.fileno())
        if not keep_cached and hasattr(os, "posix_fadvise"):
            os.posix_fadvise(dst.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)  # clean pages: dropped


def publish_build(build_db: Path, published_db: Path) -> dict:
    """Rename the checkpointed build file over the published file, read-only.

    `os.replace` on the same filesystem is atomic: an analyst sees the old file or the new one, never
    half of either. Analysts who hold the old file open keep reading it until they reconnect.
    """
    if not build_db.exists():
        raise FileNotFoundError(f"no built marts file to publish at {build_db}")
    if build_db.parent.stat().st_dev != published_db.parent.stat().st_dev:
        raise OSError(f"{build_db} and {published_db} must be on one filesystem for an atomic publish")
    checkpoint(build_db)
    build_db.with_name(build_db.name + ".wal").unlink(missing_ok=True)  # empty after a checkpoint
    build_db.chmod(READ_ONLY)
    _fsync(build_db)
    os.replace(build_db, published_db)
    _fsync(published_db.parent)
    return published_file(published_db)


def published_file(published_db: Path) -> dict:
    """What a publish reports of the file it put in place."""
    return {"published": str(published_db), "bytes": published_db.stat().st_size}


def prepare_build(build_db: Path, published_db: Path) -> dict:
    """Give a build a writable copy of the published marts file, if it has no build file.

    After a publish the build file *is* the published file, so the next increment starts from a copy
    of it. `prepare_next_build` makes that copy right after the publish; this, at the start of a
    run, only makes it when it is missing. A build file that is there is kept: the copy made after
    the last publish, or a build that failed its validation (the next run builds on it).
    """
    if build_db.exists():
        return {
            "copied": False,
            "reason": "the build file is kept (copied after the last publish, or built and not published)",
        }
    return _copy_published(build_db, published_db, keep_cached=True)


def prepare_next_build(build_db: Path, published_db: Path) -> dict:
    """Right after a publish: copy the published file for the next build, and leave it uncached.

    The copy is on disk for the next run, which then neither waits for it nor reads the published
    file beside its fetch and load; its pages leave the page cache (the next build is a day away).
    """
    if build_db.exists():
        return {"copied": False, "reason": "the build file is already there: nothing to copy"}
    return _copy_published(build_db, published_db, keep_cached=False)


def _copy_published(build_db: Path, published_db: Path, *, keep_cached: bool) -> dict:
    """Copy to a temporary name first, on disk before it takes the build file's name: a half-copied
    file never passes for a build file (`check_build_file` also stops a build on an empty one)."""
    if not published_db.exists():
        return {"copied": False, "reason": "nothing published yet: the first build creates the file"}
    started = time.perf_counter()
    build_db.parent.mkdir(parents=True, exist_ok=True)
    partial = build_db.with_name(build_db.name + ".preparing")
    copy_written_back(published_db, partial, keep_cached=keep_cached)
    partial.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    os.replace(partial, build_db)
    return {
        "copied": True,
        "bytes": build_db.stat().st_size,
        "seconds": round(time.perf_counter() - started, 2),
    }


def check_build_file(build_db: Path, built_through: int | None) -> None:
    """Refuse an increment whose marts file is missing or empty (`built_through`: the build's last
    covered load, None before the first build): dbt would start a new file and lose the history."""
    if built_through is None:
        return
    if not build_db.exists():
        raise FileNotFoundError(
            f"{build_db} is missing but the build covered loads up to {built_through}: "
            "run `prepare_build` first (it copies the published file back), or `trialwh rebuild`"
        )
    if build_db.stat().st_size == 0:
        raise RuntimeError(
            f"{build_db} is empty (a copy cut short by a crash?): delete it and run `prepare_build` "
            "again, which copies the published file"
        )


def connect_published(published_db: Path) -> duckdb.DuckDBPyConnection:
    """Analysts' connection: read-only, so it can never block or corrupt a publish."""
    if not published_db.exists():
        raise FileNotFoundError(
            f"no published warehouse at {published_db}: run `trialwh refresh` or `make run` first"
        )
    return duckdb.connect(str(published_db), read_only=True)
