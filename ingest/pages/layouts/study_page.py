"""Layout `study_page` (seed 000): `NCT ID:` header, `Basic Information`, `Study Groups`, ...

Each section opens with a site-written blurb ("Review the sponsor-provided synopsis ...") that
is dropped. Values sit on the line after their label; some copies show the Basic Information
values bare, in the fixed order status, phase, enrollment, study type, start, completion, so
unlabelled values there are assigned to the first remaining slot whose shape they fit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ingest.pages import fields as F
from ingest.pages.record import arm, intervention, reference
from ingest.pages.text import block_text, clean, join_text, label_values, norm, split_sections, values

HEADINGS = {
    "study results": "results",
    "basic information": "basic",
    "brief summary": "summary",
    "detailed description": "description",
    "conditions": "conditions",
    "keywords": "keywords",
    "study design": "design",
    "study groups": "groups",
    "interventions": "interventions",
    "eligibility criteria": "eligibility",
    "sponsors": "sponsors",
    "responsible party": "responsible",
    "principal investigators": "officials",
    "locations": "locations",
    "countries": "countries",
    "central contacts": "contacts",
    "facility contacts": "facility_contacts",
    "references": "references",
    "other identifiers": "other_ids",
    "more related trials": "related",
}
_BLURBS = frozenset(
    norm(s)
    for s in (
        "Get a concise snapshot of the trial, including recruitment status, study phase, enrollment "
        "targets, and key timeline milestones.",
        "Review the sponsor-provided synopsis that highlights what the study is about and why it is "
        "being conducted.",
        "Dive into the extended narrative that explains the scientific background, objectives, and "
        "procedures in greater depth.",
        "See the medical conditions and disease areas that this research is targeting or investigating.",
        "Understand how the trial is structured, including allocation methods, masking strategies, "
        "primary purpose, and other design elements.",
        "Review each arm or cohort in the study, along with the interventions and objectives associated "
        "with them.",
        "Learn about the drugs, procedures, or behavioral strategies being tested and how they are "
        "applied within this trial.",
        "Check the participation requirements, including inclusion and exclusion rules, age limits, and "
        "whether healthy volunteers are accepted.",
        "Meet the organizations funding or collaborating on the study and learn about their roles.",
        "Identify the individual or organization who holds primary responsibility for the study "
        "information submitted to regulators.",
        "Learn about the lead researchers overseeing the trial and their institutional affiliations.",
        "Explore where the study is taking place and check the recruitment status at each participating "
        "site.",
        "Review the countries where the study has at least one active or historical site.",
        "Reach out to these primary contacts for questions about participation or study logistics.",
        "Find local site contact details for specific facilities participating in the trial.",
        "Explore related publications, articles, or registry entries linked to this study.",
        "Review additional registry numbers or institutional identifiers associated with this trial.",
        "Additional clinical trials that may be relevant based on similarity analysis.",
    )
)
_BLURB_RE = re.compile(
    r"^(?:get a|review (?:the|each|additional)|dive into|see the|understand how|learn about|check the"
    r"|meet the|identify the|explore (?:where|related)|reach out|find local|additional clinical trials)\b"
    r".{0,200}\.$",
    re.I,
)
_HEAD_LABELS = {
    "nct id": "nct",
    "last updated": "updated",
    "official title": "official",
    "acronym": "acronym",
}
_BASIC_LABELS = {
    "recruitment status": "status",
    "overall status": "status",
    "clinical phase": "phase",
    "phase": "phase",
    "phases": "phase",
    "total enrollment": "enrollment",
    "enrollment": "enrollment",
    "study classification": "type",
    "study type": "type",
    "study start date": "start",
    "start date": "start",
    "primary completion date": "primary_completion",
    "study completion date": "completion",
    "completion date": "completion",
}
_BASIC_PATTERNS = (
    (
        re.compile(r"^(?:estimated|actual|anticipated) (?:study )?primary completion date$"),
        "primary_completion",
    ),
    (re.compile(r"^(?:estimated|actual|anticipated) (?:study )?completion date$"), "completion"),
    (re.compile(r"^(?:study )?completion date \((?:estimated|actual|anticipated)\)$"), "completion"),
    (re.compile(r"^(?:estimated|actual|anticipated) (?:study )?start date$"), "start"),
)
_ELIG_LABELS = {
    "minimum eligible age": "min_age",
    "minimum age": "min_age",
    "maximum eligible age": "max_age",
    "maximum age": "max_age",
    "eligible sex": "sex",
    "sex": "sex",
    "accepts healthy volunteers": "healthy",
    "healthy volunteers": "healthy",
}
_ENROLL_SHAPE = re.compile(r"^\d[\d,]*(?:\s+[A-Za-z()]+){0,3}$")
_PHASE_SHAPE = re.compile(r"^(?:(?:early[ _]?)?phase|n/?a$|not applicable$)", re.I)
_BARE_SLOTS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("status", F.is_status),
    ("phase", lambda v: bool(_PHASE_SHAPE.match(v))),
    ("enrollment", lambda v: bool(_ENROLL_SHAPE.match(v))),
    ("type", lambda v: bool(F.STUDY_TYPE_RE.match(v))),
    ("start", F.is_date),
    ("completion", F.is_date),
)
_GROUP_TYPE_RE = re.compile(r"^Group Type\s*:?\s*(.+)$", re.I)
_INTERVENTION_TYPE_RE = re.compile(r"^Intervention Type\s*:?\s*(.+)$", re.I)
_SPONSOR_ROLE_RE = re.compile(r"^Sponsor Role\s*:?\s*(.+)$", re.I)
_ROLE_RE = re.compile(r"^Role\s*:\s*(.+)$", re.I)
_REF_TYPE_RE = re.compile(r"^Reference Type\b", re.I)
_PMID_RE = re.compile(r"^PMID\s*:?\s*(\d+)", re.I)


def _is_blurb(s: str) -> bool:
    return norm(s) in _BLURBS or bool(_BLURB_RE.match(s))


def _body(lines: Sequence[str] | None) -> list[str]:
    """A section's raw lines without its leading blurb."""
    lines = list(lines or ())
    for i, line in enumerate(lines):
        if line.strip():
            return lines[:i] + lines[i + 1 :] if _is_blurb(clean(line)) else lines
    return lines


