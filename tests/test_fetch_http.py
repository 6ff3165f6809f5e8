"""Fetching over real HTTP: a ThreadingHTTPServer on 127.0.0.1 replays recorded responses."""

from __future__ import annotations

import hashlib
import io
import json
import stat
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ingest.config import Source
from ingest.fetch import fetch_source
from ingest.http_client import (
    DEFAULT_USER_AGENT,
    FetchError,
    FetchTimeout,
    HostRateLimiter,
    HttpClient,
    ResponseTooLarge,
)
from ingest.snapshots import read_manifests
from ingest.sources.ctgov_api import page_url, query_params

FIXTURES = Path(__file__).parent / "fixtures" / "http"
SAMPLE_CTGOV = Path(__file__).resolve().parent.parent / "sample_data" / "ctgov"
DAY1 = date(2024, 11, 20)
DAY2 = date(2024, 11, 21)
PAGE1 = (FIXTURES / "ctgov_api_page1.json").read_bytes()
PAGE2 = (FIXTURES / "ctgov_api_page2.json").read_bytes()
PAGE_TEXT = (FIXTURES / "trial_page.txt").read_bytes()
TOKEN = json.loads(PAGE1)["nextPageToken"]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    send_length: bool = True  # False: no Content-Length, body ends when the connection closes


@dataclass
class Hit:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


