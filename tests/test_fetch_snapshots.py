"""SnapshotStore: content addressing, immutability, atomic idempotent manifests."""

from __future__ import annotations

import hashlib
import stat
from datetime import date

import pytest

from ingest.snapshots import SnapshotStore, read_manifests

D1, D2 = date(2024, 11, 20), date(2024, 11, 21)


def test_put_stores_once_per_digest_across_sources_and_dates(tmp_path):
    store = SnapshotStore(tmp_path)
    sha = hashlib.sha256(b"hello").hexdigest()
    first = store.put("a", D1, b"hello", "txt")
    assert first.is_new and first.sha256 == sha
    assert first.relpath == f"source=a/run_date=2024-11-20/{sha}.txt"
    target = tmp_path / first.relpath
    assert target.read_bytes() == b"hello" and stat.S_IMODE(target.stat().st_mode) == 0o444

    again = store.put("b", D2, b"hello", "html")
    assert not again.is_new and again.relpath == first.relpath
    assert not (tmp_path / "source=b").exists()


def test_index_is_rebuilt_from_disk_by_a_new_store(tmp_path):
    held = SnapshotStore(tmp_path).put("a", D1, b"payload", "json")
    fresh = SnapshotStore(tmp_path)
    assert fresh.lookup(held.sha256) == held.relpath
    assert fresh.put("a", D2, b"payload", "json").is_new is False
    assert fresh.put("a", D2, b"other", "json").is_new is True


def test_bad_extension_is_rejected(tmp_path):
    with pytest.raises(ValueError):
        SnapshotStore(tmp_path).put("a", D1, b"x", "../evil")


def test_manifest_is_replaced_whole_and_read_back_filtered(tmp_path):
    store = SnapshotStore(tmp_path)
    store.write_manifest("a", D1, [{"fetch_id": "1"}, {"fetch_id": "2"}])
    rel = store.write_manifest("a", D1, [{"fetch_id": "3", "error": None}])
    store.write_manifest("a", D2, [{"fetch_id": "4"}])
    store.write_manifest("b", D1, [])
    assert rel == "source=a/run_date=2024-11-20/manifest.jsonl"
    assert stat.S_IMODE((tmp_path / rel).stat().st_mode) == 0o644
    assert [p.name for p in (tmp_path / "source=a/run_date=2024-11-20").iterdir()] == ["manifest.jsonl"]
    assert read_manifests(tmp_path, run_date=D1) == [{"fetch_id": "3", "error": None}]
    assert [r["fetch_id"] for r in read_manifests(tmp_path)] == ["3", "4"]
    assert [r["fetch_id"] for r in read_manifests(tmp_path, source_name="a", run_date="2024-11-21")] == ["4"]
    assert read_manifests(tmp_path, source_name="b") == []
    assert read_manifests(tmp_path / "missing") == []
