"""Layout `clinconnect` (seed 004): ClinConnect (`Launched by <SPONSOR> · <date>`, `Current as of`,
`ClinConnect Summary`, `Eligibility criteria` with `- •` bullets, `Trial Officials`, `Timeline`).

Some copies start `Search / Trial NCT…` above the title; that line is the page's NCT ID. The
launch date is the first-submitted date. The Timeline lists labels whose dates may be missing
(`Not reported`), so a value is taken only when it reads as a date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.pages import fields as F
from ingest.pages.record import person
from ingest.pages.text import block_text, join_text, norm, split_sections, values

HEADINGS = {
    "trial information": "info",
    "keywords": "keywords",
    "conditions": "conditions",
    "clinconnect summary": "summary",
    "brief summary": "summary",
    "gender": "sex",
    "sex": "sex",
    "age": "ages",
    "ages": "ages",
    "healthy volunteers": "healthy",
    "accepts healthy volunteers": "healthy",
    "eligibility criteria": "eligibility",
    "contacts": "contacts",
    "locations": "locations",
    "trial officials": "officials",
    "timeline": "timeline",
    "similar trials": "similar",
}
_PATTERNS = ((re.compile(r"^about .+"), "about"),)
_TRIAL_NCT_RE = re.compile(r"^Trial\s+(NCT\d{8})\b")
_LAUNCHED_RE = re.compile(r"^Launched by (?P<sponsor>.+?)\s*[·•|]\s*(?P<date>.+)$")
_CURRENT_RE = re.compile(r"^Current as of\s+(.+)$", re.I)
_TIMELINE = {
    "first submit": "first_submitted_date",
    "first submitted": "first_submitted_date",
    "trial launched": "start_date",
    "trial updated": "last_update_date",
    "last updated": "last_update_date",
    "estimated completion": "completion_date",
    "actual completion": "completion_date",
    "completion": "completion_date",
}
_SITE_CHROME = frozenset({"patients applied", "show more", "show less", "see all locations"})


def _head(vals: Sequence[str]) -> dict:
    out: dict = {}
    for v in vals:
        m = _TRIAL_NCT_RE.match(v)
        if m and "nct_id" not in out:
            out["nct_id"] = m.group(1)
            continue
        if norm(v) == "search" and "brief_title" not in out:
            continue
        m = _LAUNCHED_RE.match(v)
        if m:
            out["lead_sponsor"] = m.group("sponsor")
            out["first_submitted_date"] = m.group("date")
        elif "brief_title" not in out:
            out["brief_title"] = v
    return out


def _officials(vals: Sequence[str]) -> list[dict]:
    """`name / role / affiliation` triples anchored on the role line."""
    idx = [i for i, v in enumerate(vals) if F.OFFICIAL_ROLE_RE.match(v) and i > 0]
    out = []
    for j, i in enumerate(idx):
        end = idx[j + 1] - 1 if j + 1 < len(idx) else len(vals)
        phone, email, rest = F.contact_details(vals[i + 1 : end])
        out.append(
            person(
                name=vals[i - 1], role=vals[i], affiliation="; ".join(rest) or None, phone=phone, email=email
            )
        )
    return out


def _contacts(vals: Sequence[str]) -> list[dict]:
    """A name line, then phone / email / affiliation lines until the next name."""
    out: list[dict] = []
    for v in vals:
        if out and (F.EMAIL_RE.match(v) or F.PHONE_RE.match(v)):
            key = "email" if F.EMAIL_RE.match(v) else "phone"
            out[-1][key] = out[-1][key] or v
        elif out and out[-1]["affiliation"] is None and out[-1]["phone"] is None and out[-1]["email"] is None:
            out[-1]["affiliation"] = v
        else:
            out.append(person(name=v))
    return out


def _timeline(vals: Sequence[str]) -> tuple[dict, str | None]:
    """Dates under their Timeline labels; labels without a date line state nothing."""
    out: dict = {}
    completion_type = None
    for i, v in enumerate(vals):
        key = _TIMELINE.get(norm(v))
        if key is None or i + 1 >= len(vals) or not F.is_date(vals[i + 1]):
            continue
        out.setdefault(key, vals[i + 1])
        if key == "completion_date":
            completion_type = F.qualifier(v)
    return out, completion_type


def parse(lines: list[str], url: str | None = None) -> dict:
    sec = split_sections(lines, HEADINGS, _PATTERNS)
    rec = _head(values(sec["_head"]))
    info = values(sec.get("info", []))
    for v in info:
        m = _CURRENT_RE.match(v)
        if m:
            rec["current_as_of"] = m.group(1)
        elif F.is_status(v) and "overall_status" not in rec:
            rec["overall_status"] = v
        elif F.PHASE_TOKEN_RE.match(v) or v.lower().startswith(("phase", "early phase")):
            rec.setdefault("phases", []).append(v)
        elif F.STUDY_TYPE_RE.match(v) and "study_type" not in rec:
            rec["study_type"] = v
    rec["phases"] = F.split_phases(rec.get("phases", []))
    ages = join_text(sec.get("ages", []))
    min_age, max_age = F.split_age(ages)
    timeline, completion_type = _timeline(values(sec.get("timeline", [])))
    if "first_submitted_date" in timeline:
        rec["first_submitted_date"] = timeline.pop("first_submitted_date")
    sites = [v for v in values(sec.get("locations", [])) if norm(v) not in _SITE_CHROME and not v.isdigit()]
    rec.update(
        timeline,
        completion_date_type=completion_type,
        keywords=values(sec.get("keywords", [])),
        conditions=values(sec.get("conditions", [])),
        brief_summary=join_text(sec.get("summary", [])),
        sex=join_text(sec.get("sex", [])),
        min_age=min_age,
        max_age=max_age,
        healthy_volunteers=join_text(sec.get("healthy", [])),
        eligibility_text=block_text(sec.get("eligibility", [])),
        contacts=_contacts(values(sec.get("contacts", []))),
        officials=_officials(values(sec.get("officials", []))),
        sites=F.sites_from_values(sites),
    )
    return rec
