"""What a source generator yields, and helpers shared by the generators."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from ingest.http_client import FetchError, ResponseTooLarge

PAGE = "page"
CTGOV_STUDY = "ctgov_study"
CTGOV_API_PAGE = "ctgov_api_page"
CTGOV_BULK_ARCHIVE = "ctgov_bulk_archive"

_EXT_BY_TYPE = {
    "application/json": "json",
    "text/plain": "txt",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/pdf": "pdf",
}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Payload:
    """One fetched document; `body` is None exactly when `error` says why nothing was fetched."""

    url: str
    document_key: str
    payload_format: str
    http_status: int | None = None
    content_type: str | None = None  # bare media type, e.g. "text/html"
    body: bytes | None = None
    error: str | None = None
    ext: str = "bin"
    fetched_at: datetime = field(default_factory=utc_now)


def media_type(content_type: str | None) -> str | None:
    """`text/html; charset=utf-8` -> `text/html` (the manifest keeps the bare type)."""
    if not content_type:
        return None
    bare = content_type.split(";", 1)[0].strip().lower()
    return bare or None


def ext_for(content_type: str | None, url: str) -> str:
    """File extension for a payload: from the media type, else from the URL's path, else `bin`."""
    mt = media_type(content_type)
    if mt in _EXT_BY_TYPE:
        return _EXT_BY_TYPE[mt]
    if mt and mt.endswith("+json"):
        return "json"
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")
    if suffix.isalnum() and len(suffix) <= 10:
        return {"htm": "html", "text": "txt"}.get(suffix, suffix)
    return "bin"


def guess_content_type(path: str) -> str | None:
    mt, _ = mimetypes.guess_type(path, strict=False)
    return mt


def error_text(exc: BaseException) -> str:
    """`ClassName: message` — stable across reruns, so it can feed `fetch_id`."""
    if isinstance(exc, OSError) and not isinstance(exc, FetchError):
        # OSError's str() can carry errno noise; keep the class, reason and file name.
        reason = exc.strerror or str(exc)
        return f"{type(exc).__name__}: {reason}" + (f": {exc.filename}" if exc.filename else "")
    return f"{type(exc).__name__}: {exc}"


def read_local(path: Path, max_bytes: int) -> bytes:
    """Read a local file, refusing anything over `max_bytes` before reading it."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ResponseTooLarge(f"file size {size} exceeds max_bytes {max_bytes}", url=path.as_uri())
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew between stat and read
        raise ResponseTooLarge(f"file exceeds max_bytes {max_bytes}", url=path.as_uri())
    return data
