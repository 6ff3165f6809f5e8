"""Layout detection, HTML input, copies that differ from the seeds, and quarantine reasons."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from ingest.pages import LAYOUTS, detect_layout, html_to_text, parse_page, split_criteria

PAGES = Path(__file__).resolve().parents[1] / "sample_data" / "pages"
SEED_LAYOUTS = ["study_page", "sourced_summary", "ctgov_classic", "veeva", "clinconnect"]
BASIC_LABELS = (
    "Recruitment Status",
    "Clinical Phase",
    "Total Enrollment",
    "Study Classification",
    "Study Start Date",
    "Study Completion Date",
)


def seed_text(n: int) -> str:
    (path,) = PAGES.glob(f"{n:03d}_*.txt")
    return path.read_text(encoding="utf-8")


def record(body: str, url: str | None = None) -> dict:
    result = parse_page(body, url)
    assert result["ok"], result
    return result["record"]


def as_html(text: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    return f"<html><body>{paragraphs}<script>x</script></body></html>"


# --- detection -------------------------------------------------------------------------------


def test_layout_names():
    assert tuple(SEED_LAYOUTS) == LAYOUTS


@pytest.mark.parametrize("n", range(5))
def test_detect_layout_on_seeds(n):
    assert detect_layout(seed_text(n)) == SEED_LAYOUTS[n]


def test_detect_layout_uses_url_host_but_not_alone():
    # a page cut to a few lines is still placed when the host names the site
    stub = "Study of X\n\nStatus and phase\n\nEnrolling\n"
    assert detect_layout(stub) is None
    assert detect_layout(stub, "https://www.clinicaltrials.veeva.com/study/x") == "veeva"
    stub = "Some trial\nClinConnect Summary\nText."
    assert detect_layout(stub, "https://www.clinconnect.io/trials/NCT06056921") == "clinconnect"
    # the host alone is not enough
    assert detect_layout("Chocolate cake recipe", "https://www.clinconnect.io/x") is None
    assert detect_layout("") is None


# --- HTML ------------------------------------------------------------------------------------


def test_html_to_text_drops_script_and_style():
    text = html_to_text(
        "<html><head><style>p{x:1}</style></head><body><p>a</p><div>b</div>"
        "<script>var x;</script></body></html>"
    )
    assert [line for line in text.splitlines() if line.strip()] == ["a", "b"]


def test_html_lists_keep_their_nesting_as_indentation():
    from ingest.pages import split_criteria

    text = html_to_text(
        "<p>Inclusion Criteria:</p><ol><li>Age<ul><li>adult</li><li>child</li></ul></li><li>Consent</li></ol>"
        "<div>Exclusion Criteria:</div><ul><li>Pregnancy</li></ul>"
    )
    rows = [(r["kind"], r["path"], r["text"]) for r in split_criteria(text)]
    assert rows == [
        ("inclusion", "1", "Age"),
        ("inclusion", "1.1", "adult"),
        ("inclusion", "1.2", "child"),
        ("inclusion", "2", "Consent"),
        ("exclusion", "1", "Pregnancy"),
    ]


def test_html_copy_of_seed_000_gives_the_same_record():
    text = seed_text(0)
    assert parse_page(as_html(text)) == parse_page(text)


@pytest.mark.parametrize("n", [1, 4])
def test_html_copies_of_unindented_seeds_give_the_same_record(n):
    text = seed_text(n)
    assert parse_page(as_html(text)) == parse_page(text)


def test_html_copy_of_indented_seed_differs_only_in_criteria_indentation():
    from ingest.pages import split_criteria

    text = seed_text(3)
    a, b = record(text), record(as_html(text))
    assert [k for k in a if a[k] != b[k]] == ["eligibility_text"]  # <p> collapses the leading spaces
    assert split_criteria(a["eligibility_text"]) == split_criteria(b["eligibility_text"])


def test_doctype_html_is_converted():
    body = "<!DOCTYPE html>" + as_html(seed_text(3))
    assert record(body)["brief_title"] == "Study of BCMA/CD70 CAR-T Therapy for Refractory cSLE"


# --- copies that differ ------------------------------------------------------------------------


def test_seed_000_with_basic_information_labels_removed():
    text = "\n".join(line for line in seed_text(0).splitlines() if line.strip() not in BASIC_LABELS)
    labelled, bare = record(seed_text(0)), record(text)
    for key in ("overall_status", "phases", "enrollment", "study_type", "start_date", "completion_date"):
        assert bare[key] == labelled[key], key
    assert bare["overall_status"] == "RECRUITING"
    assert bare["start_date"] == "2024-10-30" and bare["completion_date"] == "2027-09-30"


def test_seed_000_bare_values_with_a_missing_value_keep_their_slots():
    lines = [line for line in seed_text(0).splitlines() if line.strip() not in BASIC_LABELS]
    lines.remove("18 participants")
    rec = record("\n".join(lines))
    assert rec["enrollment"] is None
    assert rec["study_type"] == "INTERVENTIONAL"
    assert rec["start_date"] == "2024-10-30"


def test_seed_000_without_blurbs():
    rec = record(seed_text(0))
    lines = seed_text(0).splitlines()
    stripped = "\n".join(
        line
        for i, line in enumerate(lines)
        if not (
            i >= 2
            and lines[i - 2].strip()
            in {
                "Basic Information",
                "Brief Summary",
                "Conditions",
                "Study Design",
                "Eligibility Criteria",
                "Sponsors",
                "Locations",
                "References",
            }
        )
    )
    again = record(stripped)
    for key in (
        "overall_status",
        "brief_summary",
        "conditions",
        "design",
        "lead_sponsor",
        "sites",
        "references",
    ):
        assert again[key] == rec[key], key


def test_seed_004_with_search_header_takes_the_trial_nct_id():
    rec = record("Search\nTrial NCT06056921\n" + seed_text(4))
    assert rec["nct_id"] == "NCT06056921"
    assert (
        rec["brief_title"]
        == "Safety and Efficacy of CD19 Targeted CAR-T Therapy for Refractory Autoimmune Disease"
    )
    assert rec["lead_sponsor"] == "CHONGQING PRECISION BIOTECH CO., LTD"


def test_nct_id_from_url_only_when_the_page_states_none():
    url = "https://www.clinconnect.io/trials/NCT06056921"
    assert record(seed_text(4), url)["nct_id"] == "NCT06056921"
    assert record(seed_text(3))["nct_id"] is None
    # the page's own ID wins over the URL
    assert record(seed_text(0), "https://example.org/trial/NCT00000001")["nct_id"] == "NCT06691152"


@pytest.mark.parametrize(
    ("n", "old", "new", "expected"),
    [
        (3, "Enrolling\nPhase 1\n", "Enrolling\nPhase 2\nPhase 1\n", ["Phase 2", "Phase 1"]),
        (3, "Enrolling\nPhase 1\n", "Phase 1\nPhase 2\nEnrolling\n", ["Phase 1", "Phase 2"]),
        (0, "PHASE1\n", "PHASE2\n\nPHASE1\n", ["PHASE2", "PHASE1"]),
        (2, "  • Phase 3\n", "  • Phase 2\n  • Phase 1\n", ["Phase 2", "Phase 1"]),
        (1, "Study Phase: Phase 1/Phase 2\n", "Study Phase:\nPhase 2\nPhase 1\n", ["Phase 2", "Phase 1"]),
        (1, "Study Phase: Phase 1/Phase 2\n", "Study Phase: Phase 1/2\n", ["Phase 1/2"]),
    ],
)
def test_phases_on_separate_lines(n, old, new, expected):
    text = seed_text(n)
    assert old in text
    assert record(text.replace(old, new, 1))["phases"] == expected


def test_seed_000_bare_values_with_two_phase_lines():
    text = "\n".join(line for line in seed_text(0).splitlines() if line.strip() not in BASIC_LABELS)
    rec = record(text.replace("PHASE1\n", "PHASE2\n\nPHASE1\n", 1))
    assert rec["phases"] == ["PHASE2", "PHASE1"]
    assert rec["enrollment"] == 18


@pytest.mark.parametrize("n", range(5))
def test_seed_truncated_at_half_still_parses(n):
    text = seed_text(n)
    full = record(text)
    half = parse_page(text[: len(text) // 2])
    assert half["ok"], half
    assert half["layout"] == SEED_LAYOUTS[n]
    assert half["record"]["brief_title"] == full["brief_title"]
    assert half["record"]["nct_id"] == full["nct_id"]


def test_seed_000_truncated_keeps_what_it_shows():
    text = seed_text(0)
    rec = record(text[: text.index("Exclusion Criteria")])
    assert rec["nct_id"] == "NCT06691152"
    assert rec["overall_status"] == "RECRUITING"
    assert rec["sites"] == [] and rec["references"] == []
    assert rec["eligibility_text"].startswith("Inclusion Criteria")


def test_missing_sections_are_empty_not_invented():
    text = seed_text(0)
    cut = text[: text.index("Sponsors")] + text[text.index("Other Identifiers") :]
    rec = record(cut)
    assert rec["lead_sponsor"] is None
    assert rec["sites"] == [] and rec["contacts"] == [] and rec["officials"] == []
    assert rec["other_ids"] == ["PBC078"]


def test_crlf_and_nbsp_copy_gives_the_same_record():
    text = seed_text(2)
    assert parse_page(text.replace("\n", "\r\n").replace("Study Type", "Study\u00a0Type")) == parse_page(text)


# --- quarantine --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("", "empty_body"),
        ("  \n\t \n", "empty_body"),
        (None, "empty_body"),
        ("\x00\x01binary", "binary_body"),
        ("\ufffd" * 40 + "ab", "binary_body"),
        (
            "Classic pancake recipe\n\nIngredients: flour, milk, eggs.\nWhisk and fry for 2 minutes.",
            "unrecognised_layout",
        ),
        ("<html><body><p>Weather today: sunny</p></body></html>", "unrecognised_layout"),
    ],
)
def test_quarantine_reasons(body, reason):
    result = parse_page(body)
    assert result["ok"] is False
    assert result["reason"] == reason
    assert result["layout"] is None
    assert isinstance(result["error"], str) and result["error"]


def test_too_large():
    result = parse_page("x" * 5_000_001)
    assert (result["ok"], result["reason"]) == (False, "too_large")
    assert parse_page(seed_text(0), max_chars=100)["reason"] == "too_large"


def test_copies_without_their_site_header():
    veeva = seed_text(3).replace("ClinicalTrials.Veeva\n\nMenu\n\n", "", 1)
    assert record(veeva)["brief_title"] == "Study of BCMA/CD70 CAR-T Therapy for Refractory cSLE"
    assert record(veeva)["lead_sponsor"] == "Zhejiang University"
    untitled = seed_text(0).split("\n", 1)[1]
    rec = record(untitled)
    assert rec["brief_title"] is None and rec["nct_id"] == "NCT06691152"
    unlaunched = seed_text(4).replace("Launched by CHONGQING PRECISION BIOTECH CO., LTD · Sep 25, 2023\n", "")
    rec = record(unlaunched)
    assert rec["lead_sponsor"] is None and rec["first_submitted_date"] is None
    assert rec["current_as_of"] == "June 26, 2025"


def test_binary_signatures_and_bytes():
    assert parse_page("%PDF-1.7\n1 0 obj")["reason"] == "binary_body"
    assert parse_page(bytes(range(256)).decode("utf-8", errors="replace") * 4)["reason"] == "binary_body"
    assert parse_page(seed_text(3).encode("utf-8"))["layout"] == "veeva"  # bytes are decoded, not refused


def test_url_nct_id_is_read_from_the_path_only():
    assert record(seed_text(3), "https://example.org/study?id=NCT06056921")["nct_id"] is None
    assert record(seed_text(3), "https://example.org/study/nct06056921")["nct_id"] == "NCT06056921"


def test_veeva_criteria_under_an_unknown_heading_are_not_read_as_the_sex_field():
    # A Veeva copy without Ages/Volunteers whose criteria carry CT.gov's "Key ... Criteria" headings:
    # the text ran on under "Sex" and became its value (seen at 500,000 generated studies).
    page = (
        seed_text(3)
        .replace("Ages\n\n5+ years old\n\nVolunteers\n\nNo Healthy Volunteers\n\n", "", 1)
        .replace("Inclusion criteria\n", "  Key Inclusion Criteria:\n", 1)
        .replace("Exclusion criteria\n", "  Key Exclusion Criteria:\n", 1)
    )
    rec = record(page)
    assert (rec["sex"], rec["min_age"], rec["healthy_volunteers"]) == ("All", None, None)
    assert rec["eligibility_text"].startswith("Key Inclusion Criteria:\n1. Age:≥5 years old;")
    assert "\nKey Exclusion Criteria:\n" in rec["eligibility_text"]
    kinds = [row["kind"] for row in split_criteria(rec["eligibility_text"]) if row["depth"] == 0]
    seed_kinds = [
        row["kind"] for row in split_criteria(record(seed_text(3))["eligibility_text"]) if row["depth"] == 0
    ]
    assert kinds == seed_kinds
    assert (kinds.count("inclusion"), kinds.count("exclusion")) == (8, 11)
    assert record(seed_text(3))["sex"] == "All"
