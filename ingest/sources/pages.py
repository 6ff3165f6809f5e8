"""`pages` sources: one payload per listed URL (http(s) or local file); a failed URL never stops the run.

URLs are fetched a few at a time (`WORKERS` threads over the client's one session and connection
pool) and yielded in list order, so the manifest's row order does not depend on timing. Politeness
stays with the client: its per-host rate limiter spaces request starts across all threads.

Local files are read one after another, each batch of them asked of the kernel a batch ahead
(`ingest.read_ahead`). The night's 5,000 benchmark pages, uncached, read while the published file
was copied beside them: 3.5-4.8 s one after another, 0.7 s read ahead; cached, 0.3 s either way
(BENCHMARKS.md, item 70).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ingest.config import Source
from ingest.http_client import FetchError, HttpClient
from ingest.read_ahead import read_ahead
from ingest.sources.base import PAGE, Payload, error_text, ext_for, guess_content_type, media_type, read_local

log = logging.getLogger(__name__)


WORKERS = 4  # concurrent fetches per source: overlaps network waits on a 2-core machine, stays polite
AHEAD = 2 * WORKERS  # fetched-but-not-yet-yielded payloads are bounded by this
READ_AHEAD_FILES = 256  # local files asked for at once, a batch ahead of the one being read


def iter_payloads(source: Source, client: HttpClient, *, since: str | None = None) -> Iterator[Payload]:
    """Fetch each URL, yielding in list order; `since` is ignored (pages have no server-side filter)."""
    if not any(urlsplit(url).scheme in ("http", "https") for url in source.urls):
        # Local files only: a cached read takes microseconds, threads would cost more than they
        # overlap. Uncached, each read waits for the disk: the files are asked for ahead.
        paths = [_local_path(url) for url in source.urls]
        read_ahead(filter(None, paths[:READ_AHEAD_FILES]))
        for index, url in enumerate(source.urls):
            if index % READ_AHEAD_FILES == 0:
                read_ahead(filter(None, paths[index + READ_AHEAD_FILES : index + 2 * READ_AHEAD_FILES]))
            yield _fetch(url, source, client)
        return
    urls = iter(source.urls)
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"fetch-{source.name}") as pool:
        pending: deque[Future[Payload]] = deque(
            pool.submit(_fetch, url, source, client) for url in islice(urls, AHEAD)
        )
        try:
            while pending:
                payload = pending.popleft().result()
                url = next(urls, None)
                if url is not None:
                    pending.append(pool.submit(_fetch, url, source, client))
                yield payload
        finally:  # the consumer stopped early (or raised): start nothing more
            for future in pending:
                future.cancel()


def _local_path(url: str) -> Path | None:
    parts = urlsplit(url)
    return Path(url2pathname(parts.path)) if parts.scheme == "file" else None


def _fetch(url: str, source: Source, client: HttpClient) -> Payload:
    """One URL as a payload; a failure is an error payload, never an exception (bugs aside)."""
    try:
        path = _local_path(url)
        if path is not None:
            return _read_file(url, path, source.max_bytes)
        return _get(url, client)
    except (FetchError, OSError) as exc:
        log.warning("source %s: %s failed: %s", source.name, url, error_text(exc))
        status = exc.status if isinstance(exc, FetchError) else None
        return Payload(
            url=url, document_key=url, payload_format=PAGE, http_status=status, error=error_text(exc)
        )


def _get(url: str, client: HttpClient) -> Payload:
    res = client.get(url)
    return Payload(
        url=url,
        document_key=url,
        payload_format=PAGE,
        http_status=res.status,
        content_type=media_type(res.content_type),
        body=res.body,
        ext=ext_for(res.content_type, res.final_url),
    )


def _read_file(url: str, path: Path, max_bytes: int) -> Payload:
    body = read_local(path, max_bytes)
    ctype = guess_content_type(path.name)
    return Payload(
        url=url,
        document_key=url,
        payload_format=PAGE,
        http_status=200,
        content_type=ctype,
        body=body,
        ext=ext_for(ctype, url),
    )
