"""split_criteria: headings, bullet styles, nesting signals and run-together criteria."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pages import parse_page, split_criteria

PAGES = Path(__file__).resolve().parents[1] / "sample_data" / "pages"


def seed_text(n: int) -> str:
    (path,) = PAGES.glob(f"{n:03d}_*.txt")
    return path.read_text(encoding="utf-8")


def rows(text: str | None) -> list[tuple[str, str, str]]:
    return [(r["kind"], r["path"], r["text"]) for r in split_criteria(text)]


def test_row_shape():
    (row,) = split_criteria("Exclusion Criteria:\n1. Pregnant")
    assert row == {
        "kind": "exclusion",
        "path": "1",
        "parent_path": None,
        "ordinal": 1,
        "depth": 0,
        "text": "Pregnant",
    }


@pytest.mark.parametrize(
    "text", [None, "", "   \n\n", "Inclusion Criteria:\nExclusion Criteria:", "•\n-\n1."]
)
def test_nothing_to_split(text):
    assert split_criteria(text) == []


@pytest.mark.parametrize(
    "heading",
    [
        "Inclusion Criteria",
        "Inclusion criteria:",
        "- Inclusion Criteria:",
        "INCLUSION CRITERIA",
        "Key Inclusion Criteria:",
    ],
)
def test_inclusion_headings_are_not_criteria(heading):
    assert rows(f"{heading}\n1. Adult\nExclusion Criteria\n1. Pregnant") == [
        ("inclusion", "1", "Adult"),
        ("exclusion", "1", "Pregnant"),
    ]


def test_text_before_any_heading_is_inclusion():
    assert rows("1. Adult\n2. Consent\nExclusion criteria:\n- Pregnant") == [
        ("inclusion", "1", "Adult"),
        ("inclusion", "2", "Consent"),
        ("exclusion", "1", "Pregnant"),
    ]


def test_criterion_starting_with_inclusion_word_is_not_a_heading():
    assert rows("1. Inclusion in another trial within 30 days") == [
        ("inclusion", "1", "Inclusion in another trial within 30 days")
    ]


def test_heading_with_inline_criterion():
    assert rows("Inclusion Criteria: Age 18 or over\nExclusion Criteria: pregnancy") == [
        ("inclusion", "1", "Age 18 or over"),
        ("exclusion", "1", "pregnancy"),
    ]


@pytest.mark.parametrize(
    "lines",
    [
        ["1. a", "2. b"],
        ["1\\. a", "2\\. b"],
        ["1) a", "2) b"],
        ["(1) a", "(2) b"],
        ["a. a", "b. b"],
        ["• a", "• b"],
        ["‣ a", "‣ b"],
        ["⁃ a", "⁃ b"],
        ["- • a", "- • b"],
        ["* a", "* b"],
        ["- a", "- b"],
        ["• 1\\. a", "• 2\\. b"],
    ],
)
def test_bullet_styles(lines):
    assert rows("\n".join(lines)) == [("inclusion", "1", "a"), ("inclusion", "2", "b")]


def test_plain_lines_are_one_criterion_each_and_blanks_are_dropped():
    assert rows("Adults\n\n   \nSigned consent\n") == [
        ("inclusion", "1", "Adults"),
        ("inclusion", "2", "Signed consent"),
    ]


def test_unbulleted_line_continues_the_criterion_above():
    assert rows("1. Organs normal:\n\nHeart: LVEF over 50%\n2. Consent") == [
        ("inclusion", "1", "Organs normal: Heart: LVEF over 50%"),
        ("inclusion", "2", "Consent"),
    ]


def test_nesting_by_indentation():
    text = "  1. Organs:\n\n    1. Liver:\n\n      • ALT\n      • AST\n    2. Kidney\n  2. Consent"
    got = [(r["path"], r["parent_path"], r["ordinal"], r["depth"], r["text"]) for r in split_criteria(text)]
    assert got == [
        ("1", None, 1, 0, "Organs:"),
        ("1.1", "1", 1, 1, "Liver:"),
        ("1.1.1", "1.1", 1, 2, "ALT"),
        ("1.1.2", "1.1", 2, 2, "AST"),
        ("1.2", "1", 2, 1, "Kidney"),
        ("2", None, 2, 0, "Consent"),
    ]


def test_nesting_by_glyph_change():
    text = "• 1\\. Lupus:\n‣ Diagnosis:\n⁃ Age 10-65\n⁃ ANA positive\n‣ Biopsy done\n• 2\\. Sclerosis"
    assert rows(text) == [
        ("inclusion", "1", "Lupus:"),
        ("inclusion", "1.1", "Diagnosis:"),
        ("inclusion", "1.1.1", "Age 10-65"),
        ("inclusion", "1.1.2", "ANA positive"),
        ("inclusion", "1.2", "Biopsy done"),
        ("inclusion", "2", "Sclerosis"),
    ]


def test_nesting_by_numbering_without_indentation():
    text = "\n".join(
        [
            "- 1. Adult",
            "- 2. One of:",
            "- • SLE",
            "- * SSc",
            "- • 1. rash",
            "- • 2, biopsy",
            "- • 3. MMT",
            "- • DM",
        ]
        + ["- • 3. ECOG"]
    )
    assert rows(text) == [
        ("inclusion", "1", "Adult"),
        ("inclusion", "2", "One of:"),
        ("inclusion", "2.1", "SLE"),
        ("inclusion", "2.2", "SSc"),
        ("inclusion", "2.2.1", "rash"),
        ("inclusion", "2.2.2", "biopsy"),
        ("inclusion", "2.2.3", "MMT"),
        ("inclusion", "2.3", "DM"),
        ("inclusion", "3", "ECOG"),
    ]


def test_letter_and_paren_sublists():
    assert rows("1. A\n2. B\na. ba\nb. bb\n3. C\n(1) ca\n(2) cb") == [
        ("inclusion", "1", "A"),
        ("inclusion", "2", "B"),
        ("inclusion", "2.1", "ba"),
        ("inclusion", "2.2", "bb"),
        ("inclusion", "3", "C"),
        ("inclusion", "3.1", "ca"),
        ("inclusion", "3.2", "cb"),
    ]


def test_run_together_criteria_split_when_numbering_continues():
    text = (
        "• 1\\. LN:\n‣ Diagnosis\n"
        "⁃ Consent; 2. Systemic sclerosis (SSc): (1) The selected patient signs.\n"
        "‣ (2) Age 6-65"
    )
    assert rows(text) == [
        ("inclusion", "1", "LN:"),
        ("inclusion", "1.1", "Diagnosis"),
        ("inclusion", "1.1.1", "Consent;"),
        ("inclusion", "2", "Systemic sclerosis (SSc):"),
        ("inclusion", "2.1", "The selected patient signs."),
        ("inclusion", "2.2", "Age 6-65"),
    ]


def test_embedded_markers_that_do_not_continue_a_sequence_stay():
    # "b." without an "a.", and "(4)" with no open (n) list: text, not new criteria
    text = (
        "1. Strength under 125/150, and: Patient score no less than 2.0 cm; b. Physician score; c. HAQ\n"
        "2. Next"
    )
    assert rows(text) == [
        (
            "inclusion",
            "1",
            "Strength under 125/150, and: Patient score no less than 2.0 cm; b. Physician score; c. HAQ",
        ),
        ("inclusion", "2", "Next"),
    ]
    assert len(split_criteria("1) Diagnosed; ② PVR over 2WU; (4) PAH not low risk")) == 1


def test_inline_numbered_list_on_one_line():
    assert rows("1) first; 2) second; 3) third") == [
        ("inclusion", "1", "first;"),
        ("inclusion", "2", "second;"),
        ("inclusion", "3", "third"),
    ]


def test_markdown_escapes_are_undone_in_criteria_text():
    assert rows("1\\. type III \\[excluding IV\\], PVR\\>2WU") == [
        ("inclusion", "1", "type III [excluding IV], PVR>2WU")
    ]


def test_seed_001_criteria_tree():
    text = parse_page(seed_text(1))["record"]["eligibility_text"]
    got = split_criteria(text)
    assert len(got) == 28
    by_path = {r["path"]: r for r in got}
    assert [r["path"] for r in got if r["depth"] == 0] == ["1", "2", "3"]
    assert by_path["1"]["text"].startswith("Refractory lupus nephritis (LN): Definition:")
    assert by_path["1.1"]["text"].startswith("Diagnostic criteria:")
    assert "[excluding type III (C), IV-S (C), and IV-G (C)]" in by_path["1.1"]["text"]
    assert [p for p in by_path if p.startswith("1.1.")] == [f"1.1.{i}" for i in range(1, 10)]
    assert by_path["1.1.9"]["text"].endswith("willing to sign a written informed consent form;")
    assert by_path["2"]["text"] == "Systemic sclerosis (SSc):"
    assert (
        by_path["2.1"]["text"]
        == "The selected patient or their legal representative voluntarily signs the informed consent form."
    )
    assert [p for p in by_path if p.startswith("2.")] == ["2.1", "2.2", "2.3", "2.4", "2.5"]
    assert by_path["2.5"]["text"].endswith("no contraindications for cell collection;")
    assert by_path["3"]["text"] == "Primary Sjogren's syndrome with pulmonary hypertension (pSS PAH):"
    assert [p for p in by_path if p.startswith("3.")] == [f"3.{i}" for i in range(1, 11)]
    assert by_path["3.4"]["text"].startswith("Diagnosed with primary Sjogren's syndrome")
    assert by_path["3.5"]["text"].startswith("Confirmed by right heart catheterization")
    assert "(4) PAH did not reach the risk stratification" in by_path["3.5"]["text"]
    assert by_path["3.6"]["text"].startswith("The subjects have received stable doses")
    assert all(r["parent_path"] == r["path"].rsplit(".", 1)[0] for r in got if r["depth"])