def _basic(lines: Sequence[str]) -> dict:
    lab = label_values(_body(lines), _BASIC_LABELS, _BASIC_PATTERNS)
    pos = 0
    for v in lab.free:  # bare values, in the fixed order of the labelled layout
        for j in range(pos, len(_BARE_SLOTS)):
            name, fits = _BARE_SLOTS[j]
            if fits(v) and (name == "phase" or not lab.values.get(name)):
                lab.values.setdefault(name, []).append(v)
                pos = j if name == "phase" else j + 1
                break
    enrollment, enrollment_type = F.parse_enrollment(lab.first("enrollment"))
    return {
        "overall_status": lab.first("status"),
        "phases": F.split_phases(lab.all("phase")),
        "enrollment": enrollment,
        "enrollment_type": enrollment_type,
        "study_type": lab.first("type"),
        "start_date": lab.first("start"),
        "primary_completion_date": lab.first("primary_completion"),
        "completion_date": lab.first("completion"),
        "completion_date_type": F.qualifier(lab.label.get("completion")),
    }


def _interventions(vals: list[str]) -> list[dict]:
    """`name / description... / Intervention Type X` blocks."""
    out, start = [], 0
    for i, v in enumerate(vals):
        m = _INTERVENTION_TYPE_RE.match(v)
        if m:
            block = vals[start:i]
            if block:
                out.append(intervention(type=m.group(1), name=block[0], description="\n".join(block[1:])))
            start = i + 1
    return out


def _looks_like_label(s: str) -> bool:
    return len(s) <= 100 and not s.endswith(".")


def _groups(vals: list[str]) -> tuple[list[dict], list[dict]]:
    """Arms laid out as `label / [description] / Group Type X`, then `name / Intervention Type Y /
    [description]` per intervention. Returns (arms, interventions)."""
    g_idx = [i for i, v in enumerate(vals) if _GROUP_TYPE_RE.match(v)]
    arms: list[dict] = []
    ints: list[dict] = []
    start = 0
    for k, g in enumerate(g_idx):
        header = vals[start:g]
        nxt = g_idx[k + 1] if k + 1 < len(g_idx) else None
        region = vals[g + 1 : nxt if nxt is not None else len(vals)]
        t_idx = [i for i, v in enumerate(region) if _INTERVENTION_TYPE_RE.match(v) and i > 0]
        names = []
        tail_start = len(region) if not t_idx else t_idx[-1] + 1
        for j, t in enumerate(t_idx):
            desc_end = t_idx[j + 1] - 1 if j + 1 < len(t_idx) else None
            desc = region[t + 1 : desc_end] if desc_end is not None else []
            names.append(region[t - 1])
            ints.append(
                intervention(
                    type=_INTERVENTION_TYPE_RE.match(region[t]).group(1),
                    name=region[t - 1],
                    description="\n".join(desc),
                )
            )
        tail = region[tail_start:] if t_idx else []
        if nxt is None:
            next_header_len = 0
        elif not t_idx:
            next_header_len = len(region)
        elif len(tail) >= 2 and _looks_like_label(tail[-2]) and not _looks_like_label(tail[-1]):
            next_header_len = 2
        else:
            next_header_len = min(1, len(tail))
        if t_idx:
            cut = len(tail) - next_header_len
            if tail[:cut]:
                ints[-1]["description"] = "\n".join(tail[:cut])
        arms.append(
            arm(
                label=header[0] if header else None,
                type=_GROUP_TYPE_RE.match(vals[g]).group(1),
                description="\n".join(header[1:]),
                interventions=names,
            )
        )
        start = g + 1 + len(region) - next_header_len
    return arms, ints


