"""`ctgov_bulk` sources: a folder or zip of API v2 study JSON files, one payload per study file.

A zip given by URL is downloaded once (bounded by `max_bytes`) and also yielded itself as a
`ctgov_bulk_archive` payload, so the exact archive the studies came from is kept.
"""

from __future__ import annotations

import io
import logging
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlsplit

from ingest.config import Source
from ingest.http_client import FetchError, HttpClient, ResponseTooLarge
from ingest.sources.base import (
    CTGOV_BULK_ARCHIVE,
    CTGOV_STUDY,
    Payload,
    error_text,
    media_type,
    read_local,
)

log = logging.getLogger(__name__)
JSON = "application/json"
_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError)


def iter_payloads(source: Source, client: HttpClient, *, since: str | None = None) -> Iterator[Payload]:
    """Yield every study file; `since` is ignored (a bulk export is always read whole)."""
    loc = source.path or ""
    if urlsplit(loc).scheme in ("http", "https"):
        yield from _remote_zip(loc, source, client)
        return
    path = Path(os.path.normpath(Path(loc).absolute()))
    if path.is_dir():
        yield from _folder(path, source.max_bytes)
    elif path.is_file():
        try:
            with zipfile.ZipFile(path) as zf:
                yield from _members(zf, path.as_uri(), source.max_bytes)
        except (zipfile.BadZipFile, OSError) as exc:
            yield _container_error(path.as_uri(), exc)
    else:
        yield _container_error(path.as_uri(), FileNotFoundError(2, "no such file or folder", str(path)))


def _folder(folder: Path, max_bytes: int) -> Iterator[Payload]:
    for f in sorted(p for p in folder.glob("*.json") if p.is_file()):
        url = f.as_uri()
        try:
            body = read_local(f, max_bytes)
        except (FetchError, OSError) as exc:
            log.warning("%s: %s", url, error_text(exc))
            yield Payload(url=url, document_key=f.name, payload_format=CTGOV_STUDY, error=error_text(exc))
            continue
        yield Payload(
            url=url,
            document_key=f.name,
            payload_format=CTGOV_STUDY,
            http_status=200,
            content_type=JSON,
            body=body,
            ext="json",
        )


def _members(zf: zipfile.ZipFile, zip_url: str, max_bytes: int) -> Iterator[Payload]:
    infos = sorted(
        (i for i in zf.infolist() if _is_study_member(i)),
        key=lambda i: i.filename,
    )
    for info in infos:
        key = PurePosixPath(info.filename).name
        url = f"{zip_url}#{quote(info.filename)}"
        try:
            # Trust neither the declared size nor the compressor: read at most one byte past the cap.
            if info.file_size > max_bytes:
                raise ResponseTooLarge(f"member size {info.file_size} exceeds max_bytes {max_bytes}", url=url)
            with zf.open(info) as fh:
                body = fh.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise ResponseTooLarge(f"member exceeds max_bytes {max_bytes}", url=url)
        except (FetchError, *_MEMBER_ERRORS) as exc:
            log.warning("%s: %s", url, error_text(exc))
            yield Payload(url=url, document_key=key, payload_format=CTGOV_STUDY, error=error_text(exc))
            continue
        yield Payload(
            url=url,
            document_key=key,
            payload_format=CTGOV_STUDY,
            http_status=200,
            content_type=JSON,
            body=body,
            ext="json",
        )


def _is_study_member(info: zipfile.ZipInfo) -> bool:
    p = PurePosixPath(info.filename)
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in p.parts)
    return not info.is_dir() and not hidden and p.suffix.lower() == ".json"


def _remote_zip(url: str, source: Source, client: HttpClient) -> Iterator[Payload]:
    key = PurePosixPath(urlsplit(url).path).name or url
    try:
        res = client.get(url)
    except FetchError as exc:
        log.warning("source %s: %s failed: %s", source.name, url, error_text(exc))
        yield Payload(
            url=url,
            document_key=key,
            payload_format=CTGOV_BULK_ARCHIVE,
            http_status=exc.status,
            error=error_text(exc),
        )
        return
    ctype = media_type(res.content_type)
    yield Payload(
        url=url,
        document_key=key,
        payload_format=CTGOV_BULK_ARCHIVE,
        http_status=res.status,
        content_type=ctype or "application/zip",
        body=res.body,
        ext="zip",
    )
    try:
        zf = zipfile.ZipFile(io.BytesIO(res.body))
    except zipfile.BadZipFile as exc:
        # The bytes are kept (above) for inspection; this extra row makes the failure visible.
        yield _container_error(url, exc, status=res.status)
        return
    with zf:
        yield from _members(zf, url, source.max_bytes)


def _container_error(url: str, exc: BaseException, status: int | None = None) -> Payload:
    log.warning("%s: %s", url, error_text(exc))
    return Payload(
        url=url,
        document_key=PurePosixPath(urlsplit(url).path).name or url,
        payload_format=CTGOV_BULK_ARCHIVE,
        http_status=status,
        error=error_text(exc),
    )
