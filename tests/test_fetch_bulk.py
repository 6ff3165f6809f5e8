"""ctgov_bulk from a folder and from a local zip, and the bundled sample sources end to end."""

from __future__ import annotations

import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from ingest.config import load_sources
from ingest.fetch import client_for, fetch_source
from ingest.settings import DEFAULT_SOURCES_FILE
from ingest.snapshots import read_manifests
from ingest.sources import ctgov_bulk

SAMPLE_CTGOV = Path(__file__).resolve().parent.parent / "sample_data" / "ctgov"
NAMES = sorted(p.name for p in SAMPLE_CTGOV.glob("*.json"))
DAY = date(2024, 11, 20)


def bulk(path: Path | str, **kw):
    from ingest.config import Source

    return Source(name="bulk", kind="ctgov_bulk", path=str(path), **kw)


def collect(source):
    with client_for(source) as c:
        return list(ctgov_bulk.iter_payloads(source, c))


def test_folder_yields_one_study_per_file_sorted():
    payloads = collect(bulk(SAMPLE_CTGOV))
    assert len(payloads) == 13 == len(NAMES)
    assert [p.document_key for p in payloads] == NAMES
    first = payloads[NAMES.index("NCT02210780.json")]
    assert first.url == f"file://{SAMPLE_CTGOV}/NCT02210780.json"
    assert first.payload_format == "ctgov_study" and first.ext == "json" and first.http_status == 200
    assert first.body == (SAMPLE_CTGOV / "NCT02210780.json").read_bytes()
    assert json.loads(first.body)["protocolSection"]["identificationModule"]["nctId"] == "NCT02210780"


def make_zip(tmp_path: Path) -> Path:
    zpath = tmp_path / "ctg-studies.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in reversed(NAMES):  # members out of order: the generator sorts them
            zf.write(SAMPLE_CTGOV / name, name)
        zf.writestr("README.txt", "not a study")
        zf.writestr("__MACOSX/._NCT02210780.json", "resource fork")
    return zpath


def test_zip_yields_one_study_per_member(tmp_path):
    zpath = make_zip(tmp_path)
    payloads = collect(bulk(zpath))
    assert [p.document_key for p in payloads] == NAMES
    p = payloads[NAMES.index("NCT02210780.json")]
    assert p.url == f"file://{zpath}#NCT02210780.json"
    assert p.body == (SAMPLE_CTGOV / "NCT02210780.json").read_bytes()


def test_fetch_bulk_zip_snapshots_every_study(tmp_path):
    summary = fetch_source(bulk(make_zip(tmp_path)), DAY, tmp_path / "raw")
    assert summary["fetched"] == 13 and summary["stored_new"] == 13 and summary["errors"] == 0
    rows = read_manifests(tmp_path / "raw")
    assert {r["document_key"] for r in rows} == set(NAMES)
    assert all(r["payload_path"].endswith(".json") and r["content_type"] == "application/json" for r in rows)
    assert all(r["url"].startswith("file:///") and "#NCT" in r["url"] for r in rows)


def test_oversized_member_is_an_error_row(tmp_path):
    payloads = collect(bulk(SAMPLE_CTGOV, max_bytes=100_000))
    errors = {p.document_key: p.error for p in payloads if p.error}
    # NCT02513394 (1.5 MB) and NCT02552212 (151 kB) exceed the cap; the rest still come through.
    assert sorted(errors) == ["NCT02513394.json", "NCT02552212.json"]
    assert all(e.startswith("ResponseTooLarge:") for e in errors.values())
    assert sum(p.body is not None for p in payloads) == 11


def test_missing_bulk_path_is_one_error_row(tmp_path):
    summary = fetch_source(bulk(tmp_path / "nope"), DAY, tmp_path / "raw")
    (row,) = read_manifests(tmp_path / "raw")
    assert summary["errors"] == 1 and row["error"].startswith("FileNotFoundError")
    assert row["payload_format"] == "ctgov_bulk_archive" and row["sha256"] is None


def test_corrupt_zip_is_one_error_row(tmp_path):
    bad = tmp_path / "broken.zip"
    bad.write_bytes(b"PK\x03\x04 definitely not a zip")
    (p,) = collect(bulk(bad))
    assert p.error and p.error.startswith("BadZipFile") and p.body is None


@pytest.mark.parametrize("name,count", [("sample-pages", 5), ("sample-ctgov", 13)])
def test_sample_sources_fetch_offline(tmp_path, name, count):
    (source,) = [s for s in load_sources(DEFAULT_SOURCES_FILE) if s.name == name]
    summary = fetch_source(source, DAY, tmp_path)
    assert summary["fetched"] == summary["stored_new"] == count and summary["errors"] == 0
    rows = read_manifests(tmp_path, source_name=name)
    assert all((tmp_path / r["payload_path"]).is_file() for r in rows)
    assert all(r["http_status"] == 200 for r in rows)
