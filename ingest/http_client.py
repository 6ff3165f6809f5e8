"""Polite, bounded HTTP GETs: retries with backoff, per-host rate limit, size cap, bounded Retry-After.

Every failure surfaces as a `FetchError` with a deterministic message (no object reprs, no ports in
addresses of temporary objects), because the message feeds the manifest's `fetch_id`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

DEFAULT_USER_AGENT = "trialwh/0.1 (+clinical-trial registry warehouse)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A GET that produced no usable body; `status` is the final HTTP status when there was one."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class FetchTimeout(FetchError):
    """Connect or read timed out (after retries), or the whole download outlasted its deadline."""


class ResponseTooLarge(FetchError):
    """Declared or streamed body exceeded `max_bytes`; nothing is kept."""


@dataclass(frozen=True)
class HttpResult:
    status: int
    content_type: str | None  # the raw Content-Type header, charset included
    body: bytes
    final_url: str


class HostRateLimiter:
    """At most `rate` request starts per second per host, shared safely across threads.

    Each caller reserves the next free slot under the lock and sleeps outside it, so one slow
    host never blocks callers bound for another.
    """

    def __init__(
        self,
        rate_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        self.interval = 1.0 / rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> float:
        """Block until `host` may be hit again; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return max(delay, 0.0)


class _BoundedRetry(Retry):
    """Retry that ignores malformed Retry-After headers instead of failing the request."""

    def get_retry_after(self, response):  # type: ignore[no-untyped-def]
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            return None
        return None if seconds is None else min(seconds, self.retry_after_max)


def make_session(
    *,
    retries: int = 3,
    backoff_factor: float = 0.5,
    max_retry_after_seconds: float = 60.0,
    user_agent: str | None = None,
) -> requests.Session:
    """A Session that retries GETs on connection errors, timeouts and 429/5xx, honouring Retry-After."""
    retry = _BoundedRetry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        backoff_factor=backoff_factor,
        backoff_max=max(max_retry_after_seconds, backoff_factor),
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        retry_after_max=max_retry_after_seconds,  # type: ignore[arg-type]
        raise_on_status=False,  # hand back the last response so the error carries its real status
        raise_on_redirect=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent or DEFAULT_USER_AGENT
    return session


class HttpClient:
    """Session + timeout + size cap + per-host rate limit; use one per source (or share the limiter)."""

    def __init__(
        self,
        *,
        timeout_seconds: float = 30.0,
        max_bytes: int = 50 * 1024 * 1024,
        rate_limit_per_second: float = 1.0,
        retries: int = 3,
        backoff_factor: float = 0.5,
        max_retry_after_seconds: float = 60.0,
        user_agent: str | None = None,
        max_download_seconds: float | None = None,
        rate_limiter: HostRateLimiter | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.max_bytes = max_bytes
        # A per-read timeout alone lets a server drip one byte at a time forever; bound the whole body.
        self.max_download_seconds = max_download_seconds or max(10 * timeout_seconds, 60.0)
        self.rate_limiter = rate_limiter or HostRateLimiter(rate_limit_per_second)
        self.session = session or make_session(
            retries=retries,
            backoff_factor=backoff_factor,
            max_retry_after_seconds=max_retry_after_seconds,
            user_agent=user_agent,
        )

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def get(self, url: str) -> HttpResult:
        """GET `url` fully into memory, or raise FetchError / FetchTimeout / ResponseTooLarge."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"unsupported URL scheme {parts.scheme!r}", url=url)
        self.rate_limiter.wait(parts.netloc.lower())
        try:
            resp = self.session.get(url, timeout=self.timeout_seconds, stream=True)
        except requests.RequestException as exc:
            raise _translate(exc, url, self.timeout_seconds) from exc
        with resp:
            if not 200 <= resp.status_code < 300:
                raise FetchError(f"HTTP {resp.status_code}", url=url, status=resp.status_code)
            declared = resp.headers.get("Content-Length")
            if declared and declared.strip().isdigit() and int(declared) > self.max_bytes:
                raise ResponseTooLarge(
                    f"Content-Length {int(declared)} exceeds max_bytes {self.max_bytes}",
                    url=url,
                    status=resp.status_code,
                )
            body = self._read_body(resp, url)
            return HttpResult(
                status=resp.status_code,
                content_type=resp.headers.get("Content-Type"),
                body=body,
                final_url=resp.url,
            )

    def _read_body(self, resp: requests.Response, url: str) -> bytes:
        # Count decoded bytes, not wire bytes: a small gzip body can inflate past the cap.
        deadline = time.monotonic() + self.max_download_seconds
        buf = bytearray()
        try:
            for chunk in resp.iter_content(_CHUNK):
                buf += chunk
                if len(buf) > self.max_bytes:
                    raise ResponseTooLarge(
                        f"body exceeds max_bytes {self.max_bytes}", url=url, status=resp.status_code
                    )
                if time.monotonic() > deadline:
                    raise FetchTimeout(
                        f"download exceeded {self.max_download_seconds:g}s", url=url, status=resp.status_code
                    )
        except requests.RequestException as exc:
            raise _translate(exc, url, self.timeout_seconds, status=resp.status_code) from exc
        return bytes(buf)


def _translate(
    exc: requests.RequestException, url: str, timeout: float, status: int | None = None
) -> FetchError:
    """Map requests/urllib3 exceptions to stable messages (theirs embed object addresses)."""
    if _is_timeout(exc):
        return FetchTimeout(f"timed out after {timeout:g}s (retries exhausted)", url=url, status=status)
    if isinstance(exc, requests.exceptions.SSLError):
        return FetchError("TLS error", url=url, status=status)
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return FetchError("too many redirects", url=url, status=status)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError):
        return FetchError("response body broken off or undecodable", url=url, status=status)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return FetchError("connection failed (retries exhausted)", url=url, status=status)
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return FetchError("invalid URL", url=url, status=status)
    return FetchError(f"request failed: {type(exc).__name__}", url=url, status=status)


def _is_timeout(exc: BaseException) -> bool:
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        cur = stack.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, NewConnectionError):  # subclasses ConnectTimeoutError, but is a refusal
            continue
        if isinstance(cur, requests.exceptions.Timeout | Urllib3Timeout | TimeoutError):
            return True
        if isinstance(cur, MaxRetryError):
            stack.append(cur.reason)
        stack.extend(a for a in cur.args if isinstance(a, BaseException))
        stack.append(cur.__cause__)
        stack.append(cur.__context__)
    return False
