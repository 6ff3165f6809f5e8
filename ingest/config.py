"""Sources files (`sources/*.yml`): what to fetch, validated up front so a typo fails before any download."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import yaml

KINDS = ("pages", "ctgov_bulk", "ctgov_api")
DEFAULT_CTGOV_API = "https://clinicaltrials.gov/api/v2/studies"
MAX_PAGE_SIZE = 1000  # the API coerces anything larger down to this
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

# Names become folder names (`source=<name>`), so keep them to a portable, unambiguous alphabet.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# The API manages these itself; a user value would break pagination or the JSON contract.
_RESERVED_PARAMS = {"format", "pageSize", "pageToken", "countTotal"}

_COMMON_KEYS = {
    "name",
    "kind",
    "rate_limit_per_second",
    "timeout_seconds",
    "max_bytes",
    "user_agent",
    "retries",
    "backoff_factor",
    "max_retry_after_seconds",
}
_KIND_KEYS = {
    "pages": ({"urls"}, set()),
    "ctgov_bulk": ({"path"}, set()),
    "ctgov_api": (set(), {"base_url", "params", "page_size", "max_pages"}),
}


@dataclass(frozen=True)
class Source:
    """One entry of a sources file, with relative paths already resolved to absolute URLs/paths."""

    name: str
    kind: str
    urls: tuple[str, ...] = ()
    path: str | None = None  # ctgov_bulk: absolute folder / zip path, or an http(s) URL of a zip
    base_url: str = DEFAULT_CTGOV_API
    params: Mapping[str, str] = field(default_factory=dict)
    page_size: int = MAX_PAGE_SIZE
    max_pages: int | None = None
    rate_limit_per_second: float = 1.0
    timeout_seconds: float = 30.0
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str | None = None
    retries: int = 3
    backoff_factor: float = 0.5
    max_retry_after_seconds: float = 60.0

    def __post_init__(self) -> None:
        where = f"source {self.name!r}"
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise ValueError(
                f"{where}: name must be 1-100 characters of letters, digits, '.', '_' or '-' "
                "(it becomes a folder name)"
            )
        if self.kind not in KINDS:
            raise ValueError(f"{where}: unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.kind == "pages":
            if not self.urls:
                raise ValueError(f"{where}: kind 'pages' needs a non-empty 'urls' list")
            dupes = sorted(url for url, seen in Counter(self.urls).items() if seen > 1)
            if dupes:
                raise ValueError(f"{where}: duplicate urls {dupes}")
        if self.kind == "ctgov_bulk" and not self.path:
            raise ValueError(f"{where}: kind 'ctgov_bulk' needs 'path'")
        if self.kind == "ctgov_api" and urlsplit(self.base_url).scheme not in ("http", "https"):
            raise ValueError(f"{where}: base_url must be an http(s) URL, got {self.base_url!r}")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"{where}: page_size must be between 1 and {MAX_PAGE_SIZE}")
        if self.max_pages is not None and self.max_pages < 1:
            raise ValueError(f"{where}: max_pages must be a positive integer")
        for key in ("rate_limit_per_second", "timeout_seconds", "max_bytes"):
            if getattr(self, key) <= 0:
                raise ValueError(f"{where}: {key} must be positive")
        for key in ("retries", "backoff_factor", "max_retry_after_seconds"):
            if getattr(self, key) < 0:
                raise ValueError(f"{where}: {key} must not be negative")
        reserved = _RESERVED_PARAMS & set(self.params)
        if reserved:
            raise ValueError(
                f"{where}: params {sorted(reserved)} are set by the fetcher (use page_size for pageSize)"
            )


def load_sources(path: str | Path) -> list[Source]:
    """Parse and validate a sources YAML file; relative paths resolve against the file's folder."""
    path = Path(path).resolve()
    # the C loader when PyYAML has it: a sources file can list thousands of page URLs
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(doc, dict) or not isinstance(doc.get("sources"), list) or not doc["sources"]:
        raise ValueError(f"{path}: expected a mapping with a non-empty 'sources:' list")
    sources = [_parse_source(raw, i, path.parent) for i, raw in enumerate(doc["sources"])]
    seen: set[str] = set()
    for src in sources:
        if src.name in seen:
            raise ValueError(f"{path}: duplicate source name {src.name!r}")
        seen.add(src.name)
    return sources