def _sponsors(vals: list[str]) -> tuple[str | None, list[str]]:
    lead, collaborators, start = None, [], 0
    anchors = [i for i, v in enumerate(vals) if _SPONSOR_ROLE_RE.match(v)]
    for i in anchors:
        block = vals[start:i]
        start = i + 1
        if not block:
            continue
        role = _SPONSOR_ROLE_RE.match(vals[i]).group(1).lower()
        if role.startswith("lead") and lead is None:
            lead = block[0]
        else:
            collaborators.append(block[0])
    if not anchors and vals:
        lead = vals[0]
    return lead, collaborators


def _references(vals: list[str]) -> list[dict]:
    out: list[dict] = []
    text: list[str] = []
    for v in vals:
        m = _PMID_RE.match(v)
        if m:
            if text:
                out.append(reference(citation=" ".join(text)))
                text = []
            if out and out[-1]["pmid"] is None:
                out[-1]["pmid"] = m.group(1)
            else:
                out.append(reference(pmid=m.group(1)))
        elif _REF_TYPE_RE.match(v):
            if text:
                out.append(reference(citation=" ".join(text)))
                text = []
        else:
            text.append(v)
    if text:
        out.append(reference(citation=" ".join(text)))
    return out


def parse(lines: list[str], url: str | None = None) -> dict:
    sec = split_sections(lines, HEADINGS)
    head = label_values(sec["_head"], _HEAD_LABELS)
    nct = F.find_nct(head.first("nct"))
    rec: dict = {
        "nct_id": nct,
        "brief_title": head.free[0] if head.free else None,
        "official_title": head.first("official"),
        "acronym": head.first("acronym"),
        "last_update_date": head.first("updated"),
        "brief_summary": join_text(_body(sec.get("summary"))),
        "detailed_description": join_text(_body(sec.get("description"))),
        "conditions": values(_body(sec.get("conditions"))),
        "keywords": values(_body(sec.get("keywords"))),
        "design": F.design_from(label_values(_body(sec.get("design")), F.DESIGN_LABELS).values),
    }
    rec.update(_basic(sec.get("basic", [])))

    interventions = _interventions(values(_body(sec.get("interventions"))))
    arms, group_ints = _groups(values(_body(sec.get("groups"))))
    rec["arms"] = arms
    rec["interventions"] = interventions or group_ints

    elig = _body(sec.get("eligibility"))
    cut = next(
        (i for i, line in enumerate(elig) if line.strip() and norm(clean(line)) in _ELIG_LABELS), len(elig)
    )
    rec["eligibility_text"] = block_text(elig[:cut])
    lab = label_values(elig[cut:], _ELIG_LABELS)
    rec.update(
        min_age=lab.first("min_age"),
        max_age=lab.first("max_age"),
        sex=lab.first("sex"),
        healthy_volunteers=lab.first("healthy"),
    )

    rec["lead_sponsor"], rec["collaborators"] = _sponsors(values(_body(sec.get("sponsors"))))
    rec["officials"] = F.people_by_anchor(values(_body(sec.get("officials"))), _ROLE_RE)
    rec["contacts"] = F.people_by_anchor(values(_body(sec.get("contacts"))), _ROLE_RE) + F.people_by_anchor(
        values(_body(sec.get("facility_contacts"))), _ROLE_RE
    )
    rec["sites"] = F.sites_from_values(values(_body(sec.get("locations"))))
    rec["references"] = _references(values(_body(sec.get("references"))))
    rec["other_ids"] = [
        v for v in values(_body(sec.get("other_ids"))) if not v.lower().startswith("identifier ")
    ]
    related = F.NCT_RE.findall("\n".join(sec.get("related", [])))
    rec["related_nct_ids"] = [n for n in dict.fromkeys(related) if n != nct]
    return rec
