"""Render a generated study as a republished page in each of the five site layouts.

Each renderer follows one of the real pages in `sample_data/pages/` (000 study_page, 001
sourced_summary, 002 ctgov_classic, 003 veeva, 004 clinconnect): the same section headings, site
blurbs, label spellings, value formats and bullet glyphs, filled from the study. The corpus
generator checks every rendered page with `ingest.pages.parse_page` (ok, and the right layout).
"""

from __future__ import annotations

import random
import re
from datetime import date

LAYOUTS = ("study_page", "sourced_summary", "ctgov_classic", "veeva", "clinconnect")

_STATUS_WORDS = {
    "RECRUITING": "Recruiting",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "COMPLETED": "Completed",
    "TERMINATED": "Terminated",
    "SUSPENDED": "Suspended",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status",
}
_VEEVA_STATUS = {
    "RECRUITING": "Enrolling",
    "NOT_YET_RECRUITING": "Not yet enrolling",
    "ACTIVE_NOT_RECRUITING": "Active, not enrolling",
}
_PHASE_WORDS = {
    "NA": "N/A",
    "EARLY_PHASE1": "Early Phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
}
_CLASSIC_PHASE = dict(_PHASE_WORDS, NA="Not Applicable")
_TITLE_WORDS = {
    "INTERVENTIONAL": "Interventional",
    "OBSERVATIONAL": "Observational",
    "EXPANDED_ACCESS": "Expanded Access",
}
_ENUM_WORDS = {
    "NA": "N/A",
    "RANDOMIZED": "Randomized",
    "NON_RANDOMIZED": "Non-Randomized",
    "SINGLE_GROUP": "Single Group Assignment",
    "PARALLEL": "Parallel Assignment",
    "CROSSOVER": "Crossover Assignment",
    "FACTORIAL": "Factorial Assignment",
    "SEQUENTIAL": "Sequential Assignment",
    "NONE": "None (Open Label)",
    "SINGLE": "Single",
    "DOUBLE": "Double",
    "TRIPLE": "Triple",
    "QUADRUPLE": "Quadruple",
}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ARM_WORDS = {
    "EXPERIMENTAL": "Experimental",
    "ACTIVE_COMPARATOR": "Active Comparator",
    "PLACEBO_COMPARATOR": "Placebo Comparator",
    "SHAM_COMPARATOR": "Sham Comparator",
    "NO_INTERVENTION": "No Intervention",
    "OTHER": "Other",
}
_MAX_SITES = 40  # sites list their first locations; long lists are cut like the sites do ("See all")
_BULLET_RE = re.compile(r"^(\s*)(?:\*|\d{1,2}\.|[a-h]\.)\s+")


def _words(value: str | None, table: dict | None = None) -> str:
    if value is None:
        return ""
    if table and value in table:
        return table[value]
    return value.replace("_", " ").capitalize()


def _long_date(iso: str | None, short: bool = False) -> str | None:
    """`2024-10-30` -> `October 30, 2024` (`Oct 30, 2024` when short); `2024-10` -> `October 2024`."""
    if not iso:
        return None
    parts = iso.split("-")
    month = _MONTHS[int(parts[1]) - 1] if len(parts) > 1 else None
    if short and month:
        month = month[:3]
    if len(parts) == 3:
        return f"{month} {int(parts[2])}, {parts[0]}"
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return parts[0]


