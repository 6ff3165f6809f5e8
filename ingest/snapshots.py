"""Content-addressed, immutable raw snapshots and per-partition manifests (see docs/ARCHITECTURE.md).

A payload is written once, the first time its sha256 is seen anywhere under the raw root; later
fetches of the same bytes only add manifest rows pointing at the existing file. Writes go to a
temp file in the target folder and are `os.replace`d, so readers never see half a file.
"""

from __future__ import annotations

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


class SnapshotStore:
    """Writes payloads and manifests under `raw_root`; the sha256 index is scanned once per instance."""

    def __init__(self, raw_root: Path) -> None:
        self.raw_root = Path(raw_root)
        self._index: dict[str, str] | None = None
        self._lock = threading.Lock()

    def _load_index(self) -> dict[str, str]:
        if self._index is None:
            index: dict[str, str] = {}
            if self.raw_root.is_dir():
                for f in sorted(self.raw_root.glob("source=*/run_date=*/*")):
                    m = _SHA_FILE_RE.match(f.name)
                    if m and f.is_file():
                        index.setdefault(m.group(1), f.relative_to(self.raw_root).as_posix())
            self._index = index
        return self._index

    def lookup(self, sha256: str) -> str | None:
        """Relative path of the payload with this digest, if held."""
        with self._lock:
            return self._load_index().get(sha256)

    def put(self, source_name: str, run_date: date, body: bytes, ext: str) -> StoredPayload:
        """Store `body` unless its sha256 is already held anywhere under the raw root."""
        if not _EXT_RE.match(ext):
            raise ValueError(f"bad payload extension {ext!r}")
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            index = self._load_index()
            held = index.get(digest)
            if held is not None:
                return StoredPayload(digest, held, is_new=False)
            rel = f"{partition_relpath(source_name, run_date)}/{digest}.{ext}"
            target = self.raw_root / rel
            _atomic_write(target, body, mode=0o444)
            index[digest] = rel
            return StoredPayload(digest, rel, is_new=True)

    def write_manifest(self, source_name: str, run_date: date, rows: Iterable[Mapping[str, Any]]) -> str:
        """Replace the partition's manifest whole, so rerunning a run date is idempotent; returns relpath."""
        rel = f"{partition_relpath(source_name, run_date)}/{MANIFEST_NAME}"
        text = "".join(json.dumps(dict(r), ensure_ascii=False, sort_keys=False) + "\n" for r in rows)
        # 0644, not mkstemp's 0600: other users (Airflow workers, analysts) read manifests.
        _atomic_write(self.raw_root / rel, text.encode("utf-8"), mode=0o644)
        return rel


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
