"""Sources files: kinds, defaults, relative path resolution and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.config import DEFAULT_CTGOV_API, load_sources
from ingest.settings import DEFAULT_SOURCES_FILE, LIVE_SOURCES_FILE, REPO_ROOT


def write(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "conf" / "sources.yml"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(text)
    return cfg


def test_relative_paths_resolve_against_the_yaml_folder(tmp_path):
    cfg = write(
        tmp_path,
        """
sources:
  - name: p
    kind: pages
    urls:
      - file:../pages/a.txt
      - pages/b.txt
      - file:///abs/c.txt
      - https://example.org/trial/NCT01234567
  - name: b
    kind: ctgov_bulk
    path: ../bulk/studies.zip
  - name: remote-zip
    kind: ctgov_bulk
    path: https://example.org/ctg-studies.zip
""",
    )
    pages, bulk, remote = load_sources(cfg)
    assert pages.urls == (
        (tmp_path / "pages" / "a.txt").as_uri(),
        (tmp_path / "conf" / "pages" / "b.txt").as_uri(),
        "file:///abs/c.txt",
        "https://example.org/trial/NCT01234567",
    )
    assert bulk.path == str(tmp_path / "bulk" / "studies.zip")
    assert remote.path == "https://example.org/ctg-studies.zip"
    assert pages.rate_limit_per_second == 1.0 and pages.timeout_seconds == 30.0
    assert pages.max_bytes == 50 * 1024 * 1024 and pages.user_agent is None


def test_api_defaults_and_page_size_cap(tmp_path):
    cfg = write(
        tmp_path,
        """
sources:
  - name: api
    kind: ctgov_api
    params: {query.cond: lupus, countTotal_is_not_reserved: true}
    page_size: 5000
    max_pages: 3
    rate_limit_per_second: 2
    user_agent: custom/1.0
""",
    )
    (api,) = load_sources(cfg)
    assert api.base_url == DEFAULT_CTGOV_API
    assert api.page_size == 1000 and api.max_pages == 3
    assert api.params == {"query.cond": "lupus", "countTotal_is_not_reserved": "true"}
    assert api.rate_limit_per_second == 2.0 and api.user_agent == "custom/1.0"
    (default,) = load_sources(write(tmp_path, "sources:\n  - {name: api, kind: ctgov_api}\n"))
    assert default.page_size == 1000 and default.max_pages is None and default.params == {}


@pytest.mark.parametrize(
    "body,message",
    [
        (
            "- {name: weird, kind: rss, urls: [x]}",
            r"source 'weird': unknown kind 'rss'; expected one of pages",
        ),
        ("- {name: p, kind: pages}", r"source 'p': missing required key\(s\) \['urls'\]"),
        ("- {name: b, kind: ctgov_bulk}", r"source 'b': missing required key\(s\) \['path'\]"),
        ("- {kind: pages, urls: [a]}", r"sources\[0\]: missing required key 'name'"),
        ("- {name: p, urls: [a]}", r"source 'p': missing required key 'kind'"),
        ("- {name: p, kind: pages, url: [a]}", r"source 'p': missing required key"),
        (
            "- {name: p, kind: pages, urls: [a], page_size: 3}",
            r"source 'p': unknown key\(s\) \['page_size'\]",
        ),
        ("- {name: ../x, kind: pages, urls: [a]}", r"name must be"),
        ("- {name: p, kind: pages, urls: [a, a]}", r"duplicate urls"),
        ("- {name: p, kind: pages, urls: [ftp://h/a]}", r"unsupported URL scheme 'ftp'"),
        ("- {name: p, kind: pages, urls: [a], timeout_seconds: 0}", r"timeout_seconds must be positive"),
        ("- {name: p, kind: pages, urls: [a], max_bytes: lots}", r"max_bytes must be a number"),
        ("- {name: a, kind: ctgov_api, params: {pageToken: x}}", r"set by the fetcher"),
        ("- {name: a, kind: ctgov_api}\n  - {name: a, kind: ctgov_api}", r"duplicate source name 'a'"),
        ("[]", r"non-empty 'sources:' list"),
    ],
)
def test_invalid_sources_fail_with_a_clear_message(tmp_path, body, message):
    text = body if body == "[]" else f"sources:\n  {body}\n"
    with pytest.raises(ValueError, match=message):
        load_sources(write(tmp_path, text))


def test_sample_sources_load_and_point_at_bundled_files():
    pages, bulk = load_sources(DEFAULT_SOURCES_FILE)
    assert (pages.name, pages.kind, bulk.name, bulk.kind) == (
        "sample-pages",
        "pages",
        "sample-ctgov",
        "ctgov_bulk",
    )
    assert len(pages.urls) == 5
    expected = sorted((REPO_ROOT / "sample_data" / "pages").glob("*.txt"))
    assert list(pages.urls) == [p.as_uri() for p in expected]
    assert bulk.path == str(REPO_ROOT / "sample_data" / "ctgov")


def test_live_sources_load():
    sources = {s.name: s for s in load_sources(LIVE_SOURCES_FILE)}
    api = next(s for s in sources.values() if s.kind == "ctgov_api")
    assert api.base_url == "https://clinicaltrials.gov/api/v2/studies"
    assert "chimeric antigen receptor" in api.params["query.intr"]
    assert "lupus" in api.params["query.cond"]
    pages = [s for s in sources.values() if s.kind == "pages"]
    assert pages and all(u.startswith("https://") for s in pages for u in s.urls)
