"""`pages` sources: one payload per listed URL (http(s) or local file); a failed URL never stops the run."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ingest.config import Source
from ingest.http_client import FetchError, HttpClient
from ingest.sources.base import PAGE, Payload, error_text, ext_for, guess_content_type, media_type, read_local

log = logging.getLogger(__name__)


def iter_payloads(source: Source, client: HttpClient, *, since: str | None = None) -> Iterator[Payload]:
    """Fetch each URL in order; `since` is ignored (pages have no server-side change filter)."""
    for url in source.urls:
        try:
            if urlsplit(url).scheme == "file":
                payload = _read_file(url, source.max_bytes)
            else:
                payload = _get(url, client)
        except (FetchError, OSError) as exc:
            log.warning("source %s: %s failed: %s", source.name, url, error_text(exc))
            status = exc.status if isinstance(exc, FetchError) else None
            payload = Payload(
                url=url, document_key=url, payload_format=PAGE, http_status=status, error=error_text(exc)
            )
        yield payload


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


def _read_file(url: str, max_bytes: int) -> Payload:
    path = Path(url2pathname(urlsplit(url).path))
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
