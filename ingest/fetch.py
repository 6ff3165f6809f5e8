"""Fetch one source into the raw snapshot store and write its partition manifest.

`fetch_source` is the single entry point the Airflow task and the CLI share.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingest.config import Source
from ingest.http_client import HttpClient
from ingest.snapshots import SnapshotStore
from ingest.sources import Payload, ctgov_api, ctgov_bulk, pages

log = logging.getLogger(__name__)

Generator = Callable[..., Iterator[Payload]]
GENERATORS: dict[str, Generator] = {
    "pages": pages.iter_payloads,
    "ctgov_bulk": ctgov_bulk.iter_payloads,
    "ctgov_api": ctgov_api.iter_payloads,
}


def client_for(source: Source) -> HttpClient:
    """An HTTP client configured from the source's politeness and safety settings."""
    return HttpClient(
        timeout_seconds=source.timeout_seconds,
        max_bytes=source.max_bytes,
        rate_limit_per_second=source.rate_limit_per_second,
        retries=source.retries,
        backoff_factor=source.backoff_factor,
        max_retry_after_seconds=source.max_retry_after_seconds,
        user_agent=source.user_agent,
    )


def fetch_id(source_name: str, url: str, run_date: str, sha256_or_error: str) -> str:
    return hashlib.sha256(f"{source_name}|{url}|{run_date}|{sha256_or_error}".encode()).hexdigest()


def _iso_utc(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fetch_source(
    source: Source,
    run_date: date,
    raw_root: Path,
    *,
    since: str | None = None,
    client: HttpClient | None = None,
) -> dict[str, Any]:
    """Run the source's generator, snapshot every body, replace the partition manifest, summarise.

    Per-document failures become manifest rows with `error` set; only a bug or a bad `since`
    raises, in which case the partition's previous manifest (if any) is left untouched.
    """
    if isinstance(run_date, datetime):
        run_date = run_date.date()
    day = run_date.isoformat()
    store = SnapshotStore(Path(raw_root))
    own_client = client is None
    http = client or client_for(source)
    rows: list[dict[str, Any]] = []
    counts = {"stored_new": 0, "already_held": 0, "errors": 0}
    try:
        for p in GENERATORS[source.kind](source, http, since=since):
            rows.append(_row(source, day, p, store, run_date, counts))
    finally:
        if own_client:
            http.close()
    manifest = store.write_manifest(source.name, run_date, rows)
    summary = {"source": source.name, "run_date": day, "fetched": len(rows), **counts, "manifest": manifest}
    log.info("fetched %s", summary)
    return summary


def _row(
    source: Source, day: str, p: Payload, store: SnapshotStore, run_date: date, counts: dict[str, int]
) -> dict[str, Any]:
    sha = payload_path = None
    nbytes = 0
    error = p.error
    if p.body is not None and error is None:
        stored = store.put(source.name, run_date, p.body, p.ext)
        sha, payload_path, nbytes = stored.sha256, stored.relpath, len(p.body)
        counts["stored_new" if stored.is_new else "already_held"] += 1
    else:
        error = error or "no body"
        counts["errors"] += 1
    return {
        "fetch_id": fetch_id(source.name, p.url, day, sha or error or ""),
        "source_name": source.name,
        "source_kind": source.kind,
        "url": p.url,
        "document_key": p.document_key,
        "run_date": day,
        "fetched_at": _iso_utc(p.fetched_at),
        "http_status": p.http_status,
        "content_type": p.content_type,
        "sha256": sha,
        "bytes": nbytes,
        "payload_path": payload_path,
        "payload_format": p.payload_format,
        "error": error,
    }
