"""One synthetic study in the ClinicalTrials.gov API v2 shape, deterministic from (seed, index).

Distributions follow the real records in `sample_data/ctgov/` (module presence, enums, text
lengths, location shapes) and the registry at large: 1-8 arms, a long tail of sites (1 to several
hundred), eligibility text of 1-8 KB in the bullet styles real records use, partial dates
(`2024-10`), dates without a type, results sections on ~15% of studies, and withheld-style minimal
records (identification only) on ~1%.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from bench.vocab import Vocab

TODAY = date(2025, 12, 31)  # the corpus' "now": statuses and ACTUAL/ESTIMATED follow from it

STATUS_DONE = (("COMPLETED", 70), ("TERMINATED", 10), ("WITHDRAWN", 5), ("UNKNOWN", 15))
STATUS_OPEN = (
    ("RECRUITING", 55),
    ("ACTIVE_NOT_RECRUITING", 30),
    ("ENROLLING_BY_INVITATION", 10),
    ("SUSPENDED", 5),
)
PHASES = (
    (["NA"], 35),
    (["PHASE1"], 12),
    (["PHASE2"], 17),
    (["PHASE3"], 10),
    (["PHASE4"], 9),
    (["EARLY_PHASE1"], 2),
    (["PHASE1", "PHASE2"], 4),
    (["PHASE2", "PHASE3"], 2),
)
ALLOCATION = (("RANDOMIZED", 55), ("NON_RANDOMIZED", 15), ("NA", 30))
MODEL = (("PARALLEL", 55), ("SINGLE_GROUP", 30), ("CROSSOVER", 8), ("SEQUENTIAL", 4), ("FACTORIAL", 3))
PURPOSE = (
    ("TREATMENT", 55),
    ("PREVENTION", 10),
    ("DIAGNOSTIC", 5),
    ("SUPPORTIVE_CARE", 8),
    ("SCREENING", 2),
    ("HEALTH_SERVICES_RESEARCH", 5),
    ("BASIC_SCIENCE", 8),
    ("DEVICE_FEASIBILITY", 2),
    ("OTHER", 5),
)
MASKING = (("NONE", 45), ("SINGLE", 15), ("DOUBLE", 15), ("TRIPLE", 10), ("QUADRUPLE", 15))
WHO_MASKED = ("PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR", "OUTCOMES_ASSESSOR")
OBS_MODEL = (("COHORT", 60), ("CASE_CONTROL", 15), ("CASE_ONLY", 15), ("OTHER", 10))
TIME_PERSPECTIVE = (("PROSPECTIVE", 65), ("RETROSPECTIVE", 25), ("CROSS_SECTIONAL", 10))
ARM_TYPES = (
    ("EXPERIMENTAL", 50),
    ("ACTIVE_COMPARATOR", 20),
    ("PLACEBO_COMPARATOR", 15),
    ("NO_INTERVENTION", 7),
    ("SHAM_COMPARATOR", 3),
    ("OTHER", 5),
)
INTERVENTION_TYPES = (
    ("DRUG", 40),
    ("OTHER", 12),
    ("DEVICE", 9),
    ("BEHAVIORAL", 12),
    ("PROCEDURE", 9),
    ("BIOLOGICAL", 7),
    ("DIETARY_SUPPLEMENT", 4),
    ("RADIATION", 2),
    ("DIAGNOSTIC_TEST", 3),
    ("GENETIC", 1),
    ("COMBINATION_PRODUCT", 1),
)
AGENCY = ("NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "OTHER", "UNKNOWN")
SITE_STATUS_OPEN = (
    ("RECRUITING", 70),
    ("NOT_YET_RECRUITING", 15),
    ("ACTIVE_NOT_RECRUITING", 10),
    ("COMPLETED", 3),
    ("WITHDRAWN", 2),
)
ARM_COUNTS = ((1, 28), (2, 42), (3, 12), (4, 8), (5, 4), (6, 3), (7, 2), (8, 1))
TITLE_OPENERS = (
    "A Study of",
    "Safety and Efficacy of",
    "Evaluation of",
    "Efficacy of",
    "A Randomized Trial of",
    "Pilot Study of",
    "Long-term Outcomes of",
    "Effect of",
    "Feasibility of",
    "Comparison of",
    "Pharmacokinetics of",
    "Dose-Escalation Study of",
)
POPULATIONS = (
    "in Adults",
    "in Children",
    "in Older Adults",
    "in Healthy Volunteers",
    "in Patients",
    "in Women",
    "in Adolescents",
    "",
)
PHASE_WORDS = {
    "NA": "",
    "PHASE1": "Phase 1 ",
    "PHASE2": "Phase 2 ",
    "PHASE3": "Phase 3 ",
    "PHASE4": "Phase 4 ",
    "EARLY_PHASE1": "Early Phase 1 ",
}
ESCAPES = str.maketrans({"<": "\\<", ">": "\\>"})
DIGITS = "0123456789"


def pick(rng: random.Random, weighted):
    """One value of ((value, weight), ...)."""
    total = 0
    r = rng.random() * sum(w for _, w in weighted)
    for value, weight in weighted:
        total += weight
        if r < total:
            return value
    return weighted[-1][0]


def nct_number(index: int, seed: int) -> int:
    """Sorted, unique NCT numbers spread over the registry's range (deterministic by seed)."""
    return 100_000 + index * 150 + ((index * 2654435761 + seed * 40503) % 149)


