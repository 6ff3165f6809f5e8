"""Every bundled ClinicalTrials.gov API v2 study in the published marts, with exactly the JSON's values.

Each expectation is computed from the JSON file with plain dict access (an independent reading of
the study, not the dbt models' JSON paths), then a few values are asserted literally.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_CTGOV

pytestmark = pytest.mark.slow

STUDY_FILES = sorted(SAMPLE_CTGOV.glob("NCT*.json"))
YEARS_PER_UNIT = {"year": 1.0, "month": 1 / 12, "week": 7 / 365.25, "day": 1 / 365.25}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    relation = con.execute(sql, params or [])
    columns = [d[0] for d in relation.description]
    return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


@pytest.fixture(scope="module")
def con(cli_warehouse: Path):
    with duckdb.connect(str(cli_warehouse / "warehouse.duckdb"), read_only=True) as connection:
        yield connection


def record_of(con, nct_id: str) -> dict:
    rows = _rows(
        con, "select * from marts.trial_records where record_origin = 'ctgov' and nct_id = ?", [nct_id]
    )
    assert len(rows) == 1, rows
    return rows[0]


def children(con, table: str, record_id: str, order: str) -> list[dict]:
    return _rows(con, f"select * from marts.{table} where record_id = ? order by {order}", [record_id])


# --- an independent reading of the JSON -----------------------------------------------------------


def partial_date(text: str | None) -> tuple[date | None, str | None]:
    """ "2014-08-05" → (date, "day"), "2006-11" → (1st of month, "month"), "2024" → (1 Jan, "year")."""
    if text is None:
        return None, None
    parts = [int(p) for p in text.split("-")]
    precision = {1: "year", 2: "month", 3: "day"}[len(parts)]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1), precision


def age_years(text: str | None) -> float | None:
    """ "18 Years" → 18.0, "6 Months" → 0.5."""
    if text is None:
        return None
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?) (\w+?)s?", text).groups()
    return float(number) * YEARS_PER_UNIT[unit.lower()]


def expected_record(study: dict) -> dict:
    protocol = study["protocolSection"]
    ident = protocol["identificationModule"]
    status = protocol.get("statusModule", {})
    sponsors = protocol.get("sponsorCollaboratorsModule", {})
    design = protocol.get("designModule", {})
    design_info = design.get("designInfo", {})
    eligibility = protocol.get("eligibilityModule", {})
    conditions = protocol.get("conditionsModule", {})
    references = protocol.get("referencesModule", {}).get("references", [])
    enrollment = design.get("enrollmentInfo", {})

    out = {
        "nct_id": ident["nctId"],
        "trial_id": ident["nctId"],
        "layout": None,
        "title": ident.get("briefTitle"),
        "official_title": ident.get("officialTitle"),
        "acronym": ident.get("acronym"),
        "org_study_id": ident.get("orgStudyIdInfo", {}).get("id"),
        "secondary_ids": [s["id"] for s in ident.get("secondaryIdInfos", [])],
        "overall_status": status.get("overallStatus"),
        "phases": design.get("phases") or None,
        "study_type": design.get("studyType"),
        "enrollment": enrollment.get("count"),
        "enrollment_type": enrollment.get("type"),
        "lead_sponsor": sponsors.get("leadSponsor", {}).get("name"),
        "lead_sponsor_class": sponsors.get("leadSponsor", {}).get("class"),
        "collaborators": [c["name"] for c in sponsors.get("collaborators", [])],
        "conditions": conditions.get("conditions", []),
        "keywords": conditions.get("keywords", []),
        "allocation": design_info.get("allocation"),
        "intervention_model": design_info.get("interventionModel"),
        "primary_purpose": design_info.get("primaryPurpose"),
        "masking": design_info.get("maskingInfo", {}).get("masking"),
        "who_masked": design_info.get("maskingInfo", {}).get("whoMasked", []),
        "observational_model": design_info.get("observationalModel"),
        "time_perspective": design_info.get("timePerspective"),
        "min_age_years": age_years(eligibility.get("minimumAge")),
        "max_age_years": age_years(eligibility.get("maximumAge")),
        "min_age_raw": eligibility.get("minimumAge"),
        "max_age_raw": eligibility.get("maximumAge"),
        "sex": eligibility.get("sex"),
        "healthy_volunteers": eligibility.get("healthyVolunteers"),
        "std_ages": eligibility.get("stdAges", []),
        "eligibility_text": eligibility.get("eligibilityCriteria"),
        "brief_summary": protocol.get("descriptionModule", {}).get("briefSummary"),
        "has_results": study.get("hasResults"),
        "reference_pmids": [r["pmid"] for r in references if "pmid" in r],
        "related_nct_ids": None,
        "current_as_of": None,
    }
    for column, struct in (
        ("start_date", "startDateStruct"),
        ("primary_completion_date", "primaryCompletionDateStruct"),
        ("completion_date", "completionDateStruct"),
        ("first_posted_date", "studyFirstPostDateStruct"),
        ("last_update_date", "lastUpdatePostDateStruct"),
    ):
        stated = status.get(struct, {})
        out[column], precision = partial_date(stated.get("date"))
        out[f"{column}_type"] = stated.get("type")
        if column in ("start_date", "primary_completion_date", "completion_date"):
            out[f"{column}_precision"] = precision
    out["first_submitted_date"], out["first_submitted_date_precision"] = partial_date(
        status.get("studyFirstSubmitDate")
    )
    return out


# --- every study ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", STUDY_FILES, ids=[p.stem for p in STUDY_FILES])
def test_study_record_equals_the_json(con, path):
    study = json.loads(path.read_text())
    expected = expected_record(study)
    record = record_of(con, expected["nct_id"])
    actual = {key: record[key] for key in expected}
    for key in ("min_age_years", "max_age_years"):
        if expected[key] is not None:
            assert actual[key] == pytest.approx(expected[key]), key
            actual[key] = expected[key]
    assert actual == expected
    assert record["source_name"] == "sample-ctgov"
    assert record["document_key"] == path.name


@pytest.mark.parametrize("path", STUDY_FILES, ids=[p.stem for p in STUDY_FILES])
def test_study_lists_equal_the_json(con, path):
    protocol = json.loads(path.read_text())["protocolSection"]
    arms_module = protocol.get("armsInterventionsModule", {})
    contacts_module = protocol.get("contactsLocationsModule", {})
    locations = contacts_module.get("locations", [])
    record = record_of(con, protocol["identificationModule"]["nctId"])
    record_id = record["record_id"]

    arm_groups = arms_module.get("armGroups", [])
    arms = children(con, "arms", record_id, "arm_ordinal")
    assert [(a["label"], a["arm_type"], a["description"], a["intervention_names"]) for a in arms] == [
        (g.get("label"), g.get("type"), g.get("description"), g.get("interventionNames", []))
        for g in arm_groups
    ]
    assert record["arms_count"] == len(arm_groups)

    sites = children(con, "sites", record_id, "site_ordinal")
    assert [(s["facility"], s["city"], s["state"], s["zip"], s["country"], s["status"]) for s in sites] == [
        (
            loc.get("facility"),
            loc.get("city"),
            loc.get("state"),
            loc.get("zip"),
            loc.get("country"),
            loc.get("status"),
        )
        for loc in locations
    ]
    assert [(s["latitude"], s["longitude"]) for s in sites] == [
        (loc.get("geoPoint", {}).get("lat"), loc.get("geoPoint", {}).get("lon")) for loc in locations
    ]
    assert record["sites_count"] == len(locations)

    stated_interventions = arms_module.get("interventions", [])
    interventions = children(con, "interventions", record_id, "ordinal")
    assert [
        (i["ordinal"], i["intervention_type"], i["name"], i["description"], i["arm_labels"], i["other_names"])
        for i in interventions
    ] == [
        (
            n,
            i.get("type"),
            i.get("name"),
            i.get("description"),
            i.get("armGroupLabels", []),
            i.get("otherNames", []),
        )
        for n, i in enumerate(stated_interventions, start=1)
    ]
    assert {i["trial_id"] for i in interventions} <= {record["trial_id"]}
    assert record["interventions_count"] == len(stated_interventions)

    people = children(con, "trial_contacts", record_id, "contact_kind, site_ordinal, ordinal")
    expected_people = (
        [
            ("contact", None, c.get("name"), c.get("role"), c.get("phone"), c.get("email"))
            for c in contacts_module.get("centralContacts", [])
        ]
        + [
            ("official", None, o.get("name"), o.get("role"), None, None)
            for o in contacts_module.get("overallOfficials", [])
        ]
        + [
            ("site_contact", n, c.get("name"), c.get("role"), c.get("phone"), c.get("email"))
            for n, loc in enumerate(locations, start=1)
            for c in loc.get("contacts", [])
        ]
    )
    assert [
        (p["contact_kind"], p["site_ordinal"], p["name"], p["role"], p["phone"], p["email"]) for p in people
    ] == expected_people

    outcomes_module = protocol.get("outcomesModule", {})
    outcomes = children(con, "outcomes", record_id, "kind, ordinal")
    expected_outcomes = sorted(
        (kind, n, o.get("measure"), o.get("timeFrame"))
        for kind, key in (
            ("primary", "primaryOutcomes"),
            ("secondary", "secondaryOutcomes"),
            ("other", "otherOutcomes"),
        )
        for n, o in enumerate(outcomes_module.get(key, []), start=1)
    )
    assert [(o["kind"], o["ordinal"], o["measure"], o["time_frame"]) for o in outcomes] == expected_outcomes

    references = protocol.get("referencesModule", {}).get("references", [])
    assert [
        (r["pmid"], r["reference_type"], r["citation"])
        for r in children(con, "trial_references", record_id, "ordinal")
    ] == [(r.get("pmid"), r.get("type"), r.get("citation")) for r in references]


# --- literal values ---------------------------------------------------------------------------------


def test_nct02210780(con):
    record = record_of(con, "NCT02210780")
    assert (record["overall_status"], record["phases"], record["enrollment"], record["enrollment_type"]) == (
        "COMPLETED",
        ["PHASE2"],
        194,
        "ACTUAL",
    )
    assert (record["arms_count"], record["sites_count"], record["interventions_count"]) == (2, 42, 2)
    assert (record["start_date"], record["start_date_precision"], record["start_date_type"]) == (
        date(2014, 8, 5),
        "day",
        "ACTUAL",
    )
    assert (
        record["min_age_years"],
        record["max_age_years"],
        record["sex"],
        record["healthy_volunteers"],
    ) == (
        18.0,
        64.0,
        "ALL",
        False,
    )
    assert record["lead_sponsor"] == "Regeneron Pharmaceuticals"
    assert (record["allocation"], record["intervention_model"], record["masking"]) == (
        "RANDOMIZED",
        "PARALLEL",
        "TRIPLE",
    )
    names = [
        r[0]
        for r in con.execute(
            "select name from marts.interventions where record_id = ? order by ordinal", [record["record_id"]]
        ).fetchall()
    ]
    assert names == ["Dupilumab", "Placebo"]


def test_nct02513394_has_all_437_sites(con):
    record = record_of(con, "NCT02513394")
    assert record["sites_count"] == 437
    assert con.execute("select count(*) from marts.sites where trial_id = 'NCT02513394'").fetchone() == (437,)
    assert record["max_age_years"] is None  # the study states no upper age limit


def test_dates_without_a_type_keep_their_precision(con):
    record = record_of(con, "NCT00763412")
    assert (record["start_date"], record["start_date_precision"], record["start_date_type"]) == (
        date(2006, 11, 1),
        "month",
        None,
    )
    assert (
        record["completion_date"],
        record["completion_date_precision"],
        record["completion_date_type"],
    ) == (
        date(2013, 1, 1),
        "month",
        "ACTUAL",
    )


@pytest.mark.parametrize("nct_id", ["NCT03453554", "NCT00465816"])
def test_withheld_minimal_studies_are_one_record_each_with_nothing_guessed(con, nct_id):
    (record,) = _rows(con, "select * from marts.trial_records where nct_id = ?", [nct_id])
    assert record["overall_status"] is None
    assert record["phases"] is None and record["enrollment"] is None and record["start_date"] is None
    assert record["sex"] is None and record["healthy_volunteers"] is None and record["lead_sponsor"] is None
    assert (record["arms_count"], record["sites_count"], record["interventions_count"]) == (0, 0, 0)
    for table in ("arms", "sites", "interventions", "trial_contacts", "criteria"):
        assert con.execute(
            f"select count(*) from marts.{table} where record_id = ?", [record["record_id"]]
        ).fetchone() == (0,)
    assert record["title"] in {"Evaluating a Digital...", "Primary Study to Demonstrate..."}


def test_withheld_study_keeps_its_references(con):
    record = record_of(con, "NCT00465816")
    assert record["reference_pmids"] == ["22107850"]
    refs = children(con, "trial_references", record["record_id"], "ordinal")
    assert [(r["pmid"], r["reference_type"]) for r in refs] == [
        ("22107850", "BACKGROUND"),
        (None, "BACKGROUND"),
    ]
