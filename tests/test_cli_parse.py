"""`trialwh parse FILE`: the staging extraction of one page as JSON, from the real console script."""

from __future__ import annotations

import json

from tests.conftest import REPO, run_cli

PAGES = REPO / "sample_data" / "pages"


def parse(*args: str) -> dict:
    result = run_cli("parse", *args, timeout=120)
    return json.loads(result.stdout)


def test_parse_prints_the_veeva_page_as_json():
    (page,) = PAGES.glob("003_*.txt")
    out = parse(str(page))
    assert out["ok"] is True
    assert out["layout"] == "veeva"
    rec = out["record"]
    assert rec["nct_id"] is None
    assert rec["brief_title"] == "Study of BCMA/CD70 CAR-T Therapy for Refractory cSLE"
    assert rec["lead_sponsor"] == "Zhejiang University"
    # values as the page states them: normalising is dbt's job
    assert rec["overall_status"] == "Enrolling"
    assert rec["phases"] == ["Phase 1"]
    assert (rec["enrollment"], rec["enrollment_type"]) == (18, "estimated")
    assert (rec["min_age"], rec["max_age"]) == ("5+ years old", None)
    assert (rec["sex"], rec["healthy_volunteers"]) == ("All", "No Healthy Volunteers")
    assert rec["conditions"] == ["CAR T Cell Therapy", "BCMA", "Systemic Lupus Erythematosus"]
    assert rec["interventions"] == [
        {"type": "Biological", "name": "anti-BCMA/CD70-CAR-T cells", "description": None}
    ]
    assert rec["arms"] == [
        {
            "label": "CAR-T treatment group",
            "type": "Experimental group",
            "description": "This trial was designed as an open, single-arm, multicenter, "
            "dose-increasing trial.",
            "interventions": ["anti-BCMA/CD70-CAR-T cells"],
        }
    ]
    assert rec["design"] == {
        "allocation": "N/A",
        "intervention_model": "Single Group Assignment",
        "primary_purpose": "Treatment",
        "masking": "None (Open label)",
    }
    assert [c["name"] for c in rec["contacts"]] == ["Xue He", "Jianhua Mao, MD"]
    assert rec["sites"] == []
    assert rec["eligibility_text"].startswith("Inclusion criteria\n")


def test_parse_takes_the_nct_id_from_the_url_when_the_page_states_none():
    (page,) = PAGES.glob("003_*.txt")
    out = parse(str(page), "--url", "https://ctv.veeva.com/study/NCT06417398")
    assert (out["ok"], out["layout"], out["record"]["nct_id"]) == (True, "veeva", "NCT06417398")


def test_parse_reports_a_page_it_cannot_read(tmp_path):
    recipe = tmp_path / "recipe.txt"
    recipe.write_text("Lemon drizzle cake\n\nIngredients\n\n- 225g butter\n- 4 eggs\n")
    out = parse(str(recipe))
    assert out == {
        "ok": False,
        "layout": None,
        "reason": "unrecognised_layout",
        "error": "no known page layout matches this page",
    }


def test_parse_of_a_missing_file_fails_with_a_usage_error(tmp_path):
    result = run_cli("parse", str(tmp_path / "missing.txt"), check=False, timeout=120)
    assert result.returncode == 2
    assert "does not exist" in result.stderr