def nct_id(index: int, seed: int) -> str:
    return f"NCT{nct_number(index, seed):08d}"


class StudyMaker:
    """Builds studies from one learned vocabulary; one instance per worker process."""

    def __init__(self, vocab: Vocab, seed: int):
        self.v = vocab
        self.seed = seed
        self.sponsor_pool = list(vocab.sponsors) + [
            (f"{loc['city']} {kind}", "OTHER")
            for loc in vocab.locations[::3]
            for kind in ("University Hospital", "Medical Center", "Cancer Institute")
        ]
        self.condition_pool = list(vocab.conditions)
        for d in vocab.derived:
            browse = json.loads(d).get("conditionBrowseModule", {})
            self.condition_pool += [m["term"] for m in browse.get("meshes", []) + browse.get("ancestors", [])]
        self.condition_pool = sorted(set(self.condition_pool))
        self.intervention_pool = list(vocab.interventions)
        self.criteria = [c for c in vocab.criteria if len(c) >= 20]
        self.people = vocab.people + [
            f"{w} {v}, MD" for w, v in zip(vocab.title_words[::2], vocab.title_words[1::2], strict=False)
        ]
        self.results = list(zip(vocab.results, vocab.result_sizes, strict=True))
        # Digit permutations, precomputed: remapping digits keeps texts' shapes but makes them distinct.
        perm = random.Random(seed)
        # 0 stays 0 and 1-9 are permuted, so a number never gains a leading zero (valid JSON stays valid).
        tables = [str.maketrans(DIGITS, "0" + "".join(perm.sample(DIGITS[1:], 9))) for _ in range(16)]
        self.sentences = list(vocab.sentences) + [x.translate(t) for t in tables[:3] for x in vocab.sentences]
        self.criteria = self.criteria + [x.translate(t) for t in tables[:3] for x in self.criteria]
        self.result_variants = [[text.translate(t) for t in tables] for text, _ in self.results]

    # ------------------------------------------------------------------ text

    def sentence(self, rng: random.Random) -> str:
        return self.sentences[int(rng.random() * len(self.sentences))]

    def paragraph(self, rng: random.Random, lo: int, hi: int) -> str:
        return " ".join(self.sentence(rng) for _ in range(rng.randint(lo, hi)))

    def text(self, rng: random.Random, sentences: int, paragraph_every: int = 4) -> str:
        out = []
        for k in range(sentences):
            out.append(self.sentence(rng))
            out.append("\n\n" if (k + 1) % paragraph_every == 0 else " ")
        return "".join(out).strip()

    def criterion(self, rng: random.Random) -> str:
        c = self.criteria[int(rng.random() * len(self.criteria))]
        if rng.random() < 0.2:
            c = f"{c} {self.sentence(rng)}"
        return c

    def eligibility(self, rng: random.Random) -> str:
        """1-8 KB of criteria in one of the styles real records use (4% are short, like some do)."""
        target = (
            rng.randint(60, 900)
            if rng.random() < 0.04
            else int(min(8192, max(1024, rng.lognormvariate(7.9, 0.55))))
        )
        style = pick(
            rng, (("star", 55), ("numbered", 25), ("nested_star", 8), ("nested_numbered", 7), ("groups", 5))
        )
        key = rng.random() < 0.06
        upper = rng.random() < 0.05
        heads = ["Inclusion Criteria:", "Exclusion Criteria:"]
        if key:
            heads = ["Key " + h for h in heads]
        if upper:
            heads = [h.upper() for h in heads]
        if rng.random() < 0.03:
            heads = [h.replace("Criteria", "criteria") for h in heads]
        size = 0
        parts: list[str] = []
        preface = "Eligibility criteria:\n\n" if style == "groups" else ""
        groups = ("For participants:", "For caregivers:") if style == "groups" else (None,)
        half = target // 2
        for section, head in enumerate(heads):
            parts.append(head)
            size += len(head)
            limit = half if section == 0 else target
            for group in groups:
                if group:
                    parts.append(group)
                n = 0
                while True:
                    n += 1
                    item = self.criterion(rng)
                    line = f"{n}. {item}" if style in ("numbered", "nested_numbered") else f"* {item}"
                    subs = []
                    if style.startswith("nested") and rng.random() < 0.25:
                        letter = rng.random() < 0.3
                        for m in range(rng.randint(2, 4)):
                            sub = self.criterion(rng)
                            if style == "nested_numbered":
                                mark = f"{'abcdefgh'[m]}." if letter else f"{m + 1}."
                                subs.append(f"   {mark} {sub}")
                            else:
                                subs.append(f"  * {sub}")
                    block = line + ("\n\n" + "\n".join(subs) if subs else "")
                    parts.append(block)
                    size += len(block) + 1
                    if size >= limit / len(groups) * (groups.index(group) + 1) or n >= 60:
                        break
                if style == "star" and rng.random() < 0.08:
                    parts.append(self.sentence(rng))  # a free paragraph between bullets, as in real records
        body = "\n\n".join(self._join_items(parts))
        return (preface + body).translate(ESCAPES) if rng.random() < 0.1 else preface + body

    @staticmethod
    def _join_items(parts: list[str]) -> list[str]:
        # Headings are followed by a blank line; consecutive bullets are one per line, as CT.gov writes them.
        out: list[str] = []
        run: list[str] = []
        for p in parts:
            if p.startswith(("* ", "  * ")) or (p[:1].isdigit() and ". " in p[:4]):
                run.append(p)
            else:
                if run:
                    out.append("\n".join(run))
                    run = []
                out.append(p)
        if run:
            out.append("\n".join(run))
        return out

    def title(self, rng: random.Random, phases: list[str], conditions: list[str], intervention: str) -> str:
        phase = PHASE_WORDS.get(phases[0], "") if len(phases) == 1 and rng.random() < 0.3 else ""
        opener = rng.choice(TITLE_OPENERS)
        pop = rng.choice(POPULATIONS)
        extra = (
            f" ({rng.choice(self.v.title_words).upper()[:6]}-{rng.randint(1, 99)})"
            if rng.random() < 0.25
            else ""
        )
        return f"{phase}{opener} {intervention} for {conditions[0]} {pop}".replace("  ", " ").strip() + extra

    # ------------------------------------------------------------------ dates

    @staticmethod
    def _month(rng: random.Random, lo: date, months_lo: int, months_hi: int) -> date:
        days = rng.randint(months_lo * 30, months_hi * 30)
        return lo + timedelta(days=days)

    @staticmethod
    def date_struct(d: date, month_precision: bool, typed: bool) -> dict:
        out = {"date": d.strftime("%Y-%m") if month_precision else d.isoformat()}
        if typed:
            out["type"] = "ACTUAL" if d <= TODAY else "ESTIMATED"
        return out

    # ------------------------------------------------------------------ study

    def study(self, index: int) -> dict:
        """The full study (before any withholding) of one index."""
        rng = random.Random(self.seed * 1_000_003 + index)
        nct = nct_id(index, self.seed)
        v = self.v

        year = 1999 + int(27.5 * rng.random() ** 0.6)
        start = date(min(year, 2026), rng.randint(1, 12), rng.randint(1, 28))
        old = start.year < 2010
        month_precision = rng.random() < (0.6 if old else 0.15)
        typed = not (old and month_precision and rng.random() < 0.7)
        primary = self._month(rng, start, 3, 60)
        completion = primary + timedelta(days=rng.choice((0, 0, 0, 30, 90, 180, 365, 730)))
        submitted = start - timedelta(days=rng.randint(-200, 180))
        posted = submitted + timedelta(days=rng.randint(1, 40))
        last_update = min(TODAY - timedelta(days=1), posted + timedelta(days=rng.randint(0, 3000)))
        if last_update < posted:
            last_update = posted
        if start > TODAY:
            status = "NOT_YET_RECRUITING"
        elif completion < TODAY:
            status = pick(rng, STATUS_DONE)
        else:
            status = pick(rng, STATUS_OPEN)

        study_type = pick(rng, (("INTERVENTIONAL", 77), ("OBSERVATIONAL", 22), ("EXPANDED_ACCESS", 1)))
        interventional = study_type == "INTERVENTIONAL"
        phases = pick(rng, PHASES) if interventional else []
        conditions = rng.sample(self.condition_pool, rng.choice((1, 1, 1, 2, 2, 3, 4)))
        n_interventions = rng.choice((1, 1, 2, 2, 3, 4))
        interventions = []
        for k in range(n_interventions):
            itype, name = (
                rng.choice(self.intervention_pool)
                if rng.random() < 0.6
                else (pick(rng, INTERVENTION_TYPES), f"{rng.choice(v.title_words)}-{rng.randint(100, 9999)}")
            )
            interventions.append(
                {
                    "type": itype,
                    "name": name if k == 0 or rng.random() < 0.5 else f"{name} {k}",
                    "description": self.paragraph(rng, 1, 3),
                }
            )
        iname = interventions[0]["name"]
        brief_title = self.title(rng, phases or ["NA"], conditions, iname)
        official_title = (
            f"{brief_title}: {self.sentence(rng)[:120].rstrip('.')}" if rng.random() < 0.9 else None
        )
        lead_name, lead_class = rng.choice(self.sponsor_pool)
        if lead_class not in AGENCY:
            lead_class = "OTHER"

        ident = {
            "nctId": nct,
            "orgStudyIdInfo": {"id": f"{rng.choice(v.title_words)[:4].upper()}{rng.randint(1000, 999999)}"},
        }
        if rng.random() < 0.35:
            ident["secondaryIdInfos"] = [
                {
                    "id": f"{start.year}-{rng.randint(100000, 999999):06d}-{rng.randint(10, 99)}",
                    "type": "OTHER",
                    "domain": rng.choice(("EudraCT", "IDRCB", "Grant", "Other")),
                }
                for _ in range(rng.randint(1, 3))
            ]
        ident["organization"] = {"fullName": lead_name, "class": lead_class}
        ident["briefTitle"] = brief_title
        if official_title:
            ident["officialTitle"] = official_title
        if rng.random() < 0.15:
            ident["acronym"] = "".join(w[0] for w in brief_title.split()[:5]).upper()

        status_module = {
            "statusVerifiedDate": last_update.strftime("%Y-%m"),
            "overallStatus": status,
            "expandedAccessInfo": {"hasExpandedAccess": rng.random() < 0.02},
            "startDateStruct": self.date_struct(start, month_precision, typed),
            "primaryCompletionDateStruct": self.date_struct(primary, month_precision, typed),
            "completionDateStruct": self.date_struct(completion, month_precision, typed),
            "studyFirstSubmitDate": submitted.isoformat(),
            "studyFirstSubmitQcDate": submitted.isoformat(),
            "studyFirstPostDateStruct": {
                "date": posted.isoformat(),
                "type": "ESTIMATED" if old else "ACTUAL",
            },
            "lastUpdateSubmitDate": last_update.isoformat(),
            "lastUpdatePostDateStruct": {"date": last_update.isoformat(), "type": "ACTUAL"},
        }
        if status == "UNKNOWN":
            status_module["lastKnownStatus"] = pick(rng, STATUS_OPEN)
        if status in ("TERMINATED", "WITHDRAWN", "SUSPENDED"):
            status_module["whyStopped"] = self.sentence(rng)[:200]
        if rng.random() < 0.08:  # some records state no primary completion date at all
            del status_module["primaryCompletionDateStruct"]

        sponsor = {
            "responsibleParty": {"type": rng.choice(("SPONSOR", "SPONSOR", "PRINCIPAL_INVESTIGATOR"))},
            "leadSponsor": {"name": lead_name, "class": lead_class},
        }
        if rng.random() < 0.3:
            sponsor["collaborators"] = [
                {"name": n, "class": c if c in AGENCY else "OTHER"}
                for n, c in rng.sample(self.sponsor_pool, rng.randint(1, 3))
            ]

        design: dict = {"studyType": study_type}
        if phases:
            design["phases"] = phases
        if interventional:
            masking = pick(rng, MASKING)
            info = {
                "allocation": pick(rng, ALLOCATION),
                "interventionModel": pick(rng, MODEL),
                "primaryPurpose": pick(rng, PURPOSE),
                "maskingInfo": {"masking": masking},
            }
            if masking != "NONE":
                info["maskingInfo"]["whoMasked"] = rng.sample(WHO_MASKED, min(4, len(masking) // 4 + 1))
            design["designInfo"] = info
        elif study_type == "OBSERVATIONAL":
            design["patientRegistry"] = rng.random() < 0.1
            design["designInfo"] = {
                "observationalModel": pick(rng, OBS_MODEL),
                "timePerspective": pick(rng, TIME_PERSPECTIVE),
            }
        if study_type != "EXPANDED_ACCESS":
            count = int(min(1_000_000, max(0, rng.lognormvariate(4.2, 1.4))))
            enrollment = {"count": count}
            if rng.random() < 0.97:
                enrollment["type"] = (
                    "ACTUAL" if status in ("COMPLETED", "TERMINATED", "WITHDRAWN") else "ESTIMATED"
                )
            design["enrollmentInfo"] = enrollment

        n_arms = pick(rng, ARM_COUNTS)
        labels = []
        arms = []
        for k in range(n_arms):
            label = (
                rng.choice(v.arm_labels)
                if rng.random() < 0.3
                else f"{rng.choice(('Arm', 'Group', 'Cohort'))} {'ABCDEFGH'[k]}"
            )
            if label in labels:
                label = f"{label} {k + 1}"
            labels.append(label)
            arm = {"label": label}
            if interventional:
                arm["type"] = pick(rng, ARM_TYPES)
            if rng.random() < 0.9:
                arm["description"] = self.paragraph(rng, 1, 3)
            linked = rng.sample(interventions, rng.randint(1, len(interventions)))
            arm["interventionNames"] = [f"{i['type'].replace('_', ' ').title()}: {i['name']}" for i in linked]
            arms.append(arm)
        for i in interventions:
            i["armGroupLabels"] = rng.sample(labels, rng.randint(1, len(labels)))
            if rng.random() < 0.2:
                i["otherNames"] = [f"{i['name'][:3].upper()}-{rng.randint(10, 999)}"]

        def outcome():
            out = {"measure": rng.choice(v.measures) if rng.random() < 0.5 else self.sentence(rng)[:150]}
            if rng.random() < 0.8:
                out["description"] = self.paragraph(rng, 1, 3)
            out["timeFrame"] = rng.choice(v.time_frames)
            return out

        outcomes = {"primaryOutcomes": [outcome() for _ in range(rng.choice((1, 1, 1, 2, 3)))]}
        n_secondary = rng.choice((0, 1, 2, 3, 4, 5, 6, 8, 10))
        if n_secondary:
            outcomes["secondaryOutcomes"] = [outcome() for _ in range(n_secondary)]
        if rng.random() < 0.1:
            outcomes["otherOutcomes"] = [outcome() for _ in range(rng.randint(1, 3))]

        min_age_years = rng.choice((0, 0, 1, 2, 5, 6, 12, 16, 18, 18, 18, 18, 18, 18, 21, 40, 50, 65))
        elig = {"eligibilityCriteria": self.eligibility(rng)}
        if rng.random() < 0.85:
            elig["healthyVolunteers"] = rng.random() < 0.2
        elig["sex"] = pick(rng, (("ALL", 88), ("FEMALE", 8), ("MALE", 4)))
        if min_age_years == 0:
            unit = rng.choice(("Months", "Weeks", "Days"))
            elig["minimumAge"] = f"{rng.randint(1, 11)} {unit}"
        elif rng.random() < 0.95:
            elig["minimumAge"] = f"{min_age_years} Years"
        if rng.random() < 0.55:
            upper = rng.choice((17, 18, 45, 55, 60, 64, 65, 70, 75, 80, 85, 99))
            elig["maximumAge"] = f"{max(min_age_years + 1, upper)} Years"
        ages = [
            a
            for a, lo, hi in (("CHILD", 0, 17), ("ADULT", 18, 64), ("OLDER_ADULT", 65, 200))
            if min_age_years <= hi
        ]
        elig["stdAges"] = ages
        if not interventional:
            elig["studyPopulation"] = self.paragraph(rng, 1, 2)
            elig["samplingMethod"] = rng.choice(("NON_PROBABILITY_SAMPLE", "PROBABILITY_SAMPLE"))

        contacts: dict = {}
        recruiting = status in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")
        if recruiting or rng.random() < 0.1:
            contacts["centralContacts"] = [self.person(rng, "CONTACT") for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.7:
            contacts["overallOfficials"] = [
                {
                    "name": rng.choice(self.people),
                    "affiliation": rng.choice(v.affiliations),
                    "role": rng.choice(("PRINCIPAL_INVESTIGATOR", "STUDY_DIRECTOR", "STUDY_CHAIR")),
                }
                for _ in range(rng.randint(1, 3))
            ]
        n_sites = self.site_count(rng)
        if n_sites:
            base = rng.randrange(len(v.locations))
            locs = []
            for k in range(n_sites):
                src = v.locations[(base + k * 7) % len(v.locations)]
                loc = dict(src)
                if "facility" in loc and rng.random() < 0.5:
                    loc["facility"] = (
                        f"{loc['facility']} {rng.choice(('Site', 'Clinic', 'Research Unit'))} {k + 1}"
                    )
                if recruiting:
                    loc["status"] = pick(rng, SITE_STATUS_OPEN)
                    if rng.random() < 0.4:
                        loc["contacts"] = [self.person(rng, "CONTACT")]
                locs.append(loc)
            contacts["locations"] = locs

        ps: dict = {
            "identificationModule": ident,
            "statusModule": status_module,
            "sponsorCollaboratorsModule": sponsor,
            "oversightModule": {
                "oversightHasDmc": rng.random() < 0.4,
                "isFdaRegulatedDrug": rng.random() < 0.3,
                "isFdaRegulatedDevice": rng.random() < 0.1,
            },
            "descriptionModule": {"briefSummary": self.paragraph(rng, 1, 5)},
            "conditionsModule": {"conditions": conditions},
            "designModule": design,
            "armsInterventionsModule": {"armGroups": arms, "interventions": interventions},
            "outcomesModule": outcomes,
            "eligibilityModule": elig,
            "contactsLocationsModule": contacts,
        }
        if rng.random() < 0.6:
            ps["descriptionModule"]["detailedDescription"] = self.text(rng, rng.randint(2, 30))
        if rng.random() < 0.5:
            ps["conditionsModule"]["keywords"] = rng.sample(v.keywords, rng.randint(1, 6))
        if rng.random() < self.v.module_presence.get("referencesModule", 0.4):
            ps["referencesModule"] = {
                "references": [
                    {
                        "pmid": str(rng.randint(10_000_000, 39_999_999)),
                        "type": rng.choice(("BACKGROUND", "RESULT", "DERIVED")),
                        "citation": rng.choice(v.citations),
                    }
                    for _ in range(rng.randint(1, 8))
                ]
            }
        if rng.random() < self.v.module_presence.get("ipdSharingStatementModule", 0.36):
            ps["ipdSharingStatementModule"] = {"ipdSharing": rng.choice(("NO", "NO", "YES", "UNDECIDED"))}
        if not contacts:
            del ps["contactsLocationsModule"]

        extras = {}
        if status in ("COMPLETED", "TERMINATED") and rng.random() < 0.2:  # ~15% of all studies
            extras["resultsSection"] = self.results_section(rng)
        if rng.random() < 0.3:
            extras["documentSection"] = rng.choice(v.documents)
        if v.derived:
            extras["derivedSection"] = rng.choice(v.derived)
        return {"protocolSection": ps, "_extras": extras, "hasResults": "resultsSection" in extras}

    def person(self, rng: random.Random, role: str) -> dict:
        name = rng.choice(self.people)
        out = {
            "name": name,
            "role": role,
            "phone": f"+1-{rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        }
        if rng.random() < 0.7:
            user = "".join(ch for ch in name.split(",")[0].lower() if ch.isalpha() or ch == " ").replace(
                " ", "."
            )
            out["email"] = f"{user}@example.org"
        return out

    @staticmethod
    def site_count(rng: random.Random) -> int:
        """0 (6%), 1 (50%), 2-10, 11-60, and a Pareto tail to several hundred."""
        r = rng.random()
        if r < 0.06:
            return 0
        if r < 0.56:
            return 1
        if r < 0.82:
            return rng.randint(2, 10)
        if r < 0.96:
            return rng.randint(11, 60)
        return min(800, int(60 * rng.paretovariate(1.3)))

    def results_section(self, rng: random.Random) -> str:
        """A real results section (as JSON text), one of 16 variants with its digits remapped."""
        weights = (30, 25, 20, 17, 8)[: len(self.results)]
        variants = rng.choices(self.result_variants, weights=weights)[0]
        return variants[int(rng.random() * len(variants))]

    # ------------------------------------------------------------------ variants

    @staticmethod
    def withheld(study: dict) -> dict:
        """A withheld-style minimal record: identification only (like NCT03453554 in the samples)."""
        ident = study["protocolSection"]["identificationModule"]
        keep = {k: ident[k] for k in ("nctId", "orgStudyIdInfo", "organization", "briefTitle") if k in ident}
        keep["briefTitle"] = keep["briefTitle"][:30].rstrip() + "..."
        return {
            "protocolSection": {"identificationModule": keep},
            "_extras": {
                "annotationSection": json.dumps(
                    {
                        "annotationModule": {
                            "unpostedAnnotation": {
                                "unpostedResponsibleParty": "Sponsor",
                                "unpostedEvents": [
                                    {"type": "RELEASE", "date": "2024-12-23"},
                                    {"type": "RESET", "date": "2025-03-20"},
                                ],
                            }
                        }
                    }
                )
            },
            "hasResults": False,
        }

    @staticmethod
    def changed(study: dict, rng: random.Random, day: date) -> tuple[dict, dict]:
        """The nightly change of a study: a new status, enrollment and last-update date."""
        ps = json.loads(json.dumps(study["protocolSection"]))
        status = ps["statusModule"]
        old = status.get("overallStatus")
        new = {
            "RECRUITING": "ACTIVE_NOT_RECRUITING",
            "NOT_YET_RECRUITING": "RECRUITING",
            "ACTIVE_NOT_RECRUITING": "COMPLETED",
            "ENROLLING_BY_INVITATION": "ACTIVE_NOT_RECRUITING",
            "SUSPENDED": "TERMINATED",
            "COMPLETED": "COMPLETED",
            "TERMINATED": "TERMINATED",
            "WITHDRAWN": "WITHDRAWN",
            "UNKNOWN": "COMPLETED",
        }.get(old, "COMPLETED")
        status["overallStatus"] = new
        status["lastUpdateSubmitDate"] = day.isoformat()
        status["lastUpdatePostDateStruct"] = {"date": day.isoformat(), "type": "ACTUAL"}
        status["statusVerifiedDate"] = day.strftime("%Y-%m")
        enrollment = ps.get("designModule", {}).get("enrollmentInfo")
        if enrollment is not None:
            enrollment["count"] = enrollment.get("count", 0) + rng.randint(1, 50)
            enrollment["type"] = "ACTUAL" if new in ("COMPLETED", "TERMINATED", "WITHDRAWN") else "ESTIMATED"
        out = {"protocolSection": ps, "_extras": dict(study["_extras"]), "hasResults": study["hasResults"]}
        return out, {
            "nct_id": ps["identificationModule"]["nctId"],
            "old_status": old,
            "new_status": new,
            "enrollment": enrollment.get("count") if enrollment else None,
        }


def to_json(study: dict) -> bytes:
    """Serialise in the API's key order: protocol, results, annotation, document, derived, hasResults.

    Pre-serialised sections (results, derived) are spliced in as text, which keeps generation fast.
    """
    extras = study["_extras"]
    parts = ['{"protocolSection": ', json.dumps(study["protocolSection"], ensure_ascii=False)]
    for key in ("resultsSection", "annotationSection", "documentSection", "derivedSection"):
        if key in extras:
            parts.append(f', "{key}": ')
            parts.append(extras[key])
    parts.append(', "hasResults": true}' if study["hasResults"] else ', "hasResults": false}')
    return "".join(parts).encode("utf-8")


def to_api_object(study: dict) -> dict:
    """The same study as a plain dict (for API pages and the peer)."""
    return json.loads(to_json(study))