class ReplayServer:
    """Serves scripted replies per path; a list is consumed in order and its last reply repeats."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply] | Callable[[Hit], Reply]] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def route(self, path: str, *replies: Reply, handler: Callable[[Hit], Reply] | None = None) -> None:
        self.routes[path] = handler if handler is not None else list(replies)

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def _reply_for(self, hit: Hit) -> Reply:
        with self._lock:
            self.hits.append(hit)
            route = self.routes.get(hit.path)
            if route is None:
                return Reply(404, b"not found")
            if callable(route):
                return route(hit)
            return route.pop(0) if len(route) > 1 else route[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                parts = urlsplit(self.path)
                hit = Hit(parts.path, parse_qs(parts.query), dict(self.headers), time.monotonic())
                reply = server._reply_for(hit)
                try:
                    if reply.delay:
                        time.sleep(reply.delay)
                    self.send_response(reply.status)
                    if reply.content_type:
                        self.send_header("Content-Type", reply.content_type)
                    if reply.send_length:
                        self.send_header("Content-Length", str(len(reply.body)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test); nothing to do

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server():
    srv = ReplayServer()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def pages_source(*urls: str, **kw) -> Source:
    opts = {"rate_limit_per_second": 1000.0, "retries": 1, "backoff_factor": 0.0, "timeout_seconds": 5.0}
    opts.update(kw)
    return Source(name="test-pages", kind="pages", urls=tuple(urls), **opts)


def client(**kw) -> HttpClient:
    opts = {"rate_limit_per_second": 1000.0, "retries": 2, "backoff_factor": 0.0, "timeout_seconds": 5.0}
    opts.update(kw)
    return HttpClient(**opts)


def payload_files(raw: Path) -> list[Path]:
    return sorted(p for p in raw.rglob("*") if p.is_file() and p.name != "manifest.jsonl")


# --- ctgov_api ---------------------------------------------------------------------------------


def api_source(server: ReplayServer, **kw) -> Source:
    opts = {
        "params": {"query.cond": "lupus", "query.intr": "CAR-T"},
        "page_size": 2,
        "rate_limit_per_second": 1000.0,
        "retries": 1,
        "backoff_factor": 0.0,
    }
    opts.update(kw)
    return Source(name="test-api", kind="ctgov_api", base_url=server.url("/api/v2/studies"), **opts)


def paged(hit: Hit) -> Reply:
    token = hit.query.get("pageToken")
    if token is None:
        return Reply(body=PAGE1, content_type="application/json")
    if token == [TOKEN]:
        return Reply(body=PAGE2, content_type="application/json")
    return Reply(400, b"bad token")


def test_api_follows_next_page_token_with_watermark(server, tmp_path):
    server.route("/api/v2/studies", handler=paged)
    summary = fetch_source(api_source(server), DAY1, tmp_path, since="2024-01-01")

    hits = server.hits_for("/api/v2/studies")
    assert len(hits) == 2
    for hit in hits:
        assert hit.query["format"] == ["json"]
        assert hit.query["pageSize"] == ["2"]
        assert hit.query["query.cond"] == ["lupus"]
        assert hit.query["query.intr"] == ["CAR-T"]
        assert hit.query["filter.advanced"] == ["AREA[LastUpdatePostDate]RANGE[2024-01-01,MAX]"]
        assert hit.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert "pageToken" not in hits[0].query
    assert hits[1].query["pageToken"] == [TOKEN]

    assert summary == {
        "source": "test-api",
        "run_date": "2024-11-20",
        "fetched": 2,
        "stored_new": 2,
        "already_held": 0,
        "errors": 0,
        "manifest": "source=test-api/run_date=2024-11-20/manifest.jsonl",
    }
    rows = read_manifests(tmp_path, run_date=DAY1, source_name="test-api")
    assert [r["payload_format"] for r in rows] == ["ctgov_api_page", "ctgov_api_page"]
    assert all(r["document_key"] == r["url"] for r in rows)
    assert f"pageToken={TOKEN}" in rows[1]["url"] and "pageToken" not in rows[0]["url"]
    nct_ids = []
    for row in rows:
        assert row["content_type"] == "application/json" and row["http_status"] == 200
        assert row["payload_path"].endswith(".json")
        page = json.loads((tmp_path / row["payload_path"]).read_bytes())
        nct_ids += [s["protocolSection"]["identificationModule"]["nctId"] for s in page["studies"]]
    assert nct_ids == ["NCT03453554", "NCT00465816", "NCT00973089"]


def test_api_watermark_is_anded_with_user_filter():
    src = Source(name="a", kind="ctgov_api", params={"filter.advanced": "AREA[Phase]PHASE1"})
    params = query_params(src, since="2024-06-01", page_token="tok")
    assert (
        params["filter.advanced"] == "(AREA[Phase]PHASE1) AND AREA[LastUpdatePostDate]RANGE[2024-06-01,MAX]"
    )
    assert params["pageToken"] == "tok" and params["pageSize"] == "1000" and params["format"] == "json"
    assert "filter.advanced" not in query_params(Source(name="a", kind="ctgov_api"))
    assert page_url(src).startswith("https://clinicaltrials.gov/api/v2/studies?format=json&pageSize=1000&")
    assert query_params(src, since="2024-06-01T23:10:00+00:00")["filter.advanced"].endswith(
        "[2024-06-01,MAX]"
    )
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        query_params(src, since="yesterday")


def test_api_stops_at_max_pages(server, tmp_path):
    server.route("/api/v2/studies", handler=paged)
    summary = fetch_source(api_source(server, max_pages=1), DAY1, tmp_path)
    assert len(server.hits_for("/api/v2/studies")) == 1
    assert summary["fetched"] == 1 and summary["errors"] == 0
    assert "filter.advanced" not in server.hits[0].query  # no watermark, no filter


def test_api_page_failure_is_recorded_and_stops_paging(server, tmp_path):
    def second_page_missing(hit: Hit) -> Reply:
        if "pageToken" in hit.query:
            return Reply(404, b"gone")
        return Reply(body=PAGE1, content_type="application/json")

    server.route("/api/v2/studies", handler=second_page_missing)
    summary = fetch_source(api_source(server), DAY1, tmp_path)
    rows = read_manifests(tmp_path)
    assert summary["fetched"] == 2 and summary["stored_new"] == 1 and summary["errors"] == 1
    assert rows[1]["error"] == "FetchError: HTTP 404"
    assert rows[1]["http_status"] == 404 and rows[1]["sha256"] is None and rows[1]["payload_path"] is None


def test_api_non_json_page_is_an_error_not_a_payload(server, tmp_path):
    server.route("/api/v2/studies", Reply(body=b"<html>maintenance</html>", content_type="text/html"))
    summary = fetch_source(api_source(server), DAY1, tmp_path)
    (row,) = read_manifests(tmp_path)
    assert summary["errors"] == 1 and payload_files(tmp_path) == []
    assert row["error"] == "InvalidApiPage: response is not JSON"


# --- retries, Retry-After, timeouts, size cap, rate limit ---------------------------------------


def test_429_retry_after_is_honoured(server):
    server.route("/p", Reply(429, b"slow down", headers={"Retry-After": "1"}), Reply(body=b"ok"))
    with client() as c:
        t0 = time.monotonic()
        res = c.get(server.url("/p"))
        elapsed = time.monotonic() - t0
    hits = server.hits_for("/p")
    assert res.status == 200 and res.body == b"ok"
    assert len(hits) == 2
    assert elapsed >= 0.95 and hits[1].at - hits[0].at >= 0.95


def test_retry_after_is_bounded(server):
    server.route("/p", Reply(503, b"", headers={"Retry-After": "3600"}), Reply(body=b"ok"))
    with client(max_retry_after_seconds=0.2) as c:
        t0 = time.monotonic()
        assert c.get(server.url("/p")).body == b"ok"
        assert time.monotonic() - t0 < 3


def test_500_500_then_200_succeeds(server):
    server.route("/p", Reply(500), Reply(500), Reply(body=b"third time"))
    with client(retries=2) as c:
        res = c.get(server.url("/p"))
    assert res.body == b"third time" and res.content_type == "text/plain; charset=utf-8"
    assert len(server.hits_for("/p")) == 3


def test_5xx_after_retries_raises_with_status(server):
    server.route("/p", Reply(502))
    with client(retries=1) as c, pytest.raises(FetchError) as err:
        c.get(server.url("/p"))
    assert err.value.status == 502
    assert len(server.hits_for("/p")) == 2


def test_404_is_not_retried(server):
    with client(retries=3) as c, pytest.raises(FetchError) as err:
        c.get(server.url("/nowhere"))
    assert err.value.status == 404 and len(server.hits_for("/nowhere")) == 1


def test_timeout_is_recorded_and_the_run_goes_on(server, tmp_path):
    server.route("/slow", Reply(body=b"late", delay=1.5))
    server.route("/ok", Reply(body=PAGE_TEXT))
    src = pages_source(server.url("/slow"), server.url("/ok"), timeout_seconds=0.3, retries=1)
    with pytest.raises(FetchTimeout), client(timeout_seconds=0.3, retries=0) as c:
        c.get(server.url("/slow"))

    summary = fetch_source(src, DAY1, tmp_path)
    slow, ok = read_manifests(tmp_path)
    assert summary["fetched"] == 2 and summary["errors"] == 1 and summary["stored_new"] == 1
    assert slow["error"].startswith("FetchTimeout: timed out after 0.3s")
    assert slow["sha256"] is None and slow["payload_path"] is None and slow["bytes"] == 0
    assert slow["http_status"] is None
    assert ok["error"] is None and ok["sha256"] == hashlib.sha256(PAGE_TEXT).hexdigest()
    assert len(server.hits_for("/slow")) == 1 + 2  # the direct call, then first try + one retry


@pytest.mark.parametrize("send_length", [True, False], ids=["content-length", "streamed"])
def test_body_over_size_cap_is_an_error_row_and_nothing_is_stored(server, tmp_path, send_length):
    server.route("/big", Reply(body=b"x" * 5000, send_length=send_length))
    summary = fetch_source(pages_source(server.url("/big"), max_bytes=1000), DAY1, tmp_path)
    (row,) = read_manifests(tmp_path)
    assert summary["errors"] == 1 and summary["stored_new"] == 0
    assert row["error"].startswith("ResponseTooLarge:")
    assert row["sha256"] is None and row["payload_path"] is None
    assert payload_files(tmp_path) == []
    with client(max_bytes=1000) as c, pytest.raises(ResponseTooLarge):
        c.get(server.url("/big"))


def test_rate_limit_spaces_requests_to_one_host(server, tmp_path):
    for p in ("/a", "/b", "/c"):
        server.route(p, Reply(body=p.encode()))
    src = pages_source(*(server.url(p) for p in ("/a", "/b", "/c")), rate_limit_per_second=5.0)
    t0 = time.monotonic()
    summary = fetch_source(src, DAY1, tmp_path)
    assert time.monotonic() - t0 >= 0.4
    assert summary["stored_new"] == 3
    # Server-side arrival times jitter with connection setup, so allow some slack per gap.
    at = [h.at for h in server.hits]
    assert at[1] - at[0] >= 0.15 and at[2] - at[1] >= 0.15 and at[2] - at[0] >= 0.35


def test_rate_limiter_is_per_host_and_thread_safe():
    now = [0.0]
    slept: list[float] = []
    limiter = HostRateLimiter(5.0, clock=lambda: now[0], sleep=slept.append)
    assert [limiter.wait("a.example") for _ in range(3)] == pytest.approx([0.0, 0.2, 0.4])
    assert limiter.wait("b.example") == 0.0  # another host has its own slots

    real = HostRateLimiter(20.0)
    t0 = time.monotonic()
    threads = [threading.Thread(target=real.wait, args=("h",)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - t0 >= 4 / 20 - 0.01


# --- snapshots through fetch_source ---------------------------------------------------------------


def test_pages_are_snapshotted_read_only_with_manifest_rows(server, tmp_path):
    server.route("/trial/1", Reply(body=PAGE_TEXT))
    url = server.url("/trial/1")
    before = datetime.now(UTC)
    summary = fetch_source(pages_source(url), DAY1, tmp_path)
    sha = hashlib.sha256(PAGE_TEXT).hexdigest()

    stored = tmp_path / f"source=test-pages/run_date=2024-11-20/{sha}.txt"
    assert payload_files(tmp_path) == [stored]
    assert stored.read_bytes() == PAGE_TEXT
    assert stat.S_IMODE(stored.stat().st_mode) == 0o444
    assert summary["stored_new"] == 1 and summary["fetched"] == 1

    (row,) = read_manifests(tmp_path)
    assert row == {
        "fetch_id": hashlib.sha256(f"test-pages|{url}|2024-11-20|{sha}".encode()).hexdigest(),
        "source_name": "test-pages",
        "source_kind": "pages",
        "url": url,
        "document_key": url,
        "run_date": "2024-11-20",
        "fetched_at": row["fetched_at"],
        "http_status": 200,
        "content_type": "text/plain",
        "sha256": sha,
        "bytes": len(PAGE_TEXT),
        "payload_path": f"source=test-pages/run_date=2024-11-20/{sha}.txt",
        "payload_format": "page",
        "error": None,
    }
    fetched_at = datetime.fromisoformat(row["fetched_at"])
    assert row["fetched_at"].endswith("Z") and fetched_at.utcoffset().total_seconds() == 0
    assert before.replace(microsecond=0) <= fetched_at <= datetime.now(UTC)


def test_second_run_date_stores_nothing_new_but_writes_its_manifest(server, tmp_path):
    for p in ("/a", "/b"):
        server.route(p, Reply(body=PAGE_TEXT + p.encode(), content_type="text/html; charset=utf-8"))
    src = pages_source(server.url("/a"), server.url("/b"))
    first = fetch_source(src, DAY1, tmp_path)
    files = payload_files(tmp_path)
    second = fetch_source(src, DAY2, tmp_path)

    assert first["stored_new"] == 2 and second["stored_new"] == 0
    assert second["already_held"] == second["fetched"] == 2
    assert payload_files(tmp_path) == files  # nothing added in the new partition
    assert all(f.suffix == ".html" for f in files)
    day1 = read_manifests(tmp_path, run_date=DAY1)
    day2 = read_manifests(tmp_path, run_date="2024-11-21")
    assert [r["payload_path"] for r in day2] == [r["payload_path"] for r in day1]
    assert all(r["payload_path"].startswith("source=test-pages/run_date=2024-11-20/") for r in day2)
    assert {r["fetch_id"] for r in day1}.isdisjoint(r["fetch_id"] for r in day2)
    assert (tmp_path / "source=test-pages/run_date=2024-11-21/manifest.jsonl").is_file()


def test_identical_content_at_two_urls_is_stored_once(server, tmp_path):
    server.route("/mirror-1", Reply(body=PAGE_TEXT))
    server.route("/mirror-2", Reply(body=PAGE_TEXT))
    summary = fetch_source(pages_source(server.url("/mirror-1"), server.url("/mirror-2")), DAY1, tmp_path)
    rows = read_manifests(tmp_path)
    assert len(payload_files(tmp_path)) == 1
    assert len(rows) == 2 and rows[0]["sha256"] == rows[1]["sha256"]
    assert rows[0]["payload_path"] == rows[1]["payload_path"]
    assert rows[0]["fetch_id"] != rows[1]["fetch_id"]
    assert summary["stored_new"] == 1 and summary["already_held"] == 1


def test_rerun_of_same_run_date_leaves_one_manifest(server, tmp_path):
    server.route("/a", Reply(body=b"alpha"))
    server.route("/b", Reply(404))
    src = pages_source(server.url("/a"), server.url("/b"))
    fetch_source(src, DAY1, tmp_path)
    first = read_manifests(tmp_path)
    summary = fetch_source(src, DAY1, tmp_path)
    partition = tmp_path / "source=test-pages/run_date=2024-11-20"
    names = sorted(p.name for p in partition.iterdir())
    assert names == sorted([f"{hashlib.sha256(b'alpha').hexdigest()}.txt", "manifest.jsonl"])  # no temp files
    rerun = read_manifests(tmp_path)
    assert len(rerun) == 2
    assert [r["fetch_id"] for r in rerun] == [r["fetch_id"] for r in first]  # stable for a rerun
    assert summary["already_held"] == 1 and summary["errors"] == 1


def test_bulk_zip_from_url_is_snapshotted_with_its_members(server, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(SAMPLE_CTGOV.glob("*.json")):
            zf.write(f, f"ctg-studies/{f.name}")
    server.route("/bulk/ctg-studies.zip", Reply(body=buf.getvalue(), content_type="application/zip"))
    url = server.url("/bulk/ctg-studies.zip")
    src = Source(name="bulk-url", kind="ctgov_bulk", path=url, rate_limit_per_second=1000.0)
    summary = fetch_source(src, DAY1, tmp_path)
    rows = read_manifests(tmp_path)
    assert summary["fetched"] == 14 and summary["stored_new"] == 14 and summary["errors"] == 0
    archive, studies = rows[0], rows[1:]
    assert archive["payload_format"] == "ctgov_bulk_archive" and archive["payload_path"].endswith(".zip")
    assert archive["sha256"] == hashlib.sha256(buf.getvalue()).hexdigest()
    assert all(r["payload_format"] == "ctgov_study" for r in studies)
    assert studies[3]["document_key"] == "NCT02210780.json"
    assert studies[3]["url"] == f"{url}#ctg-studies/NCT02210780.json"


def test_unreachable_host_and_missing_file_are_error_rows(server, tmp_path):
    import socket

    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/x"
    server.route("/ok", Reply(body=b"fine"))
    missing = (tmp_path / "gone.txt").as_uri()
    summary = fetch_source(pages_source(dead, missing, server.url("/ok")), DAY1, tmp_path / "raw")
    refused, absent, ok = read_manifests(tmp_path / "raw")
    assert summary["errors"] == 2 and summary["stored_new"] == 1
    assert refused["error"] == "FetchError: connection failed (retries exhausted)"
    assert absent["error"].startswith("FileNotFoundError:") and absent["url"] == missing
    assert ok["error"] is None


# --- concurrency of pages sources -----------------------------------------------------------------


def test_pages_are_fetched_a_few_at_a_time_and_recorded_in_list_order(server, tmp_path):
    from ingest.sources import pages

    paths = [f"/p{i}" for i in range(8)]
    for p in paths:  # the first URL answers last
        server.route(p, Reply(body=p.encode(), delay=0.4 if p == "/p0" else 0.25))
    t0 = time.monotonic()
    summary = fetch_source(pages_source(*(server.url(p) for p in paths)), DAY1, tmp_path)
    elapsed = time.monotonic() - t0

    assert summary["stored_new"] == 8 and summary["errors"] == 0
    # Four requests arrive at once; the fifth only when one of them has been answered.
    at = sorted(h.at for h in server.hits)
    assert pages.WORKERS == 4 and at[3] - at[0] < 0.15 and at[4] - at[0] >= 0.2
    assert elapsed < 8 * 0.25  # one at a time takes 2.15 s; four at a time ~0.65 s
    rows = read_manifests(tmp_path)
    assert [r["url"] for r in rows] == [server.url(p) for p in paths]
    assert [(tmp_path / r["payload_path"]).read_bytes() for r in rows] == [p.encode() for p in paths]


def test_a_pages_consumer_that_stops_early_starts_no_more_fetches(server, tmp_path):
    from ingest.sources import pages

    paths = [f"/q{i}" for i in range(30)]
    for p in paths:
        server.route(p, Reply(body=p.encode()))
    with client() as c:
        payloads = pages.iter_payloads(pages_source(*(server.url(p) for p in paths)), c)
        first = next(payloads)
        payloads.close()
        time.sleep(0.2)
    assert first.body == b"/q0"
    assert len(server.hits) <= pages.AHEAD + 1 < len(paths)


# --- API pages that cannot be paged on --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"studies": [], "nextPageToken": 7}', "InvalidApiPage: nextPageToken is not a string"),
        (b'{"totalCount": 0}', "InvalidApiPage: response has no 'studies' list"),
        (b'[{"studies": []}]', "InvalidApiPage: response has no 'studies' list"),
        (b'{"studies": [{"nctId": "NCT1"}', "InvalidApiPage: response is not JSON"),
        (b'{"studies": [{"title": "caf\xe9"}]}', "InvalidApiPage: response is not JSON"),  # Latin-1
    ],
    ids=["token-not-string", "no-studies", "not-an-object", "truncated", "not-utf8"],
)
def test_api_page_of_the_wrong_shape_is_an_error_row(server, tmp_path, body, error):
    server.route("/api/v2/studies", Reply(body=body, content_type="application/json"))
    summary = fetch_source(api_source(server), DAY1, tmp_path)
    (row,) = read_manifests(tmp_path)
    assert summary["errors"] == 1 and payload_files(tmp_path) == []
    assert row["error"] == error and row["http_status"] == 200
    assert len(server.hits_for("/api/v2/studies")) == 1