def _fields(study: dict) -> dict:
    ps = study["protocolSection"]
    ident = ps["identificationModule"]
    status = ps.get("statusModule", {})
    design = ps.get("designModule", {})
    elig = ps.get("eligibilityModule", {})
    arms = ps.get("armsInterventionsModule", {})
    cl = ps.get("contactsLocationsModule", {})
    sponsor = ps.get("sponsorCollaboratorsModule", {})

    def d(key):
        return (status.get(key) or {}).get("date")

    def dt(key):
        return (status.get(key) or {}).get("type")

    return {
        "nct": ident["nctId"],
        "title": ident["briefTitle"],
        "official": ident.get("officialTitle"),
        "org_id": ident.get("orgStudyIdInfo", {}).get("id"),
        "status": status.get("overallStatus"),
        "phases": design.get("phases", []),
        "type": design.get("studyType"),
        "enrollment": (design.get("enrollmentInfo") or {}).get("count"),
        "enrollment_type": (design.get("enrollmentInfo") or {}).get("type"),
        "design": design.get("designInfo", {}),
        "start": d("startDateStruct"),
        "start_type": dt("startDateStruct"),
        "primary": d("primaryCompletionDateStruct"),
        "primary_type": dt("primaryCompletionDateStruct"),
        "completion": d("completionDateStruct"),
        "completion_type": dt("completionDateStruct"),
        "submitted": status.get("studyFirstSubmitDate"),
        "posted": d("studyFirstPostDateStruct"),
        "updated": d("lastUpdatePostDateStruct"),
        "summary": ps.get("descriptionModule", {}).get("briefSummary", ""),
        "description": ps.get("descriptionModule", {}).get("detailedDescription"),
        "conditions": ps.get("conditionsModule", {}).get("conditions", []),
        "keywords": ps.get("conditionsModule", {}).get("keywords", []),
        "arms": arms.get("armGroups", []),
        "interventions": arms.get("interventions", []),
        "criteria": elig.get("eligibilityCriteria", ""),
        "min_age": elig.get("minimumAge"),
        "max_age": elig.get("maximumAge"),
        "sex": elig.get("sex"),
        "healthy": elig.get("healthyVolunteers"),
        "std_ages": elig.get("stdAges", []),
        "sites": cl.get("locations", [])[:_MAX_SITES],
        "contacts": cl.get("centralContacts", []),
        "officials": cl.get("overallOfficials", []),
        "lead": sponsor.get("leadSponsor", {}).get("name"),
        "lead_class": sponsor.get("leadSponsor", {}).get("class"),
        "outcomes": ps.get("outcomesModule", {}),
    }


def _criteria_lines(text: str, glyph: str | None = None, indent: str = "", prefix: str = "") -> list[str]:
    """Eligibility text as a site prints it: bullets kept or swapped for the site's glyph."""
    out = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        if glyph is not None:
            m = _BULLET_RE.match(line)
            if m:
                depth = len(m.group(1)) // 2
                rest = line[m.end() :]
                mark = line[m.start(0) + len(m.group(1)) : m.end()].strip()
                line = f"{glyph if depth == 0 else '◦'} {mark + ' ' if mark[0].isdigit() else ''}{rest}"
                line = "  " * depth + line
        out.append(f"{prefix}{indent}{line}")
    return out


def _age_words(f: dict) -> str | None:
    lo = f["min_age"].split()[0] if f["min_age"] and f["min_age"].endswith("Years") else None
    hi = f["max_age"].split()[0] if f["max_age"] and f["max_age"].endswith("Years") else None
    if lo and hi:
        return f"{lo} to {hi} years old"
    if lo:
        return f"{lo}+ years old"
    return None


# ---------------------------------------------------------------------------- 000 study_page


