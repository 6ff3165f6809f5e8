"""`parse_page`: body checks, HTML to text, layout detection, layout parser, record shaping.

It never raises: anything a page cannot give is reported as `ok: false` with a reason, so one
odd page cannot fail a dbt model over thousands of pages.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ingest.pages.detect import detect_layout
from ingest.pages.layouts import PARSERS
from ingest.pages.record import build_record
from ingest.pages.text import html_to_text, is_binary, looks_like_html, to_lines

_NCT_PATH_RE = re.compile(r"NCT\d{8}", re.I)


def _fail(reason: str, error: str, layout: str | None = None) -> dict[str, Any]:
    return {"ok": False, "layout": layout, "reason": reason, "error": error}


def nct_from_url(url: str | None) -> str | None:
    """An NCT ID in the URL path (`/trials/NCT06691152`), used only when the page states none."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    m = _NCT_PATH_RE.search(parts.path)
    return m.group(0).upper() if m else None


def parse_page(body: str, url: str | None = None, max_chars: int = 2_000_000) -> dict[str, Any]:
    """Parse one republished trial page (text or HTML) into the page record.

    Returns `{"ok": True, "layout", "record"}` or `{"ok": False, "layout", "reason", "error"}`
    with reason `empty_body`, `binary_body`, `too_large`, `unrecognised_layout` or `parse_error`.

    Record values are the page's raw strings (stripped, bullet glyphs dropped); normalising them
    is the dbt models' job. `phases` holds one element per phase token as written: a value such
    as `Phase 1/Phase 2` is split (`["Phase 1", "Phase 2"]`) when every piece is a phase token on
    its own, otherwise it stays whole (`Phase 1/2`, `N/A`); phases on separate lines keep the
    page's order. `nct_id` comes from the page text, else from an NCT ID in the URL path.
    """
    layout = None
    try:
        if body is None:
            return _fail("empty_body", "no body")
        if isinstance(body, bytes | bytearray):
            body = bytes(body).decode("utf-8", errors="replace")
        if not isinstance(body, str):
            return _fail("parse_error", f"body is {type(body).__name__}, not text")
        if len(body) > max_chars:
            return _fail("too_large", f"body has {len(body)} characters, limit is {max_chars}")
        if not body.strip():
            return _fail("empty_body", "body is empty or whitespace")
        if is_binary(body):
            return _fail("binary_body", "body holds NUL bytes or is mostly non-printable")
        text = html_to_text(body) if looks_like_html(body) else body
        if not text.strip():
            return _fail("empty_body", "HTML body renders to no text")
        lines = to_lines(text)
        layout = detect_layout("\n".join(lines), url)
        if layout is None:
            return _fail("unrecognised_layout", "no known page layout matches this page")
        partial = PARSERS[layout](lines, url)
        if not partial.get("nct_id"):
            partial["nct_id"] = nct_from_url(url)
        return {"ok": True, "layout": layout, "record": build_record(partial)}
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return _fail("parse_error", f"{type(exc).__name__}: {exc}", layout)
