"""Field-level helpers shared by the layouts: value shapes and small structured values.

They recognise and cut values but never normalise them: enums, dates and ages stay as the page
writes them, and the dbt staging models map them through seeds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.pages.record import person, site

NCT_RE = re.compile(r"\bNCT\d{8}\b")
STATUS_RE = re.compile(
    r"^(?:not[ _]yet[ _]recruiting|recruiting|enrolling(?:[ _]by[ _]invitation)?"
    r"|active,?[ _]not[ _]recruiting"
    r"|completed|terminated|withdrawn|suspended|unknown(?:[ _]status)?|available|no[ _]longer[ _]available"
    r"|temporarily[ _]not[ _]available|approved[ _]for[ _]marketing|withheld|not[ _]recruiting)$",
    re.I,
)
PHASE_TOKEN_RE = re.compile(
    r"^(?:early[ _]?phase[ _]?(?:1|i)|phase[ _]?(?:[0-4]|iv|i{1,3})[ab]?|n/?a|not[ _]applicable)$", re.I
)
_PHASE_SPLIT_RE = re.compile(r"\s*(?:/|,|\||;|&|\band\b|\+)\s*", re.I)
STUDY_TYPE_RE = re.compile(r"^(?:interventional|observational|expanded[ _]access)\b", re.I)
DATE_RE = re.compile(
    r"^(?:\d{4}-\d{2}(?:-\d{2})?|[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}|[A-Z][a-z]{2,8}\.? \d{4}"
    r"|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4}|\d{1,2}/\d{1,2}/\d{4})$"
)
_ENROLL_RE = re.compile(r"^\s*(\d{1,3}(?:,\d{3})+|\d{1,9})\b")
_QUALIFIER_RE = re.compile(r"\b(estimated|actual|anticipated)\b", re.I)
_ZIP_RE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")
_INSTITUTION_RE = re.compile(
    r"\b(?:hospital|universit|cent(?:er|re)|institut|clinic|school|college|medical|foundation|health"
    r"|research|department|pharma|ltd|inc|llc|gmbh|co\.)",
    re.I,
)
_DEGREE_RE = re.compile(
    r"^(?:md|m\.d\.?|phd|ph\.d\.?|prof\.?|professor|dr\.?|rn|msc|mph|mbbs|do|pharmd|bsc|ms|ma|mba|ba|bs)$",
    re.I,
)
SITE_STATUS_RE = re.compile(r"^Site Status\s*:?\s*(.+)$", re.I)
# Patterns below are written so that no two parts can match the same characters: a long hostile
# line then costs linear time instead of quadratic backtracking.
PHONE_RE = re.compile(r"^\+?[\d(][\d\s()+./-]{5,40}(?:\s*(?:ext\.?|x)\s*\d{1,6})?$", re.I)
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+$")
ARM_TYPES = (
    "Experimental",
    "Active Comparator",
    "Placebo Comparator",
    "Sham Comparator",
    "No Intervention",
    "Other",
)
INTERVENTION_TYPES = (
    "Drug",
    "Biological",
    "Device",
    "Procedure",
    "Procedure/Surgery",
    "Radiation",
    "Behavioral",
    "Genetic",
    "Dietary Supplement",
    "Combination Product",
    "Diagnostic Test",
    "Other",
)
ARM_HEADER_RE = re.compile(r"^(" + "|".join(ARM_TYPES) + r")(?: group| arm)?\s*:\s*(.+)$", re.I)
ARM_TYPE_RE = re.compile(r"^(?:" + "|".join(ARM_TYPES) + r")(?: group| arm)?$", re.I)
INTERVENTION_RE = re.compile(
    r"^(" + "|".join(re.escape(t) for t in INTERVENTION_TYPES) + r")\s*:\s*(.+)$", re.I
)
OFFICIAL_ROLE_RE = re.compile(
    r"^(?:principal investigator|study director|study chair|sub-?investigator|investigator"
    r"|study contact|contact|central contact)$",
    re.I,
)
DESIGN_LABELS = {
    "allocation": "allocation",
    "allocation method": "allocation",
    "intervention model": "intervention_model",
    "interventional model": "intervention_model",
    "primary purpose": "primary_purpose",
    "primary study purpose": "primary_purpose",
    "masking": "masking",
    "blinding strategy": "masking",
    "masking (blinding)": "masking",
}
AGE_RANGE_RE = re.compile(
    r"\d\s*(?:(?:years?|yrs?|months?|weeks?|days?)\s*)?(?:-|–|to\b)\s*\d|\bbetween\s+\d", re.I
)
_AGE_MIN_RE = re.compile(r"\+|older|over\b|above|≥|>=|\bminimum\b|at least|\bfrom\b", re.I)
_AGE_MAX_RE = re.compile(r"up to|younger|under\b|below|≤|<=|\bmaximum\b|at most", re.I)


def find_nct(text: str | None) -> str | None:
    """The first NCT ID in a string, or None."""
    if not text:
        return None
    m = NCT_RE.search(text)
    return m.group(0) if m else None


def is_status(s: str) -> bool:
    return bool(STATUS_RE.match(s.strip()))


def is_date(s: str) -> bool:
    return bool(DATE_RE.match(s.strip()))


def qualifier(text: str | None) -> str | None:
    """`Estimated`/`Actual`/`Anticipated` as written in a label such as `Study Completion (Estimated)`."""
    if not text:
        return None
    m = _QUALIFIER_RE.search(text)
    return m.group(1) if m else None


def split_phases(raw: Sequence[str]) -> list[str]:
    """One element per phase token as written.

    `Phase 1/Phase 2` -> `["Phase 1", "Phase 2"]`; a value is split at `/`, `,`, `|`, `;`, `&`,
    `and` or `+` only when every piece is a phase token by itself, so `Phase 1/2` and `N/A`
    stay whole rather than inventing a second token.
    """
    out: list[str] = []
    for value in raw:
        v = value.strip()
        if not v:
            continue
        pieces = [p for p in _PHASE_SPLIT_RE.split(v) if p]
        if len(pieces) > 1 and all(PHASE_TOKEN_RE.match(p) for p in pieces):
            out.extend(pieces)
        else:
            out.append(v)
    return out


def parse_enrollment(text: str | None) -> tuple[int | None, str | None]:
    """`18 participants` -> (18, None); `18 estimated patients` -> (18, "estimated")."""
    if not text:
        return None, None
    m = _ENROLL_RE.match(text)
    if not m:
        return None, None
    return int(m.group(1).replace(",", "")), qualifier(text)


def split_age(text: str | None) -> tuple[str | None, str | None]:
    """Place one raw age statement in the min and/or max slot (the string is kept whole).

    A range (`18 to 70 years old`) lands in both; `5+ years old` / `18 and older` is a minimum;
    `up to 65 years` is a maximum; a bare age (`5 Years`) is a minimum. Without a digit
    (`Child`, `Adult`) it states no bound at all.
    """
    if not text or len(text) > 200 or not any(ch.isdigit() for ch in text):
        return None, None  # over 200 characters is no age statement
    if AGE_RANGE_RE.search(text):
        return text, text
    if _AGE_MAX_RE.search(text) and not _AGE_MIN_RE.search(text):
        return None, text
    return text, None


def looks_like_place(s: str) -> bool:
    """`City, State, Country[, ZIP]`: 2-5 short comma-separated parts naming no institution."""
    parts = [p.strip() for p in s.split(",")]
    if not 2 <= len(parts) <= 5 or any(not p or len(p) > 40 for p in parts):
        return False
    if any(_DEGREE_RE.match(p) for p in parts[1:]):
        return False
    return not _INSTITUTION_RE.search(s)


def split_name(text: str) -> tuple[str, str | None]:
    """`Xia Gao, MD, Some Hospital` -> (`Xia Gao, MD`, `Some Hospital`): degrees stay with the name."""
    parts = [p.strip() for p in text.split(",")]
    k = 1
    while k < len(parts) and _DEGREE_RE.match(parts[k]):
        k += 1
    return ", ".join(parts[:k]), ", ".join(parts[k:]) or None


def parse_place(s: str | None) -> dict[str, str | None]:
    """Split `City, State, Country` / `City, State, ZIP, Country` / `City, Country, ZIP` into parts.

    The last part that is not a postal code is the country, the first is the city, what is left
    is the state.
    """
    out: dict[str, str | None] = {"city": None, "state": None, "zip": None, "country": None}
    if not s:
        return out
    parts = [p.strip() for p in s.split(",") if p.strip()]
    rest = []
    for p in parts:
        if out["zip"] is None and _ZIP_RE.match(p) and any(ch.isdigit() for ch in p):
            out["zip"] = p
        else:
            rest.append(p)
    if len(rest) == 1:
        out["city"] = rest[0]
    elif rest:
        out["city"], out["country"] = rest[0], rest[-1]
        if len(rest) > 2:
            out["state"] = ", ".join(rest[1:-1])
    return out


def place_site(place: str | None, facility: str | None = None, status: str | None = None) -> dict:
    """A site record from a place line plus what else the page states about it."""
    return site(facility=facility, status=status, **parse_place(place))


def contact_details(lines: Sequence[str]) -> tuple[str | None, str | None, list[str]]:
    """Pick phone and email out of the lines under a person; the rest is returned in order."""
    phone = email = None
    rest = []
    for line in lines:
        if email is None and EMAIL_RE.match(line):
            email = line
        elif phone is None and PHONE_RE.match(line):
            phone = line
        else:
            rest.append(line)
    return phone, email, rest


def people_by_anchor(lines: Sequence[str], anchor: re.Pattern[str]) -> list[dict]:
    """People laid out as `name / <anchor: role> / details...`, as in `Name / Role: X / phone`.

    The line before each anchor is the name; the lines after it up to the next person's name are
    phone, email or affiliation.
    """
    idx = [i for i, line in enumerate(lines) if anchor.match(line)]
    out = []
    for j, i in enumerate(idx):
        if i == 0 or (j and idx[j - 1] == i - 1):
            continue
        end = idx[j + 1] - 1 if j + 1 < len(idx) else len(lines)
        details = list(lines[i + 1 : end])
        phone, email, rest = contact_details(details)
        role = anchor.match(lines[i]).group(1).strip() or None
        out.append(
            person(
                name=lines[i - 1], role=role, affiliation="; ".join(rest) or None, phone=phone, email=email
            )
        )
    return out


def design_from(values: dict[str, list[str]]) -> dict[str, str | None]:
    """The design dict from label values keyed like DESIGN_LABELS' targets."""
    keys = ("allocation", "intervention_model", "primary_purpose", "masking")
    return {k: (values.get(k) or [None])[0] for k in keys}