def study_page(study: dict, rng: random.Random) -> str:
    f = _fields(study)
    out = [f["title"], "", f"NCT ID: {f['nct']}", "", f"Last Updated: {f['updated']}", ""]
    out += [
        "Study Results",
        "",
        "Results pending",
        "",
        "The study team has not published outcome measurements, participant flow, or safety data for "
        "this trial yet. Check back later for updates.",
        "",
    ]
    out += [
        "Basic Information",
        "",
        "Get a concise snapshot of the trial, including recruitment status, study phase, enrollment "
        "targets, and key timeline milestones.",
        "",
    ]
    out += ["Recruitment Status", "", f["status"], ""]
    if f["phases"]:
        out += ["Clinical Phase", "", *f["phases"], ""]
    if f["enrollment"] is not None:
        out += ["Total Enrollment", "", f"{f['enrollment']} participants", ""]
    out += ["Study Classification", "", f["type"], ""]
    if f["start"]:
        out += ["Study Start Date", "", f["start"], ""]
    if f["primary"]:
        out += ["Primary Completion Date", "", f["primary"], ""]
    if f["completion"]:
        out += ["Study Completion Date", "", f["completion"], ""]
    out += [
        "Brief Summary",
        "",
        "Review the sponsor-provided synopsis that highlights what the study is about and why it is "
        "being conducted.",
        "",
        f["summary"],
        "",
    ]
    if f["description"]:
        out += [
            "Detailed Description",
            "",
            "Dive into the extended narrative that explains the scientific background, objectives, and "
            "procedures in greater depth.",
            "",
            f["description"],
            "",
        ]
    out += [
        "Conditions",
        "",
        "See the medical conditions and disease areas that this research is targeting or investigating.",
        "",
        *f["conditions"],
        "",
    ]
    design = f["design"]
    if design.get("allocation"):
        out += [
            "Study Design",
            "",
            "Understand how the trial is structured, including allocation methods, "
            "masking strategies, primary purpose, and other design elements.",
            "",
            "Allocation Method",
            "",
            design["allocation"],
            "",
            "Intervention Model",
            "",
            design.get("interventionModel", ""),
            "",
            "Primary Study Purpose",
            "",
            design.get("primaryPurpose", ""),
            "",
            "Blinding Strategy",
            "",
            design.get("maskingInfo", {}).get("masking", ""),
            "",
        ]
    if f["arms"]:
        out += [
            "Study Groups",
            "",
            "Review each arm or cohort in the study, along with the interventions and "
            "objectives associated with them.",
            "",
        ]
        for a in f["arms"]:
            out += [a["label"], ""]
            if a.get("description"):
                out += [a["description"], ""]
            if a.get("type"):
                out += [f"Group Type {a['type']}", ""]
            for name in a.get("interventionNames", []):
                out += [name.split(": ", 1)[-1], ""]
    if f["interventions"]:
        out += [
            "Interventions",
            "",
            "Learn about the drugs, procedures, or behavioral strategies being tested "
            "and how they are applied within this trial.",
            "",
        ]
        for i in f["interventions"]:
            out += [i["name"], "", i.get("description", ""), "", f"Intervention Type {i['type']}", ""]
    out += [
        "Eligibility Criteria",
        "",
        "Check the participation requirements, including inclusion and "
        "exclusion rules, age limits, and whether healthy volunteers are accepted.",
        "",
    ]
    out += _criteria_lines(f["criteria"])
    if f["min_age"]:
        out += ["Minimum Eligible Age", "", f["min_age"], ""]
    if f["max_age"]:
        out += ["Maximum Eligible Age", "", f["max_age"], ""]
    out += ["Eligible Sex", "", f["sex"], ""]
    if f["healthy"] is not None:
        out += ["Accepts Healthy Volunteers", "", "Yes" if f["healthy"] else "No", ""]
    out += [
        "Sponsors",
        "",
        "Meet the organizations funding or collaborating on the study and learn about their roles.",
        "",
        f["lead"],
        "",
        f["lead_class"],
        "",
        "Sponsor Role lead",
        "",
    ]
    if f["sites"]:
        out += [
            "Locations",
            "",
            "Explore where the study is taking place and check the recruitment status at "
            "each participating site.",
            "",
        ]
        for s in f["sites"]:
            if s.get("facility"):
                out += [s["facility"], ""]
            out += [", ".join(p for p in (s.get("city"), s.get("state"), s.get("country")) if p), ""]
            if s.get("status"):
                out += [f"Site Status {s['status']}", ""]
        countries = sorted({s["country"] for s in f["sites"]})
        out += [
            "Countries",
            "",
            "Review the countries where the study has at least one active or historical site.",
            "",
            *countries,
            "",
        ]
    if f["org_id"]:
        out += [
            "Other Identifiers",
            "",
            "Review additional registry numbers or institutional identifiers associated with this trial.",
            "",
            f["org_id"],
            "",
            "Identifier Type: -",
            "",
            "Identifier Source: org_study_id",
            "",
        ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- 001 sourced_summary


def sourced_summary(study: dict, rng: random.Random) -> str:
    f = _fields(study)
    out = [f["official"] or f["title"], ""]
    out.append(f"Status: {_words(f['status'], _STATUS_WORDS)}")
    out.append("Location: See location...")
    if f["interventions"]:
        out.append(f"Intervention Type: {', '.join(sorted({_words(i['type']) for i in f['interventions']}))}")
    out.append(f"Study Type: {_words(f['type'], _TITLE_WORDS)}")
    if f["phases"]:
        out.append(f"Study Phase: {'/'.join(_PHASE_WORDS[p] for p in f['phases'])}")
    out += ["SUMMARY", "", f["summary"], ""]
    out += ["Eligibility", "Participation Requirements", f"Sex: {_words(f['sex'])}"]
    if f["min_age"]:
        out.append(
            f"Minimum Age: {f['min_age'].split()[0] if f['min_age'].endswith('Years') else f['min_age']}"
        )
    if f["max_age"]:
        out.append(f"Maximum Age: {f['max_age'].split()[0]}")
    if f["healthy"] is not None:
        out.append(f"Healthy Volunteers: {'t' if f['healthy'] else 'f'}")
    out += ["View:", ""]
    for line in _criteria_lines(f["criteria"], glyph="•"):
        out += [line.strip(), ""]
    if f["sites"]:
        out += ["Locations"]
        by_country: dict[str, list[dict]] = {}
        for s in f["sites"]:
            by_country.setdefault(s["country"], []).append(s)
        for k, (country, sites) in enumerate(by_country.items()):
            out.append("Main Location" if k == 0 else "Other Locations")
            out.append(country)
            for s in sites:
                out += [
                    s.get("facility") or s["city"],
                    _words(s.get("status")).upper() if s.get("status") else "RECRUITING",
                    s["city"],
                ]
    out += ["Time Frame"]
    if f["start"]:
        out.append(f"Start Date: {f['start']}")
    if f["completion"]:
        qualifier = "Estimated " if f["completion_type"] == "ESTIMATED" else ""
        out.append(f"{qualifier}Completion Date: {f['completion']}")
    if f["enrollment"] is not None:
        out += ["Participants", f"Target number of participants: {f['enrollment']}"]
    if f["arms"]:
        out.append("Treatments")
        for a in f["arms"]:
            out.append(f"{_words(a.get('type'), _ARM_WORDS) or 'Other'}: {a['label']}")
            if a.get("description"):
                out.append(a["description"])
    out += ["Sponsors", f"Leads: {f['lead']}", "", "This content was sourced from clinicaltrials.gov"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- 002 ctgov_classic


def ctgov_classic(study: dict, rng: random.Random) -> str:
    f = _fields(study)
    out = [f["title"], ""]
    if f["official"]:
        out += [f["official"], ""]
    out += [f["summary"], "", "Study Overview", ""]
    out += ["Study Type", "", _words(f["type"], _TITLE_WORDS), ""]
    if f["enrollment"] is not None:
        qual = (f["enrollment_type"] or "Estimated").capitalize()
        out += [f"Enrollment ({qual})", "", str(f["enrollment"]), ""]
    if f["phases"]:
        out += ["Phase", "", *[f"  • {_CLASSIC_PHASE[p]}" for p in f["phases"]], ""]
    if f["description"]:
        out += ["Detailed Description", "", f["description"], ""]
    out += ["Conditions", "", *[f"  • {c}" for c in f["conditions"]], ""]
    out += [
        "Contacts and Locations",
        "",
        "This section provides the contact details for those conducting the "
        "study, and information on where this study is being conducted.",
        "",
    ]
    if f["sites"]:
        out += ["Study Locations", ""]
        for s in f["sites"]:
            place = ", ".join(p for p in (s.get("city"), s.get("state"), s.get("country"), s.get("zip")) if p)
            out.append(f"      • {place}")
            if s.get("status"):
                out.append(f"        • {_words(s['status'], _STATUS_WORDS)}")
            if s.get("facility"):
                out.append(f"        • {s['facility']}")
        out.append("")
    out += [
        "Participation Criteria",
        "",
        "Researchers look for people who fit a certain description, called "
        "eligibility criteria. Some examples of these criteria are a person's general health condition or "
        "prior treatments.",
        "",
        "Eligibility Criteria",
        "",
    ]
    if f["std_ages"]:
        out += ["Ages Eligible for Study", "", *[f"  • {_words(a)}" for a in f["std_ages"]], ""]
    if f["healthy"] is not None:
        out += ["Accepts Healthy Volunteers", "", "Yes" if f["healthy"] else "No", ""]
    out += ["Sexes Eligible for Study", "", _words(f["sex"]), ""]
    out += ["Description", ""]
    out += _criteria_lines(f["criteria"], indent="  ")
    out += [""]
    design = f["design"]
    out += [
        "Study Plan",
        "",
        "This section provides details of the study plan, including how the study is "
        "designed and what the study is measuring.",
        "",
        "How is the study designed?",
        "",
    ]
    if design.get("allocation"):
        out += [
            "Design Details",
            "",
            f"  • Primary Purpose: {_words(design.get('primaryPurpose'))}",
            f"  • Allocation: {_words(design['allocation'], _ENUM_WORDS)}",
            f"  • Interventional Model: {_words(design.get('interventionModel'), _ENUM_WORDS)}",
            f"  • Masking: {_words(design.get('maskingInfo', {}).get('masking'), _ENUM_WORDS)}",
            "",
        ]
    if f["arms"]:
        out += ["Arms and Interventions", "", "Participant Group / Arm", "Intervention / Treatment"]
        for a in f["arms"]:
            out.append(f"{_words(a.get('type'), _ARM_WORDS) or 'Other'}: {a['label']}")
            if a.get("description"):
                out.append(a["description"])
        out.append("")
    primary = f["outcomes"].get("primaryOutcomes", [])
    if primary:
        out += [
            "What is the study measuring?",
            "",
            "Primary Outcome Measures",
            "",
            "Outcome Measure",
            "Measure Description",
            "Time Frame",
        ]
        for o in primary:
            out += [o["measure"], f"Time Frame: {o['timeFrame']}"]
            if o.get("description"):
                out.append(o["description"])
            out.append(o["timeFrame"])
        out.append("")
    out += ["Study record dates", "", "Study Major Dates", ""]

    def qual(t):
        return "Actual" if t == "ACTUAL" else "Estimated"

    if f["start"]:
        out += [f"Study Start ({qual(f['start_type'])})", "", _long_date(f["start"]), ""]
    if f["primary"]:
        out += [f"Primary Completion ({qual(f['primary_type'])})", "", _long_date(f["primary"]), ""]
    if f["completion"]:
        out += [f"Study Completion ({qual(f['completion_type'])})", "", _long_date(f["completion"]), ""]
    out += [
        "Study Registration Dates",
        "",
        "First Submitted",
        "",
        _long_date(f["submitted"]),
        "",
        "First Posted (Actual)",
        "",
        _long_date(f["posted"]),
        "",
        "Study Record Updates",
        "",
        "Last Update Posted (Actual)",
        "",
        _long_date(f["updated"]),
        "",
    ]
    out += [
        "This information was retrieved directly from the website clinicaltrials.gov without any changes.",
        "",
        "Subscribe",
    ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- 003 veeva


def veeva(study: dict, rng: random.Random) -> str:
    f = _fields(study)
    out = ["ClinicalTrials.Veeva", "", "Menu", "", f["title"], "", f"{f['lead']} logo", "", f["lead"], ""]
    out += ["Status and phase", "", _words(f["status"], {**_STATUS_WORDS, **_VEEVA_STATUS})]
    out += [_PHASE_WORDS[p] for p in f["phases"]]
    out += ["", "Conditions", "", *f["conditions"], ""]
    if f["interventions"]:
        out += ["Treatments", "", *[f"{_words(i['type'])}: {i['name']}" for i in f["interventions"]], ""]
    out += ["Study type", "", _words(f["type"], _TITLE_WORDS), ""]
    out += [
        "Funder types",
        "",
        _words(f["lead_class"]),
        "",
        "Identifiers",
        "",
        "Details and patient eligibility",
        "",
        "About",
        "",
        f["summary"],
        "",
    ]
    if f["description"]:
        out += ["Full description", "", f["description"], ""]
    if f["enrollment"] is not None:
        out += [
            "Enrollment",
            "",
            f"{f['enrollment']:,} {(f['enrollment_type'] or 'estimated').lower()} patients",
            "",
        ]
    out += ["Sex", "", _words(f["sex"]), ""]
    ages = _age_words(f)
    if ages:
        out += ["Ages", "", ages, ""]
    if f["healthy"] is not None:
        out += [
            "Volunteers",
            "",
            "Accepts Healthy Volunteers" if f["healthy"] else "No Healthy Volunteers",
            "",
        ]
    text = f["criteria"]
    for head in ("Inclusion Criteria:", "Exclusion Criteria:"):
        text = text.replace(head, head[:-1].replace("Criteria", "criteria"))
    out += _criteria_lines(text, indent="  ")
    out += ["", "Trial design", ""]
    design = f["design"]
    if design.get("allocation"):
        out += [
            "Primary purpose",
            "",
            _words(design.get("primaryPurpose")),
            "",
            "Allocation",
            "",
            _words(design["allocation"], _ENUM_WORDS),
            "",
            "Interventional model",
            "",
            _words(design.get("interventionModel"), _ENUM_WORDS),
            "",
            "Masking",
            "",
            _words(design.get("maskingInfo", {}).get("masking"), _ENUM_WORDS),
            "",
        ]
    if f["arms"]:
        count = f["enrollment"] if f["enrollment"] is not None else 0
        out += [
            f"{count} participants in {len(f['arms'])} patient group{'s' if len(f['arms']) > 1 else ''}",
            "",
        ]
        for a in f["arms"]:
            out += [a["label"], f"{_words(a.get('type'), _ARM_WORDS) or 'Other'} group"]
            if a.get("description"):
                out += ["Description:", a["description"]]
            if a.get("interventionNames"):
                out += ["Treatment:", *a["interventionNames"]]
            out.append("")
    out += ["Trial contacts and locations", "", str(len(f["sites"])), "", "Loading...", ""]
    for s in f["sites"]:
        if s.get("facility"):
            out.append(s["facility"])
        out.append(", ".join(p for p in (s.get("city"), s.get("state"), s.get("country")) if p))
    if f["contacts"]:
        out += ["", "Central trial contact", "", "; ".join(c["name"] for c in f["contacts"])]
    out += [
        "",
        "Data sourced from clinicaltrials.gov",
        "",
        "Clinical trials",
        "",
        "Find clinical trialsTrials by location",
        "© Copyright 2025 Veeva Systems",
    ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- 004 clinconnect


def clinconnect(study: dict, rng: random.Random) -> str:
    f = _fields(study)
    launched = _long_date(f["submitted"], short=True)
    out = [
        f["title"],
        f"Launched by {f['lead'].upper()} · {launched}",
        "Trial Information",
        f"Current as of {_long_date(f['updated'])}",
        _words(f["status"], _STATUS_WORDS),
        "Keywords",
        *f["keywords"],
        "ClinConnect Summary",
        f["summary"],
    ]
    out += ["Gender", f["sex"], "Eligibility criteria"]
    out += _criteria_lines(f["criteria"], glyph="•", prefix="- ")
    out += [f"About {f['lead']}", f"{f['lead']} is a research sponsor of clinical studies."]
    if f["contacts"]:
        out.append("Contacts")
        for c in f["contacts"]:
            out.append(c["name"])
    if f["sites"]:
        out.append("Locations")
        for s in f["sites"]:
            out.append(", ".join(p for p in (s.get("city"), s.get("state"), s.get("country")) if p))
        out.append("Patients applied")
    if f["officials"]:
        out.append("Trial Officials")
        for o in f["officials"]:
            out += [o["name"], _words(o.get("role")).title(), o.get("affiliation") or ""]
    out += [
        "Timeline",
        "First submit",
        "Trial launched",
        "Trial updated",
        "Estimated completion",
        "Not reported",
    ]
    return "\n".join(out) + "\n"


RENDERERS = {
    "study_page": study_page,
    "sourced_summary": sourced_summary,
    "ctgov_classic": ctgov_classic,
    "veeva": veeva,
    "clinconnect": clinconnect,
}


def render(layout: str, study: dict, seed: int = 0) -> str:
    return RENDERERS[layout](study, random.Random(seed))


def today() -> date:
    return date.today()
