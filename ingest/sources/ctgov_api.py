"""`ctgov_api` sources: page through ClinicalTrials.gov `/api/v2/studies`, one payload per page response.

Every request repeats the same query (the API requires it) and adds `pageToken` from the previous
page's `nextPageToken`. With `since`, only studies whose LastUpdatePostDate is on or after it are
asked for, which is what makes the nightly run incremental.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from urllib.parse import urlencode

import msgspec

from ingest.config import Source
from ingest.http_client import FetchError, HttpClient
from ingest.sources.base import CTGOV_API_PAGE, Payload, error_text, media_type

log = logging.getLogger(__name__)


class InvalidApiPage(ValueError):
    """A 2xx response that is not a `{"studies": [...]}` JSON object; pagination cannot go on."""


class _PageShape(msgspec.Struct):
    """What paging needs from a response: a `studies` list (kept raw, unparsed) and the next token.

    The studies are stored as fetched and parsed later by the load; building Python objects for a
    1000-study page here cost ~0.3 s of CPU per page, skipping them (still syntax-checked) ~0.02 s.
    """

    studies: list[msgspec.Raw]
    nextPageToken: str | None = None  # noqa: N815 - the API's field name


_PAGE_DECODER = msgspec.json.Decoder(_PageShape)


def since_filter(since: str) -> str:
    """Essie clause selecting studies updated on or after `since` (a date, or an ISO timestamp's date).

    LastUpdatePostDate has day precision, so the range is inclusive of the watermark's day: a
    study posted later that same day is fetched again rather than missed.
    """
    try:
        day = date.fromisoformat(since) if len(since) == 10 else datetime.fromisoformat(since).date()
    except (TypeError, ValueError):
        raise ValueError(f"since must be a YYYY-MM-DD date or ISO timestamp, got {since!r}") from None
    return f"AREA[LastUpdatePostDate]RANGE[{day.isoformat()},MAX]"


def query_params(
    source: Source, *, since: str | None = None, page_token: str | None = None
) -> dict[str, str]:
    """The query of one page request, in a stable order (it becomes the page's document_key)."""
    params: dict[str, str] = {"format": "json", "pageSize": str(source.page_size)}
    params.update(source.params)
    if since:
        clause = since_filter(since)
        user = params.get("filter.advanced", "").strip()
        params["filter.advanced"] = f"({user}) AND {clause}" if user else clause
    if page_token:
        params["pageToken"] = page_token
    return params


def page_url(source: Source, *, since: str | None = None, page_token: str | None = None) -> str:
    query = urlencode(query_params(source, since=since, page_token=page_token))
    sep = "&" if "?" in source.base_url else "?"
    return f"{source.base_url}{sep}{query}"


def iter_payloads(source: Source, client: HttpClient, *, since: str | None = None) -> Iterator[Payload]:
    """Follow nextPageToken until it is absent, repeats, or `max_pages` pages were fetched."""
    if since:
        since_filter(since)  # fail on a bad watermark before the first request
    token: str | None = None
    seen_tokens: set[str] = set()
    pages = 0
    while True:
        url = page_url(source, since=since, page_token=token)
        try:
            res = client.get(url)
        except FetchError as exc:
            log.warning("source %s: page %d failed: %s", source.name, pages + 1, error_text(exc))
            yield Payload(
                url=url,
                document_key=url,
                payload_format=CTGOV_API_PAGE,
                http_status=exc.status,
                error=error_text(exc),
            )
            return
        pages += 1
        try:
            data = _parse_page(res.body)
        except InvalidApiPage as exc:
            log.warning("source %s: page %d unusable: %s", source.name, pages, exc)
            yield Payload(
                url=url,
                document_key=url,
                payload_format=CTGOV_API_PAGE,
                http_status=res.status,
                content_type=media_type(res.content_type),
                error=error_text(exc),
            )
            return
        yield Payload(
            url=url,
            document_key=url,
            payload_format=CTGOV_API_PAGE,
            http_status=res.status,
            content_type=media_type(res.content_type) or "application/json",
            body=res.body,
            ext="json",
        )
        token = data.nextPageToken or None
        if token is None:
            return
        if token in seen_tokens:
            log.warning("source %s: nextPageToken repeated after %d pages; stopping", source.name, pages)
            return
        seen_tokens.add(token)
        if source.max_pages is not None and pages >= source.max_pages:
            log.warning("source %s: stopped at max_pages=%d with more pages left", source.name, pages)
            return


def _parse_page(body: bytes) -> _PageShape:
    """Check the page is a JSON object with a `studies` list and a string (or no) `nextPageToken`."""
    try:
        body.decode("utf-8")  # the syntax check skips over string contents, so check the encoding here
        return _PAGE_DECODER.decode(body)
    except msgspec.ValidationError as exc:  # valid JSON, wrong shape
        if str(exc).endswith("`$.nextPageToken`"):
            raise InvalidApiPage("nextPageToken is not a string") from None
        raise InvalidApiPage("response has no 'studies' list") from None
    except (UnicodeDecodeError, msgspec.DecodeError):
        raise InvalidApiPage("response is not JSON") from None