_ORG_SUFFIX_RE = re.compile(
    r"^(?:ltd\.?|inc\.?|llc|l\.l\.c\.|co\.?|co\., ltd\.?|corp\.?|gmbh|s\.a\.|ag|plc|limited|b\.v\.|n\.v\.)$",
    re.I,
)


def split_orgs(text: str | None) -> list[str]:
    """Organisations listed on one line: split at `;`, or at `,` keeping `Co., Ltd`-style suffixes."""
    if not text:
        return []
    if ";" in text:
        return [p.strip() for p in text.split(";") if p.strip()]
    out: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if out and _ORG_SUFFIX_RE.match(part):
            out[-1] = f"{out[-1]}, {part}"
        else:
            out.append(part)
    return out


def sites_from_values(vals: Sequence[str]) -> list[dict]:
    """`Facility / City, State, Country / [Site Status X]` sequences (facility optional)."""
    out: list[dict] = []
    pending: str | None = None
    for v in vals:
        m = SITE_STATUS_RE.match(v)
        if m or (is_status(v) and out):
            if out and out[-1]["status"] is None:
                out[-1]["status"] = m.group(1).strip() if m else v
            continue
        if looks_like_place(v):
            out.append(place_site(v, facility=pending))
            pending = None
        else:
            if pending is not None:
                out.append(site(facility=pending))
            pending = v
    if pending is not None:
        out.append(site(facility=pending))
    return out
