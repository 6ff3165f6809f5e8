"""Layout `ctgov_classic` (seed 002): a copy of the ClinicalTrials.gov study page (`Study
Overview`, `Contacts and Locations`, `Participation Criteria`, `Study Plan`, `Study record
dates`), ending "This information was retrieved directly from the website clinicaltrials.gov".

The titles and summary come first without labels; Study Locations are a bullet tree whose
indentation says which lines belong to which site.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.pages import fields as F
from ingest.pages.record import arm, intervention, outcome, person
from ingest.pages.text import block_text, clean, join_text, label_values, norm, split_sections, values

HEADINGS = {
    "study overview": "overview",
    "brief summary": "summary",
    "detailed description": "description",
    "official title": "official",
    "conditions": "conditions",
    "keywords": "keywords",
    "contacts and locations": "contacts_locations",
    "study contact": "study_contact",
    "study locations": "locations",
    "participation criteria": "participation",
    "study plan": "plan",
    "design details": "design",
    "arms and interventions": "arms",
    "what is the study measuring?": "measuring",
    "primary outcome measures": "primary",
    "secondary outcome measures": "secondary",
    "other outcome measures": "other",
    "collaborators and investigators": "people",
    "study record dates": "dates",
    "more information": "more",
}
_OVERVIEW_LABELS = {
    "study type": "type",
    "phase": "phase",
    "phases": "phase",
    "overall status": "status",
    "recruitment status": "status",
    "study status": "status",
    "nct number": "nct",
    "clinicaltrials.gov id": "nct",
    "nct id": "nct",
    "other study id numbers": "other_ids",
    "acronym": "acronym",
}
_ENROLL_PATTERN = ((re.compile(r"^enrollment(?: \((?:estimated|actual|anticipated)\))?$"), "enrollment"),)
_PARTICIPATION_LABELS = {
    "ages eligible for study": "ages",
    "ages eligible": "ages",
    "minimum age": "min_age",
    "maximum age": "max_age",
    "sexes eligible for study": "sex",
    "sex": "sex",
    "sexes eligible": "sex",
    "accepts healthy volunteers": "healthy",
}
_DATE_PATTERNS = tuple(
    (re.compile(rx), key)
    for rx, key in (
        (r"^study start(?: date)?(?: \((?:estimated|actual|anticipated)\))?$", "start_date"),
        (
            r"^primary completion(?: date)?(?: \((?:estimated|actual|anticipated)\))?$",
            "primary_completion_date",
        ),
        (r"^study completion(?: date)?(?: \((?:estimated|actual|anticipated)\))?$", "completion_date"),
        (r"^first submitted$", "first_submitted_date"),
        (r"^first posted(?: \((?:estimated|actual)\))?$", "first_posted_date"),
        (r"^last update posted(?: \((?:estimated|actual)\))?$", "last_update_date"),
        (r"^(?:first submitted|last update submitted) that met qc criteria$", "_skip"),
        (r"^last verified$", "_skip"),
        (r"^study (?:major|registration) dates$", "_skip"),
        (r"^study record updates$", "_skip"),
    )
)
_PEOPLE_LABELS = {
    "sponsor": "sponsor",
    "lead sponsor": "sponsor",
    "collaborators": "collaborators",
    "investigators": "investigators",
}
_SITE_ROLE_RE = re.compile(
    r"^(contact|principal investigator|sub-?investigator|investigator|study director|backup contact)"
    r"\s*:\s*(.*)$",
    re.I,
)
_INVESTIGATOR_RE = re.compile(r"^([A-Za-z -]{3,40})\s*:\s*(.+)$")
_TABLE_HEADERS = frozenset(
    {
        "participant group / arm",
        "intervention / treatment",
        "outcome measure",
        "measure description",
        "time frame",
    }
)
_TIME_FRAME_RE = re.compile(r"^Time Frame\s*:\s*(.+)$", re.I)
_PHONE_LABEL_RE = re.compile(r"^(phone(?: number)?|email)\s*:\s*(.+)$", re.I)


def _preamble(vals: list[str]) -> dict:
    """Titles and summary: brief title first, then an official title when the next paragraph reads
    like one (no closing full stop), then the summary paragraphs."""
    nct = None
    texts = []
    for v in vals:
        found = F.find_nct(v)
        if found and len(v) <= len(found) + 30:
            nct = nct or found
        else:
            texts.append(v)
    out: dict = {"nct_id": nct}
    if texts:
        out["brief_title"] = texts.pop(0)
    if texts and len(texts[0]) <= 400 and not texts[0].endswith("."):
        out["official_title"] = texts.pop(0)
    if texts:
        out["brief_summary"] = "\n".join(texts)
    return out


def _locations(raw: Sequence[str]) -> tuple[list[dict], list[dict]]:
    """Sites from the Study Locations bullet tree: place line, then status, facility and people."""
    entries = [(len(line) - len(line.lstrip(" ")), clean(line)) for line in raw if line.strip()]
    indented = len({ind for ind, _ in entries}) > 1
    sites: list[dict] = []
    contacts: list[dict] = []
    cur: dict | None = None
    cur_ind = 0
    mode: str | None = None
    for ind, v in entries:
        inside = cur is not None and (ind > cur_ind or not indented)
        if not inside and F.looks_like_place(v):
            cur, cur_ind, mode = F.place_site(v), ind, None
            sites.append(cur)
            continue
        if not inside:
            continue  # a state / country group heading
        m = _SITE_ROLE_RE.match(v)
        if m:
            mode = m.group(1)
            if m.group(2).strip():
                contacts.append(person(name=m.group(2), role=mode, affiliation=cur["facility"]))
            continue
        if F.is_status(v) and cur["status"] is None and mode is None:
            cur["status"] = v
        elif mode is None and cur["facility"] is None:
            cur["facility"] = v
        elif mode is not None:
            if contacts and (F.EMAIL_RE.match(v) or F.PHONE_RE.match(v)):
                key = "email" if F.EMAIL_RE.match(v) else "phone"
                if contacts[-1][key] is None:
                    contacts[-1][key] = v
                    continue
            contacts.append(person(name=v, role=mode, affiliation=cur["facility"]))
    return sites, contacts


def _study_contacts(vals: Sequence[str]) -> list[dict]:
    out: list[dict] = []
    for v in vals:
        m = _PHONE_LABEL_RE.match(v)
        if m and out:
            key = "email" if m.group(1).lower() == "email" else "phone"
            out[-1][key] = out[-1][key] or m.group(2).strip()
        elif not m:
            out.append(person(name=v))
    return out


def _arms(vals: Sequence[str]) -> tuple[list[dict], list[dict]]:
    """`Type: label / description / Intervention: name / description` rows of the arms table.

    Intervention lines without a `Type: name` line (some copies drop it) become interventions
    with a description only.
    """
    arms: list[dict] = []
    ints: list[dict] = []
    cur_int: dict | None = None
    for v in vals:
        if norm(v) in _TABLE_HEADERS:
            continue
        am = F.ARM_HEADER_RE.match(v)
        im = F.INTERVENTION_RE.match(v)
        if am and (not im or not arms or arms[-1]["interventions"] or am.group(1).lower() != "other"):
            arms.append({"label": am.group(2), "type": am.group(1), "description": None, "interventions": []})
            cur_int = None
        elif im and arms:
            cur_int = intervention(type=im.group(1), name=im.group(2))
            ints.append(cur_int)
            arms[-1]["interventions"].append(im.group(2))
        elif cur_int is not None:
            cur_int["description"] = f"{cur_int['description']}\n{v}" if cur_int["description"] else v
        elif arms and arms[-1]["description"] is None:
            arms[-1]["description"] = v
        elif arms:
            cur_int = intervention(description=v)
            ints.append(cur_int)
            cur_int = None
    return [arm(**a) for a in arms], ints


def _outcomes(vals: Sequence[str], kind: str) -> list[dict]:
    """`measure / Time Frame: X / description... / X` rows."""
    vals = [v for v in vals if norm(v) not in _TABLE_HEADERS]
    anchors = [i for i, v in enumerate(vals) if _TIME_FRAME_RE.match(v) and i > 0]
    out = []
    for j, t in enumerate(anchors):
        frame = _TIME_FRAME_RE.match(vals[t]).group(1).strip()
        end = anchors[j + 1] - 1 if j + 1 < len(anchors) else len(vals)
        desc = vals[t + 1 : end]
        if frame in desc:
            desc = desc[: desc.index(frame)]
        out.append(outcome(kind=kind, measure=vals[t - 1], time_frame=frame, description="\n".join(desc)))
    return out


def _investigators(vals: Sequence[str]) -> list[dict]:
    out = []
    for v in vals:
        m = _INVESTIGATOR_RE.match(v)
        role, rest = (m.group(1), m.group(2)) if m else (None, v)
        name, affiliation = F.split_name(rest)
        out.append(person(name=name, role=role, affiliation=affiliation))
    return out


def parse(lines: list[str], url: str | None = None) -> dict:
    sec = split_sections(lines, HEADINGS)
    rec: dict = _preamble(values(sec["_head"]))
    over = label_values(sec.get("overview", []), _OVERVIEW_LABELS, _ENROLL_PATTERN)
    enrollment, enrollment_type = F.parse_enrollment(over.first("enrollment"))
    rec.update(
        nct_id=rec.get("nct_id") or F.find_nct(over.first("nct")),
        study_type=over.first("type"),
        phases=F.split_phases(over.all("phase")),
        overall_status=over.first("status"),
        acronym=over.first("acronym"),
        other_ids=over.all("other_ids"),
        enrollment=enrollment,
        enrollment_type=enrollment_type or F.qualifier(over.label.get("enrollment")),
    )
    if sec.get("summary"):
        rec["brief_summary"] = join_text(sec["summary"])
    if sec.get("official"):
        rec["official_title"] = join_text(sec["official"])
    rec["detailed_description"] = join_text(sec.get("description", []))
    rec["conditions"] = values(sec.get("conditions", []))
    rec["keywords"] = values(sec.get("keywords", []))

    rec["sites"], site_contacts = _locations(sec.get("locations", []))
    rec["contacts"] = _study_contacts(values(sec.get("study_contact", []))) + site_contacts

    part = sec.get("participation", [])
    start = next((i for i, line in enumerate(part) if norm(clean(line)) == "description"), None)
    if start is None:
        start = next(
            (
                i - 1
                for i, line in enumerate(part)
                if re.match(r"(?i)^(inclusion|exclusion) criteria", clean(line))
            ),
            len(part),
        )
    lab = label_values(part[: max(start, 0)], _PARTICIPATION_LABELS)
    rec["eligibility_text"] = block_text(part[start + 1 :])
    ages = next((a for a in lab.all("ages") if any(ch.isdigit() for ch in a)), None)
    min_age, max_age = F.split_age(ages)
    rec.update(
        min_age=lab.first("min_age") or min_age,
        max_age=lab.first("max_age") or max_age,
        sex=lab.first("sex"),
        healthy_volunteers=lab.first("healthy"),
    )

    rec["design"] = F.design_from(label_values(sec.get("design", []), F.DESIGN_LABELS).values)
    rec["arms"], rec["interventions"] = _arms(values(sec.get("arms", [])))
    rec["outcomes"] = [
        o for kind in ("primary", "secondary", "other") for o in _outcomes(values(sec.get(kind, [])), kind)
    ]

    dates = label_values(sec.get("dates", []), {}, _DATE_PATTERNS)
    for key in (
        "start_date",
        "primary_completion_date",
        "completion_date",
        "first_submitted_date",
        "first_posted_date",
        "last_update_date",
    ):
        rec[key] = dates.first(key)
    rec["completion_date_type"] = F.qualifier(dates.label.get("completion_date"))

    people = label_values(sec.get("people", []), _PEOPLE_LABELS)
    rec["lead_sponsor"] = people.first("sponsor")
    rec["collaborators"] = people.all("collaborators")
    rec["officials"] = _investigators(people.all("investigators"))
    return rec
