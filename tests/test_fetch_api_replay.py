"""The benchmark's replay of `/api/v2/studies`, fetched by the real `ctgov_api` source over HTTP."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bench.api_replay import ApiReplay
from ingest.config import Source
from ingest.fetch import fetch_source
from ingest.snapshots import read_manifests

SAMPLE_CTGOV = Path(__file__).resolve().parent.parent / "sample_data" / "ctgov"
# Sample studies with a LastUpdatePostDate, by date: four of them were updated on or after 2022-01-01.
SINCE_2022 = ["NCT02513394", "NCT02552212", "NCT05594173", "NCT06171568"]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def replay(tmp_path):
    delta = tmp_path / "delta"
    delta.mkdir()
    for f in SAMPLE_CTGOV.glob("*.json"):
        status = json.loads(f.read_bytes())["protocolSection"].get("statusModule", {})
        if "lastUpdatePostDateStruct" in status:
            shutil.copy(f, delta / f.name)
    with ApiReplay(delta) as api:
        yield api


def test_replay_filters_on_the_watermark_and_pages_over_one_connection(replay, tmp_path):
    source = Source(name="api", kind="ctgov_api", base_url=replay.base_url, page_size=3)
    summary = fetch_source(source, date(2026, 1, 2), tmp_path / "raw", since="2022-01-01")

    assert summary["fetched"] == 2 and summary["stored_new"] == 2 and summary["errors"] == 0
    assert len(replay.requests) == 2 and len(replay.connections) == 1  # kept alive between the pages
    assert ["pageToken" in r for r in replay.requests] == [False, True]
    assert all("RANGE%5B2022-01-01%2CMAX%5D" in r for r in replay.requests)
    pages = [
        json.loads((tmp_path / "raw" / r["payload_path"]).read_bytes())
        for r in read_manifests(tmp_path / "raw")
    ]
    assert [p.get("nextPageToken") for p in pages] == ["3", None]
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for p in pages for s in p["studies"]]
    assert ids == SINCE_2022
    # A study is served as its file holds it.
    assert pages[1]["studies"][0] == json.loads((SAMPLE_CTGOV / "NCT06171568.json").read_bytes())


def test_replay_without_a_watermark_serves_every_study(replay, tmp_path):
    source = Source(name="api", kind="ctgov_api", base_url=replay.base_url, page_size=1000)
    summary = fetch_source(source, date(2026, 1, 2), tmp_path)
    (row,) = read_manifests(tmp_path)
    assert summary["fetched"] == 1
    page = json.loads((tmp_path / row["payload_path"]).read_bytes())
    assert len(page["studies"]) == 11 and "nextPageToken" not in page
