"""Which manifests a load reads: new or rewritten ones, never one it already loaded."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from ingest.load import load_pending
from ingest.snapshots import SnapshotStore
from tests.conftest import query

DAY = date(2026, 1, 1)
# what a load has stored: documents, their load ids, fetches, sightings, manifests
STORED = (
    "select (select count(*) from raw.documents), (select list(distinct load_id) from raw.documents),"
    " (select count(*) from raw.fetches), (select count(*) from raw.sightings),"
    " (select count(*) from raw.manifests)"
)


def _row(store: SnapshotStore, key: str, text: str | bytes) -> dict:
    stored = store.put("site", DAY, text if isinstance(text, bytes) else text.encode(), "txt")
    return {
        "fetch_id": f"fetch-{key}",
        "source_name": "site",
        "source_kind": "page",
        "url": f"https://example.org/{key}",
        "document_key": f"https://example.org/{key}",
        "run_date": DAY.isoformat(),
        "fetched_at": "2026-01-01T03:00:00+00:00",
        "http_status": 200,
        "content_type": "text/plain",
        "sha256": stored.sha256,
        "bytes": len(text),
        "payload_path": stored.relpath,
        "payload_format": "page",
        "error": None,
    }


def test_a_manifest_is_read_again_only_when_it_was_rewritten(tmp_path: Path) -> None:
    raw, db = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    store = SnapshotStore(raw)
    first = _row(store, "a", "Trial A\nNCT00000001")
    manifest = raw / store.write_manifest("site", DAY, [first])

    loaded = load_pending(db, raw)
    assert (loaded["load_id"], loaded["manifests_loaded"], loaded["documents_added"]) == (1, 1, 1)

    # unchanged: skipped on its size and modification time, without reading it (bytes swapped
    # behind the loader's back with both kept are not even looked at)
    stat = manifest.stat()
    manifest.write_bytes(b"x" * stat.st_size)
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = load_pending(db, raw)
    assert (again["load_id"], again["manifests_loaded"], again["manifests_already_loaded"]) == (None, 0, 1)
    manifest = raw / store.write_manifest("site", DAY, [first])

    # the same bytes written anew: hashed, found loaded, nothing added
    stat = manifest.stat()
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = load_pending(db, raw)
    assert (touched["load_id"], touched["manifests_loaded"], touched["fetches_added"]) == (None, 0, 0)

    # rewritten with a second fetch (a re-run of the date): loaded again, only the new rows added
    store.write_manifest("site", DAY, [first, _row(store, "b", "Trial B\nNCT00000002")])
    rewritten = load_pending(db, raw)
    assert (rewritten["load_id"], rewritten["manifests_loaded"]) == (2, 1)
    added = (rewritten["fetches_added"], rewritten["documents_added"], rewritten["documents_total"])
    assert added == (1, 1, 2)
    assert query(db, "select load_id, rows_count from raw.manifests order by load_id") == [(1, 1), (2, 2)]


def test_a_load_of_many_files_stores_them_in_batches_of_one_row_group(tmp_path: Path) -> None:
    """More files than two read batches: every payload lands on its own manifest row, and each batch,
    stored by its own connection, is a row group of BUILD_ROW_GROUP_SIZE documents, committed in
    order: the short last batch (stored beside the one before it, and done first) is the last group."""
    from ingest import load
    from ingest.settings import BUILD_ROW_GROUP_SIZE

    raw, db = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    store = SnapshotStore(raw)
    assert load.READ_BATCH_FILES == BUILD_ROW_GROUP_SIZE
    count = 2 * load.READ_BATCH_FILES + 1_000
    rows = [_row(store, f"t{i}", f"Trial {i}\nNCT{i:08d}") for i in range(count)]
    store.write_manifest("site", DAY, rows)

    loaded = load_pending(db, raw)
    assert (loaded["documents_added"], loaded["documents_total"]) == (count, count)
    assert loaded["unfinished_documents_discarded"] == 0
    # each body joined to its own manifest row, across batch boundaries
    mismatched = query(
        db,
        "select count(*) from raw.documents"
        " where body <> 'Trial ' || replace(document_key, 'https://example.org/t', '')"
        " || chr(10) || 'NCT' || lpad(replace(document_key, 'https://example.org/t', ''), 8, '0')",
    )
    assert mismatched == [(0,)]
    assert query(db, "select body from raw.documents where document_key = 'https://example.org/t10000'") == [
        ("Trial 10000\nNCT00010000",)
    ]
    groups = query(
        db,
        "select max(count) from pragma_storage_info('raw.documents')"
        " where column_name = 'body' group by row_group_id order by row_group_id",
    )
    assert groups == [(BUILD_ROW_GROUP_SIZE,), (BUILD_ROW_GROUP_SIZE,), (1_000,)]


def test_a_load_that_stops_before_its_manifests_is_discarded_and_done_again(tmp_path: Path) -> None:
    """Payload batches are committed one by one, but a load is done only with its manifests: one that
    stopped in between (here: its first half run alone) stored no fetch, sighting or manifest, and
    the next load deletes its documents and loads them again."""
    from ingest import load
    from ingest.settings import connect_build_file

    raw, db = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    store = SnapshotStore(raw)
    count = load.READ_BATCH_FILES + 10
    rows = [_row(store, f"t{i}", f"Trial {i}\nNCT{i:08d}") for i in range(count)]
    manifest = raw / store.write_manifest("site", DAY, rows)
    with connect_build_file(db) as con:
        load.ensure_schema(con)
        load._read_fetches(con, [manifest])
        load._store_payloads(con, raw, load_id=1)
    assert query(db, STORED) == [(count, [1], 0, 0, 0)]

    loaded = load_pending(db, raw)
    assert loaded["unfinished_documents_discarded"] == count
    assert (loaded["load_id"], loaded["documents_added"], loaded["documents_total"]) == (1, count, count)
    assert query(db, STORED) == [(count, [1], count, count, 1)]
    assert query(db, "select count(distinct document_id) from raw.documents") == [(count,)]
    # a finished load is never discarded
    assert load_pending(db, raw)["unfinished_documents_discarded"] == 0
    assert query(db, STORED) == [(count, [1], count, count, 1)]


def test_a_payload_missing_from_the_raw_store_stops_the_load_with_its_path(tmp_path: Path) -> None:
    """DuckDB's read_blob skips a listed file that is not there; the load names it instead of storing
    sightings of a document it never stored, and publishes nothing of that load."""
    raw, db = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    store = SnapshotStore(raw)
    rows = [_row(store, key, f"Trial {key}\nNCT0000000{n}") for n, key in enumerate("abc", start=1)]
    store.write_manifest("site", DAY, rows)
    lost = raw / rows[1]["payload_path"]
    kept = lost.read_bytes()
    lost.unlink()

    with pytest.raises(FileNotFoundError, match=f"1 payload file.*{rows[1]['payload_path']}"):
        load_pending(db, raw)
    # the two found are stored, unfinished: no fetch, sighting or manifest
    assert query(db, STORED) == [(2, [1], 0, 0, 0)]

    lost.write_bytes(kept)  # fetched again: the store is content-addressed, the same path
    loaded = load_pending(db, raw)
    assert (loaded["unfinished_documents_discarded"], loaded["documents_added"]) == (2, 3)
    assert query(db, STORED) == [(3, [1], 3, 3, 1)]
    assert query(db, "select body from raw.documents where document_key = 'https://example.org/b'") == [
        ("Trial b\nNCT00000002",)
    ]


def test_study_files_are_stored_unchecked_for_staging_to_parse_once(tmp_path: Path) -> None:
    """The load leaves `is_valid_json` NULL for a study file (staging's parse is the check, and the
    quarantine lists what it could not parse); a build file from before the column gets it."""
    raw, db = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    store = SnapshotStore(raw)
    good = '{"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}'
    cut = '{"protocolSection": {"identificationModule": {"nctId": "NCT0000'
    rows = [_row(store, "good", good), _row(store, "cut", cut), _row(store, "page", "Trial C\nNCT00000003")]
    for row in rows[:2]:
        row["payload_format"] = "ctgov_study"
    store.write_manifest("site", DAY, rows)
    load_pending(db, raw)
    flags = "select document_key, payload_format, is_valid_json, body from raw.documents order by 1"
    expected = [
        ("https://example.org/cut", "ctgov_study", None, cut),
        ("https://example.org/good", "ctgov_study", None, good),
        ("https://example.org/page", "page", None, "Trial C\nNCT00000003"),
    ]
    assert query(db, flags) == expected

    with duckdb.connect(str(db)) as con:
        con.execute("alter table raw.documents drop column is_valid_json")
    store.write_manifest("site", date(2026, 1, 2), [_row(store, "later", "Trial D\nNCT00000004")])
    assert load_pending(db, raw)["documents_added"] == 1
    later = ("https://example.org/later", "page", None, "Trial D\nNCT00000004")
    assert query(db, flags) == sorted([*expected, later])


def test_an_api_page_is_split_into_its_studies_exact_text_and_a_damaged_one_is_kept_whole(
    tmp_path: Path,
) -> None:
    """Each study of a page becomes a document holding the bytes the page held (whitespace, escapes
    and all), keyed by its NCT ID and hashed as those bytes; a page that is not JSON is one document,
    keyed by its URL and flagged, for the quarantine; a study whose bytes are not UTF-8 is kept
    decoded with replacement characters, flagged."""
    raw, db = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    store = SnapshotStore(raw)
    first = (
        '{\n  "protocolSection": {"identificationModule": '
        '{"nctId": "NCT00000001", "briefTitle": "Lupus \\u00e9"}}\n}'
    )
    second = '{"protocolSection":{"identificationModule":{"nctId":"NCT00000002","briefTitle":"CAR-T — SLE"}}}'
    page = f'{{"studies": [ {first} ,\n {second}], "nextPageToken": "2"}}'
    latin1 = b'{"protocolSection":{"identificationModule":{"nctId":"NCT00000003","briefTitle":"Sj\xf6gren"}}}'
    rows = [
        _row(store, "api?page=1", page),
        _row(store, "api?page=2", '{"studies": [{"protocolSection": '),
        _row(store, "api?page=3", b'{"studies": [' + latin1 + b"]}"),
    ]
    for row in rows:
        row["payload_format"] = "ctgov_api_page"
    store.write_manifest("site", DAY, rows)

    assert load_pending(db, raw)["documents_added"] == 4
    stored = query(
        db,
        "select document_key, body, content_sha256, is_valid_json, is_valid_utf8, payload_format"
        " from raw.documents order by document_key",
    )
    assert stored == [
        ("NCT00000001", first, hashlib.sha256(first.encode()).hexdigest(), True, True, "ctgov_study"),
        ("NCT00000002", second, hashlib.sha256(second.encode()).hexdigest(), True, True, "ctgov_study"),
        (
            "NCT00000003",
            latin1.decode("utf-8", errors="replace"),
            hashlib.sha256(latin1.decode("utf-8", errors="replace").encode()).hexdigest(),
            True,
            False,
            "ctgov_study",
        ),
        (
            "https://example.org/api?page=2",
            '{"studies": [{"protocolSection": ',
            hashlib.sha256(b'{"studies": [{"protocolSection": ').hexdigest(),
            False,
            True,
            "ctgov_study",
        ),
    ]
    # every study is sighted by its page's fetch, and the document id follows from key and content
    sightings = query(
        db,
        "select s.fetch_id, d.document_key, d.document_id = sha256(concat_ws('|', 'site', d.document_key,"
        " d.content_sha256)) from raw.sightings s join raw.documents d using (document_id) order by 2",
    )
    assert sightings == [
        ("fetch-api?page=1", "NCT00000001", True),
        ("fetch-api?page=1", "NCT00000002", True),
        ("fetch-api?page=3", "NCT00000003", True),
        ("fetch-api?page=2", "https://example.org/api?page=2", True),
    ]


def test_a_study_two_api_pages_hold_is_stored_once_as_first_fetched_and_sighted_by_both(
    tmp_path: Path,
) -> None:
    """The night's pages can overlap: the study is one document, kept from the page fetched first
    (the manifest lists the later one first), and each page's fetch sights it."""
    raw, db = tmp_path / "raw", tmp_path / "warehouse.duckdb"
    store = SnapshotStore(raw)
    study = '{"protocolSection":{"identificationModule":{"nctId":"NCT00000009","briefTitle":"SLE"}}}'
    other = '{"protocolSection":{"identificationModule":{"nctId":"NCT00000010","briefTitle":"SSc"}}}'
    later = _row(store, "api?page=2", f'{{"studies": [{study}, {other}]}}')
    earlier = _row(store, "api?page=1", f'{{"studies": [{study}]}}')
    later["fetched_at"] = "2026-01-01T03:05:00+00:00"
    for row in (later, earlier):
        row["payload_format"] = "ctgov_api_page"
    store.write_manifest("site", DAY, [later, earlier])

    assert load_pending(db, raw)["documents_added"] == 2
    assert query(
        db,
        "select document_key, fetch_id, (fetched_at at time zone 'UTC')::varchar"
        " from raw.documents order by 1",
    ) == [
        ("NCT00000009", "fetch-api?page=1", "2026-01-01 03:00:00"),
        ("NCT00000010", "fetch-api?page=2", "2026-01-01 03:05:00"),
    ]
    assert query(
        db,
        "select d.document_key, s.fetch_id from raw.sightings s join raw.documents d using (document_id)"
        " order by 1, 2",
    ) == [
        ("NCT00000009", "fetch-api?page=1"),
        ("NCT00000009", "fetch-api?page=2"),
        ("NCT00000010", "fetch-api?page=2"),
    ]
