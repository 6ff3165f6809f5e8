"""What the generator learns from the real records in `sample_data/`: texts, names, places, shapes.

Thirteen ClinicalTrials.gov API v2 records and five republished pages are few, so the learned
pools are mixed and perturbed by the generator; the enums come from the API's OpenAPI spec
(`docs/ctg-oas-v2.yaml`), weighted toward the values the real records use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CTGOV = REPO / "sample_data" / "ctgov"
SAMPLE_PAGES = REPO / "sample_data" / "pages"

_SENTENCE_RE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])")
_BULLET_RE = re.compile(r"^\s*(?:[*\-•]|\d{1,2}[.)]|[a-z][.)])\s+")
_HEADING_RE = re.compile(r"(inclusion|exclusion|eligibility) criteria", re.I)
_PAGE_BULLET_RE = re.compile(r"^[-\s•‣⁃*]*(?:[•‣⁃*]\s|\d{1,2}\\?[.)]\s)\s*")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z\-]{2,}")


@dataclass
class Vocab:
    sentences: list[str] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    title_words: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    interventions: list[tuple[str, str]] = field(default_factory=list)  # (type, name)
    sponsors: list[tuple[str, str]] = field(default_factory=list)  # (name, class)
    measures: list[str] = field(default_factory=list)
    time_frames: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    locations: list[dict] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    affiliations: list[str] = field(default_factory=list)
    arm_labels: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)  # serialized derivedSection objects
    results: list[str] = field(default_factory=list)  # serialized resultsSection objects
    result_sizes: list[int] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # serialized documentSection objects
    module_presence: dict[str, float] = field(default_factory=dict)
    minimal_records: list[dict] = field(default_factory=list)  # withheld-style records, as templates


def _sentences(text: str | None) -> list[str]:
    if not text:
        return []
    out = []
    for para in text.split("\n"):
        para = _BULLET_RE.sub("", para).strip()
        if len(para) < 25 or _HEADING_RE.search(para[:40]):
            continue
        out.extend(s.strip() for s in _SENTENCE_RE.split(para) if len(s.strip()) >= 25)
    return out


def _criteria(text: str | None) -> list[str]:
    if not text:
        return []
    items = []
    for line in text.split("\n"):
        if not _BULLET_RE.match(line):
            continue
        item = _BULLET_RE.sub("", line).strip()
        if 12 <= len(item) <= 600:
            items.append(item)
    return items


def _dedupe(items):
    seen, out = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True) if isinstance(item, dict) else item
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


@lru_cache(maxsize=1)
def learn(ctgov_dir: Path = SAMPLE_CTGOV, pages_dir: Path = SAMPLE_PAGES) -> Vocab:
    """Pools learned from every sample record and page (cached per process)."""
    v = Vocab()
    records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(ctgov_dir).glob("*.json"))]
    module_counts: dict[str, int] = {}
    full = 0
    for rec in records:
        ps = rec.get("protocolSection", {})
        if "statusModule" not in ps:
            v.minimal_records.append(rec)
            continue
        full += 1
        for name in ps:
            module_counts[name] = module_counts.get(name, 0) + 1
        for name in ("resultsSection", "documentSection", "derivedSection"):
            if name in rec:
                module_counts[name] = module_counts.get(name, 0) + 1
        ident = ps.get("identificationModule", {})
        for t in (ident.get("briefTitle"), ident.get("officialTitle")):
            if t and not t.endswith("..."):
                v.titles.append(t)
        desc = ps.get("descriptionModule", {})
        v.sentences += _sentences(desc.get("briefSummary")) + _sentences(desc.get("detailedDescription"))
        elig = ps.get("eligibilityModule", {})
        v.criteria += _criteria(elig.get("eligibilityCriteria"))
        v.conditions += ps.get("conditionsModule", {}).get("conditions", [])
        v.keywords += ps.get("conditionsModule", {}).get("keywords", [])
        arms = ps.get("armsInterventionsModule", {})
        for a in arms.get("armGroups", []):
            v.arm_labels.append(a.get("label", ""))
            v.sentences += _sentences(a.get("description"))
        for i in arms.get("interventions", []):
            if i.get("type") and i.get("name"):
                v.interventions.append((i["type"], i["name"]))
            v.sentences += _sentences(i.get("description"))
        sp = ps.get("sponsorCollaboratorsModule", {})
        for s in [sp.get("leadSponsor", {}), *sp.get("collaborators", [])]:
            if s.get("name") and s.get("class"):
                v.sponsors.append((s["name"], s["class"]))
        outcomes = ps.get("outcomesModule", {})
        for kind in ("primaryOutcomes", "secondaryOutcomes", "otherOutcomes"):
            for o in outcomes.get(kind, []):
                if o.get("measure") and not o["measure"].endswith(".."):
                    v.measures.append(o["measure"])
                if o.get("timeFrame"):
                    v.time_frames.append(o["timeFrame"])
                v.sentences += _sentences(o.get("description"))
        for r in ps.get("referencesModule", {}).get("references", []):
            if r.get("citation") and len(r["citation"]) > 40:
                v.citations.append(r["citation"])
        cl = ps.get("contactsLocationsModule", {})
        for o in cl.get("overallOfficials", []):
            if o.get("name"):
                v.people.append(o["name"])
            if o.get("affiliation"):
                v.affiliations.append(o["affiliation"])
        for c in cl.get("centralContacts", []):
            if c.get("name"):
                v.people.append(c["name"])
        for loc in cl.get("locations", []):
            if loc.get("city") and loc.get("country"):
                v.locations.append(
                    {
                        k: loc[k]
                        for k in ("facility", "city", "state", "zip", "country", "geoPoint")
                        if k in loc
                    }
                )
        if "derivedSection" in rec:
            v.derived.append(json.dumps(rec["derivedSection"], ensure_ascii=False))
        if "resultsSection" in rec:
            text = json.dumps(rec["resultsSection"], ensure_ascii=False)
            v.results.append(text)
        if "documentSection" in rec:
            v.documents.append(json.dumps(rec["documentSection"], ensure_ascii=False))
    # Page texts: more eligibility items and sentences in the sites' own renderings.
    for page in sorted(Path(pages_dir).glob("*.txt")):
        for line in page.read_text(encoding="utf-8").split("\n"):
            if not _PAGE_BULLET_RE.match(line):  # only bulleted lines: criteria, not the sites' blurbs
                continue
            line = _PAGE_BULLET_RE.sub("", line).strip()
            if 30 <= len(line) <= 400 and line[0].isupper() and not line.endswith(":"):
                v.criteria.append(line)
    v.results.sort(key=len)  # smallest first: the generator weights them by size
    v.result_sizes = [len(t.encode()) for t in v.results]
    v.module_presence = {k: c / max(full, 1) for k, c in module_counts.items()}
    for name in (
        "sentences",
        "criteria",
        "titles",
        "conditions",
        "keywords",
        "interventions",
        "sponsors",
        "measures",
        "time_frames",
        "citations",
        "locations",
        "people",
        "affiliations",
        "arm_labels",
    ):
        setattr(v, name, _dedupe(getattr(v, name)))
    words = []
    for s in v.sentences + v.titles + v.criteria:
        words += _WORD_RE.findall(s)
    v.words = sorted(set(words))
    v.title_words = sorted({w for t in v.titles for w in _WORD_RE.findall(t)} | set(v.conditions))
    return v
