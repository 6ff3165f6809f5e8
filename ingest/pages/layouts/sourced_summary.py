"""Layout `sourced_summary` (seed 001): `Status: ...` header lines, `SUMMARY`, `Participation
Requirements`, `Locations`, `Time Frame`, `Participants`, `Treatments`, `Sponsors`, ending
"This content was sourced from clinicaltrials.gov".

Locations are a flat run: a country line, then per site `facility / STATUS / city`, optionally
followed by `Contact Information / <role> / name / email / phone`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.pages import fields as F
from ingest.pages.record import arm, intervention, person
from ingest.pages.text import block_text, clean, join_text, label_values, norm, split_sections, values

HEADINGS = {
    "summary": "summary",
    "eligibility": "eligibility",
    "participation requirements": "requirements",
    "locations": "locations",
    "time frame": "timeframe",
    "participants": "participants",
    "treatments": "treatments",
    "sponsors": "sponsors",
    "conditions": "conditions",
    "keywords": "keywords",
    "this content was sourced from clinicaltrials.gov": "footer",
}
_HEAD_LABELS = {
    "status": "status",
    "location": "location",
    "intervention type": "intervention_type",
    "study type": "type",
    "study phase": "phase",
    "phase": "phase",
    "nct id": "nct",
    "conditions": "conditions",
}
_REQ_LABELS = {
    "sex": "sex",
    "gender": "sex",
    "minimum age": "min_age",
    "maximum age": "max_age",
    "healthy volunteers": "healthy",
    "accepts healthy volunteers": "healthy",
}
_DATE_RE = re.compile(
    r"^(?:(?P<q>estimated|actual|anticipated)\s+)?"
    r"(?P<what>start|primary completion|completion|study completion)\s+date\s*:\s*(?P<v>.+)$",
    re.I,
)
_PARTICIPANTS_RE = re.compile(r"number of participants\s*:\s*(.+)$", re.I)
_SPONSOR_RE = re.compile(r"^(leads?|lead sponsor|collaborators?)\s*:\s*(.+)$", re.I)
_LOCATION_SKIP = frozenset({"other locations", "main location", "main locations", "other location"})
_CONTACT_ROLE_RE = re.compile(r"^(?:primary|backup|secondary|contact|principal investigator)$", re.I)


def _locations(vals: Sequence[str]) -> tuple[list[dict], list[dict]]:
    """Sites and their contacts from the flat `Locations` run."""
    sites: list[dict] = []
    contacts: list[dict] = []
    country: str | None = None
    i, n = 0, len(vals)
    while i < n:
        v = vals[i]
        low = norm(v)
        if low in _LOCATION_SKIP:
            i += 1
        elif low == "contact information":
            i += 1
            while i < n and _CONTACT_ROLE_RE.match(vals[i]):
                role = vals[i]
                i += 1
                name = None
                if i < n and not F.EMAIL_RE.match(vals[i]) and not F.PHONE_RE.match(vals[i]):
                    name = vals[i]
                    i += 1
                details = []
                while i < n and (F.EMAIL_RE.match(vals[i]) or F.PHONE_RE.match(vals[i])):
                    details.append(vals[i])
                    i += 1
                phone, email, _ = F.contact_details(details)
                facility = sites[-1]["facility"] if sites else None
                contacts.append(person(name=name, role=role, affiliation=facility, phone=phone, email=email))
        elif i + 1 < n and F.is_status(vals[i + 1]) and not F.is_status(v):
            city = vals[i + 2] if i + 2 < n and norm(vals[i + 2]) != "contact information" else None
            place = F.parse_place(city) if city and "," in city else {"city": city}
            site_country = place.get("country") or country
            sites.append(
                {
                    "facility": v,
                    "status": vals[i + 1],
                    "city": place.get("city"),
                    "state": place.get("state"),
                    "zip": place.get("zip"),
                    "country": site_country,
                }
            )
            i += 3 if city else 2
        else:
            country = v
            i += 1
    return sites, contacts


def _arms(vals: Sequence[str]) -> list[dict]:
    out: list[dict] = []
    for v in vals:
        m = F.ARM_HEADER_RE.match(v)
        if m:
            out.append({"type": m.group(1), "label": m.group(2), "description": []})
        elif out:
            out[-1]["description"].append(v)
        else:
            out.append({"type": None, "label": v, "description": []})
    return [arm(label=a["label"], type=a["type"], description="\n".join(a["description"])) for a in out]


def parse(lines: list[str], url: str | None = None) -> dict:
    sec = split_sections(lines, HEADINGS)
    head = label_values(sec["_head"], _HEAD_LABELS)
    req_lines = sec.get("eligibility", []) + sec.get("requirements", [])
    view = next((i for i, line in enumerate(req_lines) if norm(clean(line)) == "view"), None)
    if view is None:  # no "View:" line: criteria start after the last requirement label
        labelled = [i for i, line in enumerate(req_lines) if norm(clean(line).split(":")[0]) in _REQ_LABELS]
        view = labelled[-1] if labelled else -1
    req = label_values(req_lines[:view] if view >= 0 else [], _REQ_LABELS)

    timeframe: dict[str, str] = {}
    completion_type = None
    for v in values(sec.get("timeframe", [])):
        m = _DATE_RE.match(v)
        if m:
            what = m.group("what").lower().replace("study ", "")
            timeframe.setdefault(what, m.group("v").strip())
            if what == "completion" and m.group("q"):
                completion_type = m.group("q")

    enrollment = None
    for v in values(sec.get("participants", [])):
        m = _PARTICIPANTS_RE.search(v)
        if m:
            enrollment, _ = F.parse_enrollment(m.group(1))
            break

    lead, collaborators = None, []
    for v in values(sec.get("sponsors", [])):
        m = _SPONSOR_RE.match(v)
        if not m:
            continue
        orgs = F.split_orgs(m.group(2)) if m.group(1).lower().startswith("collab") else [m.group(2).strip()]
        if m.group(1).lower().startswith("lead") and lead is None:
            lead = orgs[0]
        else:
            collaborators.extend(orgs)

    sites, contacts = _locations(values(sec.get("locations", [])))
    kinds = F.split_orgs(head.first("intervention_type"))
    conditions = values(sec.get("conditions", [])) or F.split_orgs(head.first("conditions"))
    return {
        "nct_id": F.find_nct(head.first("nct")),
        "brief_title": head.free[0] if head.free else None,
        "overall_status": head.first("status"),
        "study_type": head.first("type"),
        "phases": F.split_phases(head.all("phase")),
        "brief_summary": join_text(sec.get("summary", [])),
        "sex": req.first("sex"),
        "min_age": req.first("min_age"),
        "max_age": req.first("max_age"),
        "healthy_volunteers": req.first("healthy"),
        "eligibility_text": block_text(req_lines[view + 1 :]),
        "sites": sites,
        "contacts": contacts,
        "start_date": timeframe.get("start"),
        "primary_completion_date": timeframe.get("primary completion"),
        "completion_date": timeframe.get("completion"),
        "completion_date_type": completion_type,
        "enrollment": enrollment,
        "arms": _arms(values(sec.get("treatments", []))),
        "interventions": [intervention(type=k) for k in kinds],
        "lead_sponsor": lead,
        "collaborators": collaborators,
        "conditions": conditions,
        "keywords": values(sec.get("keywords", [])),
    }
