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


def _hold(root, partition: str, name: str, body: bytes) -> None:
    """A payload file as an earlier run (or an older version of the store) left it."""
    (root / partition).mkdir(parents=True, exist_ok=True)
    (root / partition / name).write_bytes(body)


def test_a_held_payload_is_found_in_path_order_whatever_its_extension(tmp_path):
    sha = hashlib.sha256(b"page").hexdigest()
    # The same bytes held twice (two fetches raced, or a copy predating the store): the first path wins.
    _hold(tmp_path, "source=b/run_date=2024-11-19", f"{sha}.txt", b"page")
    _hold(tmp_path, "source=a/run_date=2024-11-21", f"{sha}.html", b"page")
    _hold(tmp_path, "source=a/run_date=2024-11-20", f"{sha}.txt", b"page")
    store = SnapshotStore(tmp_path)
    assert store.lookup(sha) == f"source=a/run_date=2024-11-20/{sha}.txt"
    held = store.put("c", D2, b"page", "json")
    assert (held.is_new, held.relpath) == (False, f"source=a/run_date=2024-11-20/{sha}.txt")
    assert not (tmp_path / "source=c").exists()


def test_names_that_are_not_payload_files_do_not_count_as_held(tmp_path):
    sha = hashlib.sha256(b"body").hexdigest()
    (tmp_path / "source=a/run_date=2024-11-20" / f"{sha}.json").mkdir(parents=True)  # a folder
    _hold(tmp_path, "source=a/run_date=2024-11-20", f".tmp-{sha}.part", b"body")  # a write cut short
    _hold(tmp_path, "source=a/run_date=2024-11-20", f"{sha}.js-on", b"body")  # not an extension
    _hold(tmp_path, "source=a/run_date=2024-11-20", f"{sha.upper()}.json", b"body")  # not a digest
    _hold(tmp_path, "other/run_date=2024-11-20", f"{sha}.json", b"body")  # not a source partition
    store = SnapshotStore(tmp_path)
    assert store.lookup(sha) is None
    stored = store.put("b", D1, b"body", "json")
    assert (stored.is_new, stored.relpath) == (True, f"source=b/run_date=2024-11-20/{sha}.json")
    assert store.lookup(sha) == stored.relpath  # its own write, without listing the folder again
    assert SnapshotStore(tmp_path).lookup(sha) == stored.relpath


def test_a_partition_removed_while_the_store_is_open_is_skipped(tmp_path):
    import shutil

    first = SnapshotStore(tmp_path).put("a", D1, b"one", "txt")
    SnapshotStore(tmp_path).put("z", D1, b"two", "txt")
    store = SnapshotStore(tmp_path)
    assert store.lookup(first.sha256) == first.relpath  # found in source=a: source=z not listed yet
    shutil.rmtree(tmp_path / "source=z")
    again = store.put("a", D2, b"two", "txt")
    assert again.is_new and again.relpath.startswith("source=a/run_date=2024-11-21/")


def test_a_partition_too_large_to_list_is_asked_for_the_payloads_file_name(tmp_path, monkeypatch):
    import ingest.snapshots as snapshots

    bulk = SnapshotStore(tmp_path).put("bulk", D1, b"study", "json")
    monkeypatch.setattr(snapshots, "LIST_LIMIT_BYTES", 0)  # every folder counts as large
    store = SnapshotStore(tmp_path)

    again = store.put("api", D2, b"study", "json")
    assert (again.is_new, again.relpath) == (False, bulk.relpath)
    assert store._listings == {"source=bulk/run_date=2024-11-20": None}  # asked by name, not listed

    new = store.put("api", D2, b"another study", "json")
    assert new.is_new and new.relpath.startswith("source=api/run_date=2024-11-21/")
    # the same bytes under another extension are not asked for: stored once more, nothing lost
    other = store.put("pages", D2, b"study", "txt")
    assert other.is_new and (tmp_path / other.relpath).read_bytes() == b"study"
    # a lookup without an extension lists every folder, however large
    assert SnapshotStore(tmp_path).lookup(bulk.sha256) == bulk.relpath
