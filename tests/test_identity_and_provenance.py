"""One trial, many sources: records link to trials by NCT ID, identifier or unambiguous title only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO, query, run_cli, write_sources

pytestmark = pytest.mark.slow

PAGES = REPO / "sample_data" / "pages"
SEED_000 = PAGES / "000_e82f03e7748fc0a6.txt"
SEED_000_TITLE = "Efficacy and Safety of CD19 UCAR T Cells in Refractory Systemic Lupus Erythematosus"
SEED_000_SPONSOR = "The Children's Hospital of Zhejiang University School of Medicine"
SEED_004_TITLE = "Safety and Efficacy of CD19 Targeted CAR-T Therapy for Refractory Autoimmune Disease"
RETITLED = "EFFICACY and  safety of CD19 UCAR T-cells in refractory systemic lupus erythematosus (CAR-T)"


def study_page(*, title: str, nct_id: str | None, sponsor: str, enrollment: int = 18) -> str:
    """Another capture in the study-page layout (seed 000's site) with its own title, ID and sponsor."""
    text = SEED_000.read_text()
    text = text.replace(SEED_000_TITLE, title, 1)
    text = text.replace("NCT ID: NCT06691152", f"NCT ID: {nct_id}" if nct_id else "", 1)
    text = text.replace(SEED_000_SPONSOR, sponsor, 1)
    return text.replace("18 participants", f"{enrollment} participants", 1)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """Two nights: the seeds and other captures on 2026-11-19; on 2026-11-20 also a retitled copy of
    seed 000's trial (enrollment 24, no NCT ID) and a registry record of seed 004's trial."""
    tmp = tmp_path_factory.mktemp("identity")
    first_night = {
        # the trial of seed 004 on another site, which states its NCT ID and reports 24 participants
        "other_site_nct06056921.txt": study_page(
            title=SEED_004_TITLE,
            nct_id="NCT06056921",
            sponsor="Chongqing Precision Biotech Co., Ltd",
            enrollment=24,
        ),
        # a different trial of the same sponsor as seed 000, with an NCT ID …
        "same_sponsor_registered.txt": study_page(
            title="Anti-CD7 CAR-T Cells for Refractory Juvenile Dermatomyositis",
            nct_id="NCT09999901",
            sponsor=SEED_000_SPONSOR,
        ),
        # … and another of that sponsor without one: a shared sponsor alone never links
        "same_sponsor_unregistered.txt": study_page(
            title="BCMA CAR-T Cells for Refractory Pediatric Lupus Nephritis",
            nct_id=None,
            sponsor=SEED_000_SPONSOR,
        ),
    }
    second_night = {
        # seed 000's trial without its NCT ID, title in other case/spacing with a trailing "(CAR-T)"
        "seed000_retitled.txt": study_page(
            title=RETITLED, nct_id=None, sponsor=SEED_000_SPONSOR, enrollment=24
        ),
    }
    for name, text in {**first_night, **second_night}.items():
        (tmp / name).write_text(text)
    registry = tmp / "ctgov"
    registry.mkdir()
    study = json.loads((REPO / "sample_data" / "ctgov" / "NCT06171568.json").read_text())
    study["protocolSection"]["identificationModule"].update(nctId="NCT06056921", briefTitle=SEED_004_TITLE)
    study["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 30, "type": "ESTIMATED"}
    (registry / "NCT06056921.json").write_text(json.dumps(study))

    seeds = [p.as_uri() for p in sorted(PAGES.glob("*.txt"))]
    nights = [
        ("2026-11-19", seeds + [(tmp / n).as_uri() for n in first_night], False),
        # the new page first: it is fetched before the unchanged pages it must outrank (the newest
        # capture is the newest content, not the last fetch of a night)
        ("2026-11-20", [(tmp / n).as_uri() for n in {**second_night, **first_night}] + seeds, True),
    ]
    for run_date, urls, with_registry in nights:
        sources = [{"name": "pages", "kind": "pages", "urls": urls}]
        if with_registry:
            sources.append({"name": "registry", "kind": "ctgov_bulk", "path": str(registry)})
        sources_file = write_sources(tmp / f"sources-{run_date}.yml", sources)
        run_cli(
            "refresh", "--sources", str(sources_file), "--warehouse", str(tmp / "wh"), "--run-date", run_date
        )
    return tmp / "wh" / "warehouse.duckdb"


def _trial_of(db: Path, url_part: str) -> tuple[str, str, str]:
    rows = query(
        db,
        "select trial_id, link_rule, link_evidence from marts.trial_links where source_url like ?",
        [f"%{url_part}%"],
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_the_five_seeds_are_five_trials(warehouse):
    seeds = [_trial_of(warehouse, f"/{n:03d}_")[0] for n in range(5)]
    assert len(set(seeds)) == 5


def test_seed_004_joins_the_page_that_states_its_nct_id(warehouse):
    trial_id, rule, evidence = _trial_of(warehouse, "/004_")
    assert (trial_id, rule) == ("NCT06056921", "title")
    assert "NCT06056921" in evidence and "lead sponsor" in evidence
    assert _trial_of(warehouse, "other_site_nct06056921")[:2] == ("NCT06056921", "nct_id")
    assert query(warehouse, "select records_count from marts.trials where trial_id = 'NCT06056921'") == [(3,)]


def test_seeds_000_and_003_stay_apart_despite_shared_criteria_and_investigator(warehouse):
    assert _trial_of(warehouse, "/000_")[:2] == ("NCT06691152", "nct_id")
    trial_003, rule_003, _ = _trial_of(warehouse, "/003_")
    assert rule_003 == "unlinked"
    assert trial_003.startswith("UNLINKED-")


def test_title_differing_in_case_spacing_and_trailing_acronym_still_links(warehouse):
    trial_id, rule, evidence = _trial_of(warehouse, "seed000_retitled")
    assert (trial_id, rule) == ("NCT06691152", "title")
    assert (
        'title "efficacy and safety of cd19 ucar t cells in refractory systemic lupus erythematosus"'
        in evidence
    )


def test_two_trials_of_the_same_sponsor_do_not_link(warehouse):
    assert _trial_of(warehouse, "same_sponsor_registered")[:2] == ("NCT09999901", "nct_id")
    trial_id, rule, _ = _trial_of(warehouse, "same_sponsor_unregistered")
    assert rule == "unlinked"
    assert trial_id not in {"NCT09999901", "NCT06691152"}


def test_registry_record_wins_over_newer_pages(warehouse):
    (row,) = query(
        warehouse,
        """
        select t.enrollment, r.record_origin, r.source_name
        from marts.trials t join marts.trial_records r on r.record_id = t.provenance['enrollment']
        where t.trial_id = 'NCT06056921'
        """,
    )
    assert row == (30, "ctgov", "registry")
    (conflict,) = query(
        warehouse,
        """
        select chosen_value, [v.value for v in stated_values], [v.source_name for v in stated_values]
        from marts.trial_conflicts where trial_id = 'NCT06056921' and field = 'enrollment'
        """,
    )
    assert conflict == ("30", ["30", "24"], ["registry", "pages"])


def test_among_pages_the_newest_capture_wins_and_both_values_are_kept(warehouse):
    (row,) = query(
        warehouse,
        """
        select t.enrollment, r.source_url like '%seed000_retitled%', r.captured_on::varchar
        from marts.trials t join marts.trial_records r on r.record_id = t.provenance['enrollment']
        where t.trial_id = 'NCT06691152'
        """,
    )
    assert row == (24, True, "2026-11-20")
    (conflict,) = query(
        warehouse,
        """
        select chosen_value, [v.value for v in stated_values], [v.source_url[-21:] for v in stated_values]
        from marts.trial_conflicts where trial_id = 'NCT06691152' and field = 'enrollment'
        """,
    )
    assert conflict == ("24", ["24", "18"], ["/seed000_retitled.txt", "_e82f03e7748fc0a6.txt"])
    (titles,) = query(
        warehouse,
        "select [v.value for v in stated_values] from marts.trial_conflicts"
        " where trial_id = 'NCT06691152' and field = 'title'",
    )
    assert titles == ([" ".join(RETITLED.split()), SEED_000_TITLE],)  # the parser folds runs of spaces


def test_each_field_of_trials_names_the_record_chosen_in_trial_field_provenance(warehouse):
    """`trials.provenance` and the `is_chosen` rows of `trial_field_provenance` agree on every trial."""
    mismatched = query(
        warehouse,
        """
        with chosen as (
            select
                trial_id,
                map_from_entries(list({'key': field, 'value': record_id} order by field)) as provenance
            from marts.trial_field_provenance
            where is_chosen
            group by trial_id
        )
        select coalesce(t.trial_id, c.trial_id)
        from marts.trials as t
        full join chosen as c on t.trial_id = c.trial_id
        where t.provenance is distinct from c.provenance
        """,
    )
    assert mismatched == []
    # seed 000's trial: the retitled page (newest capture) supplies the enrollment, but it states no
    # NCT ID, so that field comes from the older page of the trial; 18 of the 24 merged fields are
    # stated by one of its two pages
    (row,) = query(
        warehouse,
        """
        select t.records_count, t.enrollment, t.nct_id,
               e.source_url[-21:], n.source_url[-21:], cardinality(t.provenance)
        from marts.trials t
        join marts.trial_records e on e.record_id = t.provenance['enrollment']
        join marts.trial_records n on n.record_id = t.provenance['nct_id']
        where t.trial_id = 'NCT06691152'
        """,
    )
    assert row == (2, 24, "NCT06691152", "/seed000_retitled.txt", "_e82f03e7748fc0a6.txt", 18)
