"""Layout `veeva` (seed 003): ClinicalTrials.Veeva (`Status and phase`, `Conditions`,
`Treatments`, `Enrollment: 18 estimated patients`, `Ages: 5+ years old`, `Trial design`,
`Trial contacts and locations`).

Every field is a heading line followed by its value lines. The sponsor is the line under the
title (after its `<name> logo` image text). The page states no NCT ID unless its Identifiers
list does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.pages import fields as F
from ingest.pages.record import arm, intervention, person
from ingest.pages.text import block_text, join_text, label_values, norm, split_sections, values

HEADINGS = {
    "status and phase": "status_phase",
    "conditions": "conditions",
    "keywords": "keywords",
    "treatments": "treatments",
    "study type": "type",
    "funder types": "funders",
    "identifiers": "identifiers",
    "details and patient eligibility": "details",
    "about": "about",
    "full description": "description",
    "enrollment": "enrollment",
    "sex": "sex",
    "ages": "ages",
    "volunteers": "volunteers",
    "inclusion criteria": "inclusion",
    "exclusion criteria": "exclusion",
    "trial design": "design",
    "trial contacts and locations": "locations",
    "central trial contact": "central_contact",
    "sites": "locations_more",
    "data sourced from clinicaltrials.gov": "footer",
}
_CHROME = frozenset({"clinicaltrials.veeva", "menu", "loading...", "show more", "show less", "see more"})
_GROUPS_LINE_RE = re.compile(r"^\d[\d,]* participants? in \d+ (?:patient )?groups?$", re.I)
_ARM_FIELDS = {"description": "description", "treatment": "treatment", "treatments": "treatment"}


def _head(vals: Sequence[str]) -> tuple[str | None, str | None]:
    """(title, sponsor) from the lines above `Status and phase`."""
    vals = [v for v in vals if norm(v) not in _CHROME]
    logo = next((i for i, v in enumerate(vals) if v.lower().endswith(" logo")), None)
    title = vals[0] if vals and logo != 0 else None
    if logo is None:
        return title, vals[1] if len(vals) > 1 else None
    if logo + 1 < len(vals):
        return title, vals[logo + 1]
    return title, vals[logo][: -len(" logo")].strip() or None


def _one_value(sec: dict[str, list[str]], key: str) -> tuple[str | None, list[str]]:
    """A one-value field (sex, ages, volunteers): its first line, and the lines that follow it."""
    lines = sec.get(key, [])
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, []
    rest = lines[first + 1 :]
    return join_text(lines[first : first + 1]), rest if any(line.strip() for line in rest) else []


def _arms(vals: Sequence[str]) -> list[dict]:
    """`label / <Type> group / Description: / text / Treatment: / Type: name` blocks."""
    type_idx = [i for i, v in enumerate(vals) if F.ARM_TYPE_RE.match(v) and i > 0]
    out = []
    for j, t in enumerate(type_idx):
        end = type_idx[j + 1] - 1 if j + 1 < len(type_idx) else len(vals)
        lab = label_values(vals[t + 1 : end], _ARM_FIELDS)
        names = []
        for v in lab.all("treatment"):
            m = F.INTERVENTION_RE.match(v)
            names.append(m.group(2) if m else v)
        out.append(
            arm(
                label=vals[t - 1],
                type=vals[t],
                description="\n".join(lab.all("description")),
                interventions=names,
            )
        )
    return out


def _sites(vals: Sequence[str]) -> list[dict]:
    """Site list under `Trial contacts and locations` (the count and loading text are skipped)."""
    kept = [v for v in vals if norm(v) not in _CHROME and not v.isdigit()]
    return F.sites_from_values(kept)


def parse(lines: list[str], url: str | None = None) -> dict:
    sec = split_sections(lines, HEADINGS)
    title, sponsor = _head(values(sec["_head"]))
    status_phase = values(sec.get("status_phase", []))
    phases = [v for v in status_phase if F.PHASE_TOKEN_RE.match(v) or v.lower().startswith("phase")]
    status = next((v for v in status_phase if v not in phases), None)
    identifiers = values(sec.get("identifiers", []))
    nct = next((F.find_nct(v) for v in identifiers if F.find_nct(v)), None)
    enrollment, enrollment_type = F.parse_enrollment(join_text(sec.get("enrollment", [])))
    sex, sex_rest = _one_value(sec, "sex")
    ages, ages_rest = _one_value(sec, "ages")
    volunteers, volunteers_rest = _one_value(sec, "volunteers")
    min_age, max_age = F.split_age(ages)

    # Eligibility text under a heading this layout does not know ("Key Inclusion Criteria",
    # "Eligibility criteria:") runs on below the last one-value field: it is criteria, not that value.
    crit_lines: list[str] = [*sex_rest, *ages_rest, *volunteers_rest]
    for key, heading in (("inclusion", "Inclusion criteria"), ("exclusion", "Exclusion criteria")):
        if key in sec:
            crit_lines += [heading, *sec[key]]
    # design labels, then "N participants in K patient groups", then the arms
    design_vals = values(sec.get("design", []))
    cut = next((i for i, v in enumerate(design_vals) if _GROUPS_LINE_RE.search(v)), None)
    arm_vals = design_vals[cut + 1 :] if cut is not None else design_vals
    if cut is None:
        first_type = next((i for i, v in enumerate(design_vals) if F.ARM_TYPE_RE.match(v) and i > 0), None)
        cut = first_type - 1 if first_type is not None else len(design_vals)
        arm_vals = design_vals[cut:]
    design = label_values(design_vals[:cut], F.DESIGN_LABELS)

    treatments = []
    for v in values(sec.get("treatments", [])):
        m = F.INTERVENTION_RE.match(v)
        treatments.append(intervention(type=m.group(1), name=m.group(2)) if m else intervention(name=v))

    contacts = []
    for v in values(sec.get("central_contact", [])):
        for name in (p.strip() for p in v.split(";")):
            if name:
                contacts.append(person(name=name, role="Central trial contact"))

    return {
        "nct_id": nct,
        "other_ids": [v for v in identifiers if not F.find_nct(v)],
        "brief_title": title,
        "lead_sponsor": sponsor,
        "overall_status": status,
        "phases": F.split_phases(phases),
        "conditions": values(sec.get("conditions", [])),
        "keywords": values(sec.get("keywords", [])),
        "interventions": treatments,
        "study_type": join_text(sec.get("type", [])),
        "brief_summary": join_text(sec.get("about", [])),
        "detailed_description": join_text(sec.get("description", [])),
        "enrollment": enrollment,
        "enrollment_type": enrollment_type,
        "sex": sex,
        "min_age": min_age,
        "max_age": max_age,
        "healthy_volunteers": volunteers,
        "eligibility_text": block_text(crit_lines),
        "design": F.design_from(design.values),
        "arms": _arms(arm_vals),
        "sites": _sites(values(sec.get("locations", [])) + values(sec.get("locations_more", []))),
        "contacts": contacts,
    }
