"""Which site layout a page is, from content markers (line-anchored) and the URL host.

Each layout has a handful of markers; the page takes the layout with the most distinct markers,
needing two (a cut-off or label-stripped copy still has several). A known host adds two, but
never alone decides, so an unrelated page served from a known host is still unrecognised.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ingest.pages.text import to_lines

LAYOUTS = ("study_page", "sourced_summary", "ctgov_classic", "veeva", "clinconnect")

_MARKERS: dict[str, tuple[str, ...]] = {
    "study_page": (
        r"^NCT ID:\s*NCT\d{8}",
        r"^Basic Information$",
        r"^Recruitment Status$",
        r"^Clinical Phase$",
        r"^Study Classification$",
        r"^Total Enrollment$",
        r"^Study Groups$",
        r"^Blinding Strategy$",
        r"^Group Type [A-Z_]+$",
        r"^Site Status [A-Z_]+$",
        r"^More Related Trials$",
        r"^Accepts Healthy Volunteers$",
    ),
    "sourced_summary": (
        r"^This content was sourced from clinicaltrials\.gov",
        r"^Participation Requirements$",
        r"^Study Phase:",
        r"^SUMMARY$",
        r"^Target number of participants:",
        r"^Leads:",
        r"^Healthy Volunteers:",
        r"^Intervention Type:",
        r"^(?:Estimated |Actual )?(?:Primary )?Completion Date:",
    ),
    "ctgov_classic": (
        r"^Study Overview$",
        r"^Participation Criteria$",
        r"^Enrollment \((?:Estimated|Actual|Anticipated)\)$",
        r"^Contacts and Locations$",
        r"^Study Plan$",
        r"^Arms and Interventions$",
        r"^Study record dates$",
        "~retrieved directly from the website clinicaltrials.gov",
        r"^Ages Eligible for Study$",
        r"^Design Details$",
        r"^(?:Primary|Secondary) Outcome Measures$",
    ),
    "veeva": (
        r"^ClinicalTrials\.Veeva",
        r"^Status and phase$",
        r"^Trial contacts and locations$",
        r"^Details and patient eligibility$",
        "~veeva systems",
        r"^Funder types$",
        r"^Trial design$",
        r"^Central trial contact$",
        r"^\d[\d,]* (?:estimated|actual) patients$",
    ),
    "clinconnect": (
        r"^Launched by .+ · ",
        r"^ClinConnect Summary$",
        r"^Current as of ",
        r"^Trial Officials$",
        r"^Trial Information$",
        r"^Patients applied$",
        "~clinconnect",
    ),
}


_HOSTS = {"veeva": "veeva", "clinconnect": "clinconnect", "ichgcp": "ctgov_classic"}

# All markers but the "~" ones are line-anchored and run as one regex whose single anchor fails
# fast away from line starts; "~" markers are plain lower-case substrings.
_COMBINED = re.compile(
    r"^[ \t]*(?:"
    + "|".join(
        f"(?P<{layout}__{i}>{rx[1:]})"
        for layout, rxs in _MARKERS.items()
        for i, rx in enumerate(rxs)
        if not rx.startswith("~")
    )
    + ")",
    re.M | re.I,
)
_SUBSTRINGS = tuple(
    (layout, f"{layout}__{i}", rx[1:])
    for layout, rxs in _MARKERS.items()
    for i, rx in enumerate(rxs)
    if rx.startswith("~")
)


def _host_layout(url: str | None) -> str | None:
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return next((layout for part, layout in _HOSTS.items() if part in host), None)


def layout_scores(text: str) -> dict[str, int]:
    """Distinct markers found per layout (one regex pass over the text)."""
    found: dict[str, set[str]] = {layout: set() for layout in LAYOUTS}
    text = text[:500_000]
    for m in _COMBINED.finditer(text):
        name = m.lastgroup or ""
        found[name.split("__", 1)[0]].add(name)
    lowered = text.lower()
    for layout, name, needle in _SUBSTRINGS:
        if needle in lowered:
            found[layout].add(name)
    return {layout: len(names) for layout, names in found.items()}


def detect_layout(text: str, url: str | None = None) -> str | None:
    """The layout name of a page's text (see LAYOUTS), or None when no layout fits."""
    if not text:
        return None
    scores = layout_scores("\n".join(to_lines(text[:500_000])))
    hinted = _host_layout(url)
    best, best_score = None, 0
    for layout in LAYOUTS:
        score = scores[layout]
        if score == 0:
            continue
        if layout == hinted:
            score += 2
        if score > best_score:
            best, best_score = layout, score
    return best if best_score >= 2 else None
