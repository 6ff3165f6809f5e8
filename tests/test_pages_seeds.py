"""Per-seed tests of the page parser: every field each seed page states, and nothing it doesn't.

Expected values were read off the pages in sample_data/pages/ by hand, not from parser output.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ingest.pages import parse_page, split_criteria
from ingest.pages.record import RECORD_KEYS, empty_record

PAGES = Path(__file__).resolve().parents[1] / "sample_data" / "pages"


def seed_text(n: int) -> str:
    (path,) = PAGES.glob(f"{n:03d}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def records() -> dict[int, dict]:
    out = {}
    for n in range(5):
        result = parse_page(seed_text(n))
        assert result["ok"], result
        out[n] = result["record"]
    return out


def top_level_counts(text: str | None) -> Counter:
    return Counter(r["kind"] for r in split_criteria(text) if r["depth"] == 0)


def assert_unstated(rec: dict, stated: set[str]) -> None:
    """Every key the page does not state keeps its empty value."""
    empty = empty_record()
    for key in RECORD_KEYS:
        if key not in stated:
            assert rec[key] == empty[key], key


def test_records_have_exactly_the_contract_keys_and_serialise(records):
    for rec in records.values():
        assert tuple(rec) == RECORD_KEYS
        assert json.loads(json.dumps(rec, ensure_ascii=False)) == rec


def test_layouts_of_seeds():
    layouts = [parse_page(seed_text(n))["layout"] for n in range(5)]
    assert layouts == ["study_page", "sourced_summary", "ctgov_classic", "veeva", "clinconnect"]


# --- seed 000: study page ------------------------------------------------------------------


def test_seed_000_fields(records):
    rec = records[0]
    assert rec["nct_id"] == "NCT06691152"
    assert (
        rec["brief_title"]
        == "Efficacy and Safety of CD19 UCAR T Cells in Refractory Systemic Lupus Erythematosus"
    )
    assert rec["overall_status"] == "RECRUITING"
    assert rec["phases"] == ["PHASE1"]
    assert rec["enrollment"] == 18
    assert rec["study_type"] == "INTERVENTIONAL"
    assert rec["start_date"] == "2024-10-30"
    assert rec["completion_date"] == "2027-09-30"
    assert rec["last_update_date"] == "2024-11-15"
    assert rec["min_age"] == "5 Years"
    assert rec["sex"] == "ALL"
    assert rec["healthy_volunteers"] == "No"
    assert rec["conditions"] == ["Systemic Lupus Erythematosus"]
    assert rec["other_ids"] == ["PBC078"]
    assert rec["lead_sponsor"] == "The Children's Hospital of Zhejiang University School of Medicine"
    assert rec["design"] == {
        "allocation": "NA",
        "intervention_model": "SINGLE_GROUP",
        "primary_purpose": "TREATMENT",
        "masking": "NONE",
    }
    assert rec["brief_summary"] == (
        "This is an investigator-initiated trial to evaluate the safety and efficacy of CD19 Universal "
        "CAR-T cells in the treatment of refractory systemic lupus erythematosus."
    )
    assert rec["detailed_description"].startswith(
        "Systemic lupus erythematosus (SLE) is a serious autoimmune"
    )
    assert rec["detailed_description"].endswith("in the treatment of refractory SLE.")
    assert rec["related_nct_ids"] == ["NCT07274059", "NCT07266337", "NCT07059169", "NCT06681337"]
    assert_unstated(
        rec,
        set(
            [
                "nct_id",
                "brief_title",
                "overall_status",
                "phases",
                "enrollment",
                "study_type",
                "start_date",
                "completion_date",
                "last_update_date",
                "min_age",
                "sex",
                "healthy_volunteers",
                "conditions",
                "other_ids",
                "lead_sponsor",
                "design",
                "brief_summary",
                "detailed_description",
                "related_nct_ids",
                "interventions",
                "arms",
                "eligibility_text",
                "sites",
                "contacts",
                "officials",
                "references",
            ]
        ),
    )


def test_seed_000_arms_interventions(records):
    rec = records[0]
    (intervention,) = rec["interventions"]
    assert intervention["type"] == "BIOLOGICAL"
    assert intervention["name"] == "CD19 Universal CAR-T cells"
    assert intervention["description"].startswith("Three dose groups (1×10\\^7/kg")
    (arm,) = rec["arms"]
    assert arm["label"] == "CAR T cell treatment group"
    assert arm["type"] == "EXPERIMENTAL"
    assert arm["description"].startswith("This trial was designed as an open, single-arm")
    assert arm["interventions"] == ["CD19 Universal CAR-T cells"]


def test_seed_000_people_sites_references(records):
    rec = records[0]
    assert rec["sites"] == [
        {
            "facility": "Children's Hospital, Zhejiang University School of Medicine",
            "city": "Hangzhou",
            "state": "Zhejiang",
            "zip": None,
            "country": "China",
            "status": "RECRUITING",
        }
    ]
    assert rec["officials"] == [
        {
            "name": "Jianhua Mao",
            "role": "PRINCIPAL_INVESTIGATOR",
            "affiliation": "Children's Hospital, Zhejiang University School of Medicine",
            "phone": None,
            "email": None,
        }
    ]
    people = [(c["name"], c["role"], c["phone"]) for c in rec["contacts"]]
    assert people == [
        ("Jianhua Mao, Prof", "CONTACT", "0571-86670076"),
        ("Xue He", "CONTACT", "15088688407"),
        ("Jianhua Mao, MD", "primary", "+86-571-86670076"),
        ("Xue He, MD", "backup", "+8615088688407"),
        ("Jianhua Mao, MD", "backup", None),
    ]
    assert [r["pmid"] for r in rec["references"]] == ["34347960", "38381673", "33569643", "28925994"]
    assert rec["references"][0]["citation"].startswith("Mougiakakos D, Kronke G")
    assert rec["references"][0]["citation"].endswith("No abstract available.")
    assert rec["references"][3]["citation"].endswith("Epub 2017 Sep 19.")


def test_seed_000_eligibility(records):
    text = records[0]["eligibility_text"]
    assert text.startswith("Inclusion Criteria\n1. Age:≥5 years old;")
    assert text.endswith("13. Any other conditions that the investigators deem it unsuitable for the study.")
    assert "Minimum Eligible Age" not in text
    assert top_level_counts(text) == {"inclusion": 7, "exclusion": 13}
    rows = split_criteria(text)
    fourth = next(r for r in rows if r["kind"] == "inclusion" and r["path"] == "4")
    # the unbulleted paragraph under item 4 continues it
    assert fourth["text"].startswith(
        "The functions of important organs are basically normal: Cardiac function:"
    )
    assert fourth["text"].endswith("SpO2≥92%;")


# --- seed 001: sourced summary ------------------------------------------------------------------


def test_seed_001_fields(records):
    rec = records[1]
    assert rec["brief_title"].startswith("CD19-BCMA CART Cell Therapy for Refractory Systemic Lupus")
    assert rec["brief_title"].endswith("Single-arm Clinical Study")
    assert rec["overall_status"] == "Recruiting"
    assert rec["phases"] == ["Phase 1", "Phase 2"]
    assert rec["study_type"] == "Interventional"
    assert rec["sex"] == "All"
    assert rec["min_age"] == "6"
    assert rec["max_age"] == "65"
    assert rec["healthy_volunteers"] == "f"
    assert rec["start_date"] == "2025-04-18"
    assert rec["completion_date"] == "2026-07-31"
    assert rec["completion_date_type"] == "Estimated"
    assert rec["enrollment"] == 45
    assert rec["enrollment_type"] is None
    assert rec["lead_sponsor"] == "Beijing GoBroad Hospital"
    assert rec["brief_summary"].startswith("This is a single-center, open-label, non-randomized")
    assert rec["brief_summary"].endswith("It is anticipated that 45-54 subjects will be recruited.")
    assert rec["interventions"] == [{"type": "Drug", "name": None, "description": None}]
    assert rec["arms"] == [
        {
            "label": "CD19-BCMA CART therapy.",
            "type": "Experimental",
            "description": "Patients were treated with CD19-BCMA CART",
            "interventions": [],
        }
    ]
    assert rec["sites"] == [
        {
            "facility": "北京高博医院",
            "city": "Beijing",
            "state": None,
            "zip": None,
            "country": "China",
            "status": "RECRUITING",
        }
    ]
    assert rec["contacts"] == [
        {
            "name": "ZHOU",
            "role": "Primary",
            "affiliation": "北京高博医院",
            "phone": "86+18511772961",
            "email": "zhousn@gobroadhealthcare.com",
        }
    ]
    assert_unstated(
        rec,
        set(
            [
                "brief_title",
                "overall_status",
                "phases",
                "study_type",
                "sex",
                "min_age",
                "max_age",
                "healthy_volunteers",
                "start_date",
                "completion_date",
                "completion_date_type",
                "enrollment",
                "lead_sponsor",
                "brief_summary",
                "interventions",
                "arms",
                "sites",
                "contacts",
                "eligibility_text",
            ]
        ),
    )


def test_seed_001_eligibility(records):
    text = records[1]["eligibility_text"]
    assert text.startswith("• 1\\. Refractory lupus nephritis (LN)")
    assert text.endswith("there are no contraindications for cell collection;")
    assert "Locations" not in text
    # Read off the page: three numbered groups (1. LN, 2. SSc, 3. pSS-PAH; 2. and 3. are run into
    # the previous bullet). Under 1: one ‣ item with nine ⁃ items. Under 2: (1) run in, then
    # ‣ (2)-(5). Under 3: three ⁃ items, ‣ 1) with 2) run in, ‣ (5)-(8) and one unnumbered ‣.
    rows = split_criteria(text)
    assert Counter(r["depth"] for r in rows) == {0: 3, 1: 16, 2: 9}
    assert {r["kind"] for r in rows} == {"inclusion"}
    assert top_level_counts(text) == {"inclusion": 3}


# --- seed 002: ClinicalTrials.gov classic copy -----------------------------------------------


def test_seed_002_fields(records):
    rec = records[2]
    assert rec["nct_id"] is None
    assert rec["brief_title"] == (
        "Chimeric Antigen Receptors T Cells for Refractory/Recurrent Lupus Nephritis in Children (CAR-T)"
    )
    assert rec["official_title"] == (
        "An Exploratory Clinical Study of the Safety and Efficacy of CAR-T in Children With "
        "Refractory/Recurrent Lupus Nephritis Disease"
    )
    assert rec["brief_summary"].startswith("The goal of this prospective, open, single-arm clinical trial")
    assert rec["study_type"] == "Interventional"
    assert rec["enrollment"] == 50
    assert rec["enrollment_type"] == "Estimated"
    assert rec["phases"] == ["Phase 3"]
    assert rec["healthy_volunteers"] == "No"
    assert rec["min_age"] is None and rec["max_age"] is None  # "Child", "Adult" state no bound
    assert rec["design"] == {
        "allocation": "N/A",
        "intervention_model": "Single Group Assignment",
        "primary_purpose": "Treatment",
        "masking": "None (Open Label)",
    }
    assert rec["start_date"] == "May 1, 2025"
    assert rec["primary_completion_date"] == "April 30, 2029"
    assert rec["completion_date"] == "April 30, 2029"
    assert rec["completion_date_type"] == "Estimated"
    assert rec["first_submitted_date"] == "February 26, 2025"
    assert rec["first_posted_date"] == "April 1, 2025"
    assert rec["last_update_date"] == "April 1, 2025"
    assert_unstated(
        rec,
        set(
            [
                "brief_title",
                "official_title",
                "brief_summary",
                "study_type",
                "enrollment",
                "enrollment_type",
                "phases",
                "healthy_volunteers",
                "design",
                "start_date",
                "primary_completion_date",
                "completion_date",
                "completion_date_type",
                "first_submitted_date",
                "first_posted_date",
                "last_update_date",
                "sites",
                "contacts",
                "arms",
                "interventions",
                "outcomes",
                "eligibility_text",
            ]
        ),
    )


def test_seed_002_sites_arms_outcomes(records):
    rec = records[2]
    assert rec["sites"] == [
        {
            "facility": "Guangzhou Women and Children Medical Center",
            "city": "Guangzhou",
            "state": "Guangdong",
            "zip": "510000",
            "country": "China",
            "status": "Recruiting",
        }
    ]
    assert rec["contacts"] == [
        {
            "name": "Xia Gao",
            "role": "Principal Investigator",
            "affiliation": "Guangzhou Women and Children Medical Center",
            "phone": None,
            "email": None,
        }
    ]
    assert rec["arms"] == [
        {
            "label": "CAR-T",
            "type": "Experimental",
            "description": "Children who met the inclusion criteria were given transfusions of CAR-T cells",
            "interventions": [],
        }
    ]
    # the copy drops the "Biological: <name>" lines, so only the descriptions are stated
    assert [(i["type"], i["name"]) for i in rec["interventions"]] == [(None, None), (None, None)]
    assert "low dose" in rec["interventions"][0]["description"]
    assert "high dose" in rec["interventions"][1]["description"]
    assert [(o["kind"], o["measure"], o["time_frame"]) for o in rec["outcomes"]] == [
        (
            "primary",
            "Number of participants with CAR-T cells treatment-related adverse events(AE)",
            "2 years",
        ),
        ("secondary", "Overall renal response (ORR) rete", "2 years"),
        ("secondary", "Number of participants with SRI-4 response", "2 years"),
    ]
    assert rec["outcomes"][0]["description"].startswith("Incidence and severity of treatment-related AE")
    assert rec["outcomes"][2]["description"].endswith("or participant withdrawal from the study).")


def test_seed_002_eligibility(records):
    text = records[2]["eligibility_text"]
    assert text.startswith("Inclusion Criteria:\n  1. Age 6-18 years old")
    assert text.endswith("11. Other situations that the researcher considers unsuitable for inclusion.")
    assert top_level_counts(text) == {"inclusion": 11, "exclusion": 11}
    rows = split_criteria(text)
    children = Counter((r["kind"], r["parent_path"]) for r in rows if r["parent_path"])
    assert children == {
        ("inclusion", "5"): 2,
        ("inclusion", "9"): 5,
        ("inclusion", "9.1"): 4,
        ("inclusion", "9.2"): 3,
        ("inclusion", "9.4"): 2,
        ("exclusion", "6"): 4,
    }


# --- seed 003: ClinicalTrials.Veeva --------------------------------------------------------------


def test_seed_003_fields(records):
    rec = records[3]
    assert rec["nct_id"] is None
    assert rec["brief_title"] == "Study of BCMA/CD70 CAR-T Therapy for Refractory cSLE"
    assert rec["lead_sponsor"] == "Zhejiang University"
    assert rec["overall_status"] == "Enrolling"
    assert rec["phases"] == ["Phase 1"]
    assert rec["conditions"] == ["CAR T Cell Therapy", "BCMA", "Systemic Lupus Erythematosus"]
    assert rec["interventions"] == [
        {"type": "Biological", "name": "anti-BCMA/CD70-CAR-T cells", "description": None}
    ]
    assert rec["study_type"] == "Interventional"
    assert rec["brief_summary"].startswith("This is an investigator-initiated trial aimed at assessing")
    assert rec["detailed_description"].startswith("Systemic lupus erythematosus (SLE) is a severe autoimmune")
    assert rec["detailed_description"].endswith("in the treatment of refractory SLE.")
    assert rec["detailed_description"].count("\n") == 2  # three paragraphs
    assert rec["enrollment"] == 18
    assert rec["enrollment_type"] == "estimated"
    assert rec["sex"] == "All"
    assert rec["min_age"] == "5+ years old"
    assert rec["max_age"] is None
    assert rec["healthy_volunteers"] == "No Healthy Volunteers"
    assert rec["design"] == {
        "allocation": "N/A",
        "intervention_model": "Single Group Assignment",
        "primary_purpose": "Treatment",
        "masking": "None (Open label)",
    }
    assert rec["arms"] == [
        {
            "label": "CAR-T treatment group",
            "type": "Experimental group",
            "description": (
                "This trial was designed as an open, single-arm, multicenter, dose-increasing trial."
            ),
            "interventions": ["anti-BCMA/CD70-CAR-T cells"],
        }
    ]
    assert [(c["name"], c["role"]) for c in rec["contacts"]] == [
        ("Xue He", "Central trial contact"),
        ("Jianhua Mao, MD", "Central trial contact"),
    ]
    assert rec["sites"] == []  # "1" location, not rendered ("Loading...")
    assert_unstated(
        rec,
        set(
            [
                "brief_title",
                "lead_sponsor",
                "overall_status",
                "phases",
                "conditions",
                "interventions",
                "study_type",
                "brief_summary",
                "detailed_description",
                "enrollment",
                "enrollment_type",
                "sex",
                "min_age",
                "healthy_volunteers",
                "design",
                "arms",
                "contacts",
                "eligibility_text",
            ]
        ),
    )


def test_seed_003_eligibility(records):
    text = records[3]["eligibility_text"]
    assert text.startswith("Inclusion criteria\n  1. Age:≥5 years old;")
    assert text.endswith("Any other conditions that the investigators deem it unsuitable for the study.")
    assert top_level_counts(text) == {"inclusion": 8, "exclusion": 11}
    assert all(r["depth"] == 0 for r in split_criteria(text))


# --- seed 004: ClinConnect ----------------------------------------------------------------------


def test_seed_004_fields(records):
    rec = records[4]
    assert rec["nct_id"] is None
    assert (
        rec["brief_title"]
        == "Safety and Efficacy of CD19 Targeted CAR-T Therapy for Refractory Autoimmune Disease"
    )
    assert rec["lead_sponsor"] == "CHONGQING PRECISION BIOTECH CO., LTD"
    assert rec["first_submitted_date"] == "Sep 25, 2023"
    assert rec["current_as_of"] == "June 26, 2025"
    assert rec["overall_status"] == "Recruiting"
    assert rec["sex"] == "ALL"
    assert rec["brief_summary"].startswith("This clinical trial is investigating a new treatment called CD19")
    assert rec["brief_summary"].endswith("could benefit others in the future.")
    assert rec["officials"] == [
        {
            "name": "Liyun Zhang, M.D",
            "role": "Principal Investigator",
            "affiliation": "Shanxi Bethune Hospital",
            "phone": None,
            "email": None,
        }
    ]
    assert rec["sites"] == [
        {
            "facility": None,
            "city": "Taiyuan",
            "state": "Shanxi",
            "zip": None,
            "country": "China",
            "status": None,
        }
    ]
    assert rec["contacts"] == [
        {
            "name": "Jennifer Cobb",
            "role": None,
            "affiliation": "Immunology at National Institute of Allergy and Infectious Diseases (NIAID)",
            "phone": None,
            "email": None,
        }
    ]
    # the Timeline shows labels only ("Not reported"): no dates are stated there
    assert rec["start_date"] is None and rec["completion_date"] is None
    assert_unstated(
        rec,
        set(
            [
                "brief_title",
                "lead_sponsor",
                "first_submitted_date",
                "current_as_of",
                "overall_status",
                "sex",
                "brief_summary",
                "officials",
                "sites",
                "contacts",
                "eligibility_text",
            ]
        ),
    )


def test_seed_004_eligibility(records):
    text = records[4]["eligibility_text"]
    assert text.startswith("- Inclusion Criteria:\n- • 1. ≥18 years old")
    assert text.endswith("consider it inappropriate to participate in the study.")
    assert "About Chongqing" not in text
    assert top_level_counts(text) == {"inclusion": 7, "exclusion": 10}
    rows = split_criteria(text)
    by_path = {(r["kind"], r["path"]): r for r in rows}
    assert Counter(r["depth"] for r in rows if r["kind"] == "inclusion") == {0: 7, 1: 16, 2: 3}
    # "• 2, muscle biopsy" continues the 1./3. list under the DM bullet
    assert by_path[("inclusion", "3.4.2")]["text"].startswith("muscle biopsy pathology")
    assert by_path[("inclusion", "3.5")]["text"] == "For ANCA-AAV patients, the BVAS score was ≥15."
    assert by_path[("inclusion", "4")]["text"] == "ECOG 0~1 score;"
