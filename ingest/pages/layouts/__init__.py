"""One module per site layout; each exposes `parse(lines, url) -> dict` (a partial record)."""

from __future__ import annotations

from collections.abc import Callable

from ingest.pages.layouts import clinconnect, ctgov_classic, sourced_summary, study_page, veeva

PARSERS: dict[str, Callable[[list[str], str | None], dict]] = {
    "study_page": study_page.parse,
    "sourced_summary": sourced_summary.parse,
    "ctgov_classic": ctgov_classic.parse,
    "veeva": veeva.parse,
    "clinconnect": clinconnect.parse,
}