def _parse_source(raw: Any, index: int, base_dir: Path) -> Source:
    if not isinstance(raw, dict):
        raise ValueError(f"sources[{index}]: expected a mapping, got {type(raw).__name__}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"sources[{index}]: missing required key 'name'")
    where = f"source {name!r}"
    kind = raw.get("kind")
    if kind is None:
        raise ValueError(f"{where}: missing required key 'kind'")
    if kind not in KINDS:
        raise ValueError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    required, optional = _KIND_KEYS[kind]
    missing = sorted(required - set(raw))
    if missing:
        raise ValueError(f"{where}: missing required key(s) {missing} for kind {kind!r}")
    unknown = sorted(set(raw) - _COMMON_KEYS - required - optional)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown} for kind {kind!r}")

    kwargs: dict[str, Any] = {"name": name, "kind": kind}
    for key, conv in (
        ("rate_limit_per_second", float),
        ("timeout_seconds", float),
        ("max_bytes", int),
        ("retries", int),
        ("backoff_factor", float),
        ("max_retry_after_seconds", float),
        ("max_pages", int),
    ):
        if raw.get(key) is not None:
            kwargs[key] = _number(raw[key], conv, where, key)
    if raw.get("user_agent") is not None:
        kwargs["user_agent"] = str(raw["user_agent"])

    if kind == "pages":
        urls = raw["urls"]
        if not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
            raise ValueError(f"{where}: 'urls' must be a list of non-empty strings")
        kwargs["urls"] = tuple(resolve_location(u.strip(), base_dir, where) for u in urls)
    elif kind == "ctgov_bulk":
        if not isinstance(raw["path"], str) or not raw["path"].strip():
            raise ValueError(f"{where}: 'path' must be a non-empty string")
        loc = resolve_location(raw["path"].strip(), base_dir, where)
        kwargs["path"] = loc if not loc.startswith("file:") else url2pathname(urlsplit(loc).path)
    else:
        if raw.get("base_url") is not None:
            kwargs["base_url"] = str(raw["base_url"])
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            raise ValueError(f"{where}: 'params' must be a mapping of query parameters")
        kwargs["params"] = {str(k): _param_value(v) for k, v in params.items()}
        if raw.get("page_size") is not None:
            size = _number(raw["page_size"], int, where, "page_size")
            kwargs["page_size"] = min(size, MAX_PAGE_SIZE)
    return Source(**kwargs)


def resolve_location(loc: str, base_dir: Path, where: str = "source") -> str:
    """http(s) URLs pass through; `file:` URLs and bare paths become absolute `file:///` URLs."""
    parts = urlsplit(loc)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.netloc:
            raise ValueError(f"{where}: URL without a host: {loc!r}")
        return loc
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{where}: file URL with a remote host is not supported: {loc!r}")
        raw_path = url2pathname(parts.path)
    elif len(scheme) > 1:  # one letter would be a Windows drive, which is still a path
        raise ValueError(f"{where}: unsupported URL scheme {scheme!r} in {loc!r}")
    else:
        raw_path = loc
    p = Path(raw_path).expanduser()
    if not p.is_absolute():
        p = base_dir / p
    # normpath, not resolve(): collapse `..` for a stable, readable URL without following symlinks.
    return Path(os.path.normpath(p)).as_uri()


def _number(value: Any, conv: type, where: str, key: str) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be a number, got {value!r}")
    try:
        return conv(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {key} must be a number, got {value!r}") from None


def _param_value(value: Any) -> str:
    # YAML turns `true` into a bool; the API wants the literal lowercase word.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)
