"""The five bundled pages in the published marts: every field each page states, normalised.

Expected values were read off the pages in sample_data/pages/ (not off parser output); normalised
values follow the mapping seeds (e.g. Veeva's "Enrolling" is RECRUITING). A field a page does not
state is NULL (or an empty list for list fields a page layout has, such as conditions).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow

PAGES = REPO / "sample_data" / "pages"


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    relation = con.execute(sql, params or [])
    columns = [d[0] for d in relation.description]
    return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


@pytest.fixture(scope="module")
def con(cli_warehouse: Path):
    with duckdb.connect(str(cli_warehouse / "warehouse.duckdb"), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def page_records(con) -> dict[int, dict]:
    """marts.trial_records of each seed page, keyed by the seed number."""
    out = {}
    for n in range(5):
        (path,) = PAGES.glob(f"{n:03d}_*.txt")
        rows = _rows(
            con, "select * from marts.trial_records where document_key = ?", [path.resolve().as_uri()]
        )
        assert len(rows) == 1, (n, rows)
        out[n] = rows[0]
    return out


def _children(con, table: str, record_id: str, order: str) -> list[dict]:
    return _rows(con, f"select * from marts.{table} where record_id = ? order by {order}", [record_id])


def _top_level_criteria(con, record_id: str) -> dict[str, int]:
    return dict(
        con.execute(
            "select kind, count(*) from marts.criteria where record_id = ? and depth = 0 group by kind",
            [record_id],
        ).fetchall()
    )


def assert_fields(record: dict, expected: dict) -> None:
    actual = {key: record[key] for key in expected}
    assert actual == expected


# --- seed 000: study page -----------------------------------------------------------------------


def test_seed_000_record(page_records):
    rec = page_records[0]
    assert_fields(
        rec,
        {
            "layout": "study_page",
            "record_origin": "page",
            "nct_id": "NCT06691152",
            "trial_id": "NCT06691152",
            "other_ids": ["PBC078"],
            "title": "Efficacy and Safety of CD19 UCAR T Cells in Refractory Systemic Lupus Erythematosus",
            "official_title": None,
            "acronym": None,
            "overall_status": "RECRUITING",
            "overall_status_raw": "RECRUITING",
            "phases": ["PHASE1"],
            "enrollment": 18,
            "enrollment_type": None,
            "study_type": "INTERVENTIONAL",
            "start_date": date(2024, 10, 30),
            "start_date_precision": "day",
            "start_date_type": None,
            "primary_completion_date": None,
            "completion_date": date(2027, 9, 30),
            "completion_date_precision": "day",
            "first_submitted_date": None,
            "first_posted_date": None,
            "last_update_date": date(2024, 11, 15),
            "last_update_date_precision": "day",
            "current_as_of": None,
            "lead_sponsor": "The Children's Hospital of Zhejiang University School of Medicine",
            "collaborators": [],
            "conditions": ["Systemic Lupus Erythematosus"],
            "keywords": [],
            "allocation": "NA",
            "intervention_model": "SINGLE_GROUP",
            "primary_purpose": "TREATMENT",
            "masking": "NONE",
            "min_age_years": 5.0,
            "max_age_years": None,
            "min_age_raw": "5 Years",
            "sex": "ALL",
            "healthy_volunteers": False,
            "reference_pmids": ["34347960", "38381673", "33569643", "28925994"],
            "related_nct_ids": ["NCT07274059", "NCT07266337", "NCT07059169", "NCT06681337"],
            "arms_count": 1,
            "sites_count": 1,
            "interventions_count": 1,
        },
    )
    assert rec["brief_summary"].startswith("This is an investigator-initiated trial to evaluate the safety")
    assert rec["detailed_description"].startswith(
        "Systemic lupus erythematosus (SLE) is a serious autoimmune"
    )
    assert rec["eligibility_text"].startswith("Inclusion Criteria\n1. Age:≥5 years old;")


def test_seed_000_lists(con, page_records):
    record_id = page_records[0]["record_id"]
    assert _top_level_criteria(con, record_id) == {"inclusion": 7, "exclusion": 13}

    (arm,) = _children(con, "arms", record_id, "arm_ordinal")
    assert (arm["label"], arm["arm_type"], arm["intervention_names"]) == (
        "CAR T cell treatment group",
        "EXPERIMENTAL",
        ["CD19 Universal CAR-T cells"],
    )
    assert arm["description"].startswith("This trial was designed as an open, single-arm, multicenter")

    (site,) = _children(con, "sites", record_id, "site_ordinal")
    assert_fields(
        site,
        {
            "facility": "Children's Hospital, Zhejiang University School of Medicine",
            "city": "Hangzhou",
            "state": "Zhejiang",
            "zip": None,
            "country": "China",
            "status": "RECRUITING",
            "latitude": None,
        },
    )

    (intervention,) = _children(con, "interventions", record_id, "ordinal")
    assert_fields(
        intervention,
        {
            "trial_id": "NCT06691152",
            "ordinal": 1,
            "intervention_type": "BIOLOGICAL",
            "name": "CD19 Universal CAR-T cells",
            "arm_labels": ["CAR T cell treatment group"],
        },
    )
    assert intervention["description"].startswith("Three dose groups (1×10\\^7/kg")

    people = [
        (p["contact_kind"], p["name"], p["role"], p["role_raw"], p["phone"], p["affiliation"])
        for p in _children(con, "trial_contacts", record_id, "contact_kind, ordinal")
    ]
    assert people == [
        ("contact", "Jianhua Mao, Prof", "CONTACT", "CONTACT", "0571-86670076", None),
        ("contact", "Xue He", "CONTACT", "CONTACT", "15088688407", None),
        ("contact", "Jianhua Mao, MD", "CONTACT", "primary", "+86-571-86670076", None),
        ("contact", "Xue He, MD", "CONTACT", "backup", "+8615088688407", None),
        ("contact", "Jianhua Mao, MD", "CONTACT", "backup", None, None),
        (
            "official",
            "Jianhua Mao",
            "PRINCIPAL_INVESTIGATOR",
            "PRINCIPAL_INVESTIGATOR",
            None,
            "Children's Hospital, Zhejiang University School of Medicine",
        ),
    ]
    assert [r["pmid"] for r in _children(con, "trial_references", record_id, "ordinal")] == [
        "34347960",
        "38381673",
        "33569643",
        "28925994",
    ]
    assert _children(con, "outcomes", record_id, "ordinal") == []


# --- seed 001: "sourced from clinicaltrials.gov" summary ---------------------------------------


def test_seed_001_record(page_records):
    rec = page_records[1]
    assert_fields(
        rec,
        {
            "layout": "sourced_summary",
            "nct_id": None,
            "other_ids": [],
            "title": "CD19-BCMA CART Cell Therapy for Refractory Systemic Lupus Erythematosus Nephritis "
            "(SLE-LN), Systemic Sclerosis (SSc), and Primary Sjogren Syndrome Combined With Pulmonary "
            "Artery Hypertension (pSS-PAH): a Single-center, Open, Non-randomized, Single-arm Clinical Study",
            "official_title": None,
            "overall_status": "RECRUITING",
            "overall_status_raw": "Recruiting",
            "phases": ["PHASE1", "PHASE2"],
            "phases_raw": ["Phase 1", "Phase 2"],
            "study_type": "INTERVENTIONAL",
            "enrollment": 45,
            "enrollment_type": None,
            "start_date": date(2025, 4, 18),
            "start_date_precision": "day",
            "primary_completion_date": None,
            "completion_date": date(2026, 7, 31),
            "completion_date_precision": "day",
            "completion_date_type": "ESTIMATED",
            "first_submitted_date": None,
            "last_update_date": None,
            "lead_sponsor": "Beijing GoBroad Hospital",
            "collaborators": [],
            "conditions": [],
            "allocation": None,
            "intervention_model": None,
            "primary_purpose": None,
            "masking": None,
            "min_age_years": 6.0,
            "max_age_years": 65.0,
            "min_age_raw": "6",
            "max_age_raw": "65",
            "sex": "ALL",
            "healthy_volunteers": False,
            "reference_pmids": [],
            "related_nct_ids": [],
            "arms_count": 1,
            "sites_count": 1,
            "interventions_count": 1,
        },
    )
    assert rec["trial_id"] is not None
    assert rec["brief_summary"].startswith("This is a single-center, open-label, non-randomized")


def test_seed_001_lists(con, page_records):
    record_id = page_records[1]["record_id"]
    # three numbered groups of criteria (LN, SSc, pSS-PAH), all inclusion; the page has no exclusions
    assert _top_level_criteria(con, record_id) == {"inclusion": 3}

    (arm,) = _children(con, "arms", record_id, "arm_ordinal")
    assert_fields(
        arm,
        {
            "label": "CD19-BCMA CART therapy.",
            "arm_type": "EXPERIMENTAL",
            "arm_type_raw": "Experimental",
            "description": "Patients were treated with CD19-BCMA CART",
            "intervention_names": [],
        },
    )
    (site,) = _children(con, "sites", record_id, "site_ordinal")
    assert_fields(
        site,
        {
            "facility": "北京高博医院",
            "city": "Beijing",
            "state": None,
            "zip": None,
            "country": "China",
            "status": "RECRUITING",
        },
    )
    # "Intervention Type: Drug": a type, no name
    (intervention,) = _children(con, "interventions", record_id, "ordinal")
    assert_fields(
        intervention,
        {"intervention_type": "DRUG", "intervention_type_raw": "Drug", "name": None, "description": None},
    )
    (contact,) = _children(con, "trial_contacts", record_id, "ordinal")
    assert_fields(
        contact,
        {
            "contact_kind": "contact",
            "name": "ZHOU",
            "role": "CONTACT",
            "role_raw": "Primary",
            "affiliation": "北京高博医院",
            "phone": "86+18511772961",
            "email": "zhousn@gobroadhealthcare.com",
        },
    )


# --- seed 002: ClinicalTrials.gov classic layout --------------------------------------------------


def test_seed_002_record(page_records):
    rec = page_records[2]
    assert_fields(
        rec,
        {
            "layout": "ctgov_classic",
            "nct_id": None,
            "title": "Chimeric Antigen Receptors T Cells for Refractory/Recurrent Lupus Nephritis in "
            "Children (CAR-T)",
            "official_title": "An Exploratory Clinical Study of the Safety and Efficacy of CAR-T in Children "
            "With Refractory/Recurrent Lupus Nephritis Disease",
            "overall_status": None,
            "phases": ["PHASE3"],
            "study_type": "INTERVENTIONAL",
            "enrollment": 50,
            "enrollment_type": "ESTIMATED",
            "start_date": date(2025, 5, 1),
            "start_date_precision": "day",
            "primary_completion_date": date(2029, 4, 30),
            "primary_completion_date_precision": "day",
            "completion_date": date(2029, 4, 30),
            "completion_date_precision": "day",
            "completion_date_type": "ESTIMATED",
            "first_submitted_date": date(2025, 2, 26),
            "first_submitted_date_precision": "day",
            "first_posted_date": date(2025, 4, 1),
            "last_update_date": date(2025, 4, 1),
            "current_as_of": None,
            "lead_sponsor": None,
            "conditions": [],
            "allocation": "NA",
            "allocation_raw": "N/A",
            "intervention_model": "SINGLE_GROUP",
            "intervention_model_raw": "Single Group Assignment",
            "primary_purpose": "TREATMENT",
            "primary_purpose_raw": "Treatment",
            "masking": "NONE",
            "masking_raw": "None (Open Label)",
            "min_age_years": None,
            "max_age_years": None,
            "sex": None,
            "healthy_volunteers": False,
            "arms_count": 1,
            "sites_count": 1,
            "interventions_count": 2,
        },
    )
    assert rec["brief_summary"].startswith("The goal of this prospective, open, single-arm clinical trial")


def test_seed_002_lists(con, page_records):
    record_id = page_records[2]["record_id"]
    assert _top_level_criteria(con, record_id) == {"inclusion": 11, "exclusion": 11}

    (arm,) = _children(con, "arms", record_id, "arm_ordinal")
    assert_fields(
        arm,
        {
            "label": "CAR-T",
            "arm_type": "EXPERIMENTAL",
            "description": "Children who met the inclusion criteria were given transfusions of CAR-T cells",
        },
    )
    (site,) = _children(con, "sites", record_id, "site_ordinal")
    assert_fields(
        site,
        {
            "facility": "Guangzhou Women and Children Medical Center",
            "city": "Guangzhou",
            "state": "Guangdong",
            "zip": "510000",
            "country": "China",
            "status": "RECRUITING",
            "status_raw": "Recruiting",
        },
    )
    # the page gives the two interventions' descriptions only (their names were links)
    interventions = _children(con, "interventions", record_id, "ordinal")
    assert [(i["intervention_type"], i["name"]) for i in interventions] == [(None, None), (None, None)]
    assert interventions[0]["description"].startswith("This group of patients received low dose")
    assert interventions[1]["description"].startswith("This group of patients received high dose")

    (contact,) = _children(con, "trial_contacts", record_id, "ordinal")
    assert (contact["name"], contact["role"], contact["affiliation"]) == (
        "Xia Gao",
        "PRINCIPAL_INVESTIGATOR",
        "Guangzhou Women and Children Medical Center",
    )
    outcomes = _children(con, "outcomes", record_id, "kind, ordinal")
    assert [(o["kind"], o["ordinal"], o["measure"], o["time_frame"]) for o in outcomes] == [
        (
            "primary",
            1,
            "Number of participants with CAR-T cells treatment-related adverse events(AE)",
            "2 years",
        ),
        ("secondary", 1, "Overall renal response (ORR) rete", "2 years"),
        ("secondary", 2, "Number of participants with SRI-4 response", "2 years"),
    ]


# --- seed 003: Veeva -------------------------------------------------------------------------------


def test_seed_003_record(page_records):
    rec = page_records[3]
    assert_fields(
        rec,
        {
            "layout": "veeva",
            "nct_id": None,
            "title": "Study of BCMA/CD70 CAR-T Therapy for Refractory cSLE",
            "overall_status": "RECRUITING",
            "overall_status_raw": "Enrolling",
            "phases": ["PHASE1"],
            "study_type": "INTERVENTIONAL",
            "enrollment": 18,
            "enrollment_type": "ESTIMATED",
            "start_date": None,
            "primary_completion_date": None,
            "completion_date": None,
            "first_submitted_date": None,
            "last_update_date": None,
            "lead_sponsor": "Zhejiang University",
            "conditions": ["CAR T Cell Therapy", "BCMA", "Systemic Lupus Erythematosus"],
            "allocation": "NA",
            "intervention_model": "SINGLE_GROUP",
            "primary_purpose": "TREATMENT",
            "masking": "NONE",
            "masking_raw": "None (Open label)",
            "min_age_years": 5.0,
            "max_age_years": None,
            "min_age_raw": "5+ years old",
            "sex": "ALL",
            "healthy_volunteers": False,
            "arms_count": 1,
            "sites_count": 0,
            "interventions_count": 1,
        },
    )
    assert rec["brief_summary"].startswith("This is an investigator-initiated trial aimed at assessing")
    assert rec["detailed_description"].startswith("Systemic lupus erythematosus (SLE) is a severe autoimmune")


def test_seed_003_lists(con, page_records):
    record_id = page_records[3]["record_id"]
    assert _top_level_criteria(con, record_id) == {"inclusion": 8, "exclusion": 11}

    (arm,) = _children(con, "arms", record_id, "arm_ordinal")
    assert_fields(
        arm,
        {
            "label": "CAR-T treatment group",
            "arm_type": "EXPERIMENTAL",
            "arm_type_raw": "Experimental group",
            "description": "This trial was designed as an open, single-arm, multicenter, "
            "dose-increasing trial.",
            "intervention_names": ["anti-BCMA/CD70-CAR-T cells"],
        },
    )
    assert _children(con, "sites", record_id, "site_ordinal") == []
    (intervention,) = _children(con, "interventions", record_id, "ordinal")
    assert_fields(
        intervention,
        {
            "intervention_type": "BIOLOGICAL",
            "intervention_type_raw": "Biological",
            "name": "anti-BCMA/CD70-CAR-T cells",
            "description": None,
            "arm_labels": ["CAR-T treatment group"],
        },
    )
    people = [
        (p["contact_kind"], p["name"], p["role"], p["role_raw"])
        for p in _children(con, "trial_contacts", record_id, "ordinal")
    ]
    assert people == [
        ("contact", "Xue He", "CONTACT", "Central trial contact"),
        ("contact", "Jianhua Mao, MD", "CONTACT", "Central trial contact"),
    ]


# --- seed 004: ClinConnect -------------------------------------------------------------------------


def test_seed_004_record(page_records):
    rec = page_records[4]
    assert_fields(
        rec,
        {
            "layout": "clinconnect",
            "nct_id": None,
            "title": "Safety and Efficacy of CD19 Targeted CAR-T Therapy for Refractory Autoimmune Disease",
            "overall_status": "RECRUITING",
            "overall_status_raw": "Recruiting",
            "phases": None,
            "study_type": None,
            "enrollment": None,
            "enrollment_type": None,
            "start_date": None,
            "completion_date": None,
            "first_submitted_date": date(2023, 9, 25),
            "first_submitted_date_precision": "day",
            "current_as_of": date(2025, 6, 26),
            "current_as_of_precision": "day",
            "lead_sponsor": "CHONGQING PRECISION BIOTECH CO., LTD",
            "keywords": [],
            "allocation": None,
            "masking": None,
            "min_age_years": None,
            "max_age_years": None,
            "sex": "ALL",
            "healthy_volunteers": None,
            "arms_count": 0,
            "sites_count": 1,
            "interventions_count": 0,
        },
    )
    assert rec["brief_summary"].startswith("This clinical trial is investigating a new treatment called CD19")


def test_seed_004_lists(con, page_records):
    record_id = page_records[4]["record_id"]
    assert _top_level_criteria(con, record_id) == {"inclusion": 7, "exclusion": 10}
    assert _children(con, "arms", record_id, "arm_ordinal") == []
    (site,) = _children(con, "sites", record_id, "site_ordinal")
    assert_fields(
        site,
        {
            "facility": None,
            "city": "Taiyuan",
            "state": "Shanxi",
            "zip": None,
            "country": "China",
            "status": None,
        },
    )
    people = [
        (p["contact_kind"], p["name"], p["role"], p["affiliation"])
        for p in _children(con, "trial_contacts", record_id, "contact_kind, ordinal")
    ]
    assert people == [
        (
            "contact",
            "Jennifer Cobb",
            None,
            "Immunology at National Institute of Allergy and Infectious Diseases (NIAID)",
        ),
        ("official", "Liyun Zhang, M.D", "PRINCIPAL_INVESTIGATOR", "Shanxi Bethune Hospital"),
    ]


# --- across the pages ------------------------------------------------------------------------------


def test_list_marts_take_trial_id_from_the_record_link(con):
    """interventions and trial_contacts carry the trial_id of their record (from int_trial_links)."""
    for table in ("interventions", "trial_contacts", "arms", "sites"):
        mismatched = con.execute(
            f"""
            select count(*) from marts.{table} t
            join marts.trial_records r using (record_id)
            where t.trial_id is distinct from r.trial_id
            """
        ).fetchone()[0]
        assert mismatched == 0, table
