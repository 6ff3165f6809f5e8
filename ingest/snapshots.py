"""Content-addressed, immutable raw snapshots and per-partition manifests (see docs/ARCHITECTURE.md).

A payload is written once, the first time its sha256 is seen anywhere under the raw root (in a
folder too large to list, with its extension); later fetches of the same bytes only add manifest
rows pointing at the existing file. Writes go to a temp file in the target folder and are
`os.replace`d, so readers never see half a file.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.jsonl"
_SHA_FILE_RE = re.compile(r"^([0-9a-f]{64})\.[A-Za-z0-9]+$")
_EXT_RE = re.compile(r"^[A-Za-z0-9]{1,10}$")


@dataclass(frozen=True)
class StoredPayload:
    sha256: str
    relpath: str  # relative to the raw root, POSIX separators
    is_new: bool


def _day(run_date: date | str) -> str:
    if isinstance(run_date, datetime):
        run_date = run_date.date()
    if isinstance(run_date, str):
        run_date = date.fromisoformat(run_date)
    return run_date.isoformat()


def partition_relpath(source_name: str, run_date: date | str) -> str:
    return f"source={source_name}/run_date={_day(run_date)}"


# A partition folder larger than this (its directory's own size: ~12,000 entries on ext4) is asked
# for a payload's file name instead of listed. Listing the 500,000 files of a bulk download took
# 0.4 s with the folder cached and ~10 s from disk, in every night that stored one new payload.
LIST_LIMIT_BYTES = 1 << 20


class SnapshotStore:
    """Writes payloads and manifests under `raw_root`; finds held payloads by listing partition folders.

    The digest lookup walks the partitions in path order and lists each folder once per instance
    (sorted names, searched by bisection), stopping at the first hit: re-fetching a source whose
    payloads are all held lists only the partitions that sort up to them, not the whole store. A
    miss lists every partition, which is what proves a payload new. Payloads this instance wrote
    are remembered, so its own writes need no re-listing.

    A partition too large to list (a bulk download's, see `LIST_LIMIT_BYTES`) is asked for the
    payload's own file name, `<digest>.<ext>`: the same bytes stored there under another
    extension are not found, and are stored once more (nothing is lost, a file is duplicated).
    """

    def __init__(self, raw_root: Path) -> None:
        self.raw_root = Path(raw_root)
        self._partitions: list[str] | None = None  # "source=…/run_date=…", in path order
        self._listings: dict[str, list[str] | None] = {}  # partition -> its file names, sorted
        # (None: too large to list, asked by name)
        self._written: dict[str, str] = {}  # digest -> relpath, payloads stored by this instance
        self._lock = threading.Lock()

    def _partition_list(self) -> list[str]:
        if self._partitions is None:
            self._partitions = [
                f"{source}/{day}"
                for source in _subdirs(self.raw_root, "source=")
                for day in _subdirs(self.raw_root / source, "run_date=")
            ]
        return self._partitions

    def _listing(self, partition: str, *, whole: bool = False) -> list[str] | None:
        """The partition's file names, sorted; None for a folder too large to list (unless `whole`)."""
        names = self._listings.get(partition)
        if names is not None or (partition in self._listings and not whole):  # listed, or known large
            return names
        folder = self.raw_root / partition
        names: list[str] | None
        try:
            if not whole and folder.stat().st_size > LIST_LIMIT_BYTES:
                names = None
            else:
                with os.scandir(folder) as entries:
                    names = sorted(e.name for e in entries if e.is_file())
        except (FileNotFoundError, NotADirectoryError):  # removed since the partitions were listed
            names = []
        self._listings[partition] = names
        return names

    def _find(self, digest: str, ext: str | None = None) -> str | None:
        """Relative path of the first payload named `<digest>.<ext>` in path order; caller holds the lock.

        Without `ext`, every partition is listed, however large.
        """
        held = self._written.get(digest)
        if held is not None:
            return held
        prefix = f"{digest}."
        for partition in self._partition_list():
            names = self._listing(partition, whole=ext is None)
            if names is None:  # too large to list: ask for the payload's own name
                if os.path.isfile(self.raw_root / partition / f"{prefix}{ext}"):
                    return f"{partition}/{prefix}{ext}"
                continue
            i = bisect.bisect_left(names, prefix)
            while i < len(names) and names[i].startswith(prefix):
                if _SHA_FILE_RE.match(names[i]):
                    return f"{partition}/{names[i]}"
                i += 1
        return None

    def lookup(self, sha256: str, ext: str | None = None) -> str | None:
        """Relative path of the payload with this digest, if held (see the class for `ext`)."""
        with self._lock:
            return self._find(sha256, ext)

    def put(self, source_name: str, run_date: date, body: bytes, ext: str) -> StoredPayload:
        """Store `body` unless its sha256 is already held under the raw root (see the class)."""
        if not _EXT_RE.match(ext):
            raise ValueError(f"bad payload extension {ext!r}")
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            held = self._find(digest, ext)
            if held is not None:
                return StoredPayload(digest, held, is_new=False)
            rel = f"{partition_relpath(source_name, run_date)}/{digest}.{ext}"
            _atomic_write(self.raw_root / rel, body, mode=0o444)
            self._written[digest] = rel
            return StoredPayload(digest, rel, is_new=True)

    def write_manifest(self, source_name: str, run_date: date, rows: Iterable[Mapping[str, Any]]) -> str:
        """Replace the partition's manifest whole, so rerunning a run date is idempotent; returns relpath."""
        rel = f"{partition_relpath(source_name, run_date)}/{MANIFEST_NAME}"
        text = "".join(json.dumps(dict(r), ensure_ascii=False, sort_keys=False) + "\n" for r in rows)
        # 0644, not mkstemp's 0600: other users (Airflow workers, analysts) read manifests.
        _atomic_write(self.raw_root / rel, text.encode("utf-8"), mode=0o644)
        return rel


def _subdirs(folder: Path, prefix: str) -> list[str]:
    """Names of the folders in `folder` starting with `prefix`, sorted; none if `folder` is missing."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.name.startswith(prefix) and e.is_dir())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _atomic_write(target: Path, data: bytes, *, mode: int) -> None:
    """Temp file in the same folder, fsync, chmod, os.replace: the name only ever holds a whole file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_manifests(
    raw_root: Path, run_date: date | str | None = None, source_name: str | None = None
) -> list[dict]:
    """All manifest rows under `raw_root`, optionally for one run date and/or source, in path order."""
    raw_root = Path(raw_root)
    if not raw_root.is_dir():
        return []
    src = f"source={source_name}" if source_name is not None else "source=*"
    day = f"run_date={_day(run_date)}" if run_date is not None else "run_date=*"
    rows: list[dict] = []
    for manifest in sorted(raw_root.glob(f"{src}/{day}/{MANIFEST_NAME}")):
        with manifest.open(encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{manifest}:{lineno}: invalid manifest row: {exc}") from None
    return rows
